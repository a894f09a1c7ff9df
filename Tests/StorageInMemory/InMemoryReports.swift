import Foundation
import Models
import Storage

/// `ReportRepository` in memory: the answers `ReportStore` gives, computed from the loans.
struct InMemoryReports: ReportRepository {
    let library: InMemoryLibrary

    func overdueCount(now: Date) throws -> Int {
        library.read { state in state.loans.values.filter { $0.returnedAt == nil && $0.dueAt < now }.count }
    }

    func overdue(paging: Paging, now: Date) throws -> [OverdueLoan] {
        library.read { state in
            state.loans.values.filter { $0.returnedAt == nil && $0.dueAt < now }
                .sorted { ($0.dueAt, $0.id) < ($1.dueAt, $1.id) }
                .page(paging)
                .map { loan in
                    let user = state.users[loan.userID]!.user
                    return OverdueLoan(loan: loan, username: user.username, email: user.email)
                }
        }
    }

    func popular(in window: PopularWindow, limit: Int, now: Date) throws -> [PopularBook] {
        library.read { state in
            let counts = Dictionary(grouping: state.loans.values.filter { $0.borrowedAt >= window.start }, by: \.book.id)
                .mapValues(\.count)
            return counts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
                .prefix(limit)
                .map { PopularBook(book: state.summary(ofBook: $0.key), loans: $0.value) }
        }
    }
}
