import Foundation
import Models
import Storage

/// `LoanRepository` in memory (`LoanStore`'s rules).
struct InMemoryLoans: LoanRepository {
    let library: InMemoryLibrary

    func find(id: Int64) throws -> Loan? {
        library.read { $0.loans[id] }
    }

    func list(_ filter: LoanListFilter, paging: Paging, now: Date) throws -> (loans: [Loan], total: Int) {
        let loans = library.read { state in
            state.loans.values.filter { loan in
                (filter.userID == nil || loan.userID == filter.userID) && (filter.bookID == nil || loan.book.id == filter.bookID)
                    && (filter.status == nil || loan.status(at: now) == filter.status)
            }
        }.sorted { $0.id < $1.id }
        return (loans.page(paging), loans.count)
    }

    func borrow(userID: Int64, bookID: Int64, policy: LoanPolicy, now: Date) throws -> BorrowOutcome {
        try library.change { state in
            guard state.users[userID] != nil else { return .noSuchUser }
            guard var row = state.books[bookID] else { return .noSuchBook }
            let active = state.activeLoans(userID: userID)
            let holdings = LoanPolicy.Holdings(
                activeLoans: active.count, overdueLoans: active.filter { $0.dueAt < now }.count,
                holdsThisBook: active.contains { $0.book.id == bookID })
            if let refusal = policy.refusal(toBorrowWith: holdings) { throw refusal }
            let clock = library.now()
            if let ready = state.holds.values.first(where: {
                $0.userID == userID && $0.bookID == bookID && $0.status == .ready
                    && !HoldPolicy.isExpired(expiresAt: $0.expiresAt!, at: clock)
            }) {
                state.holds[ready.id]?.status = .fulfilled  // the copy kept for this user's hold
                row.book.copiesSetAside -= 1
            } else {
                guard row.book.copiesAvailable > 0 else { throw LoanPolicy.Refusal.noCopyAvailable }
                row.book.copiesAvailable -= 1
            }
            state.books[bookID] = row
            let loan = Loan(
                id: state.nextID(), userID: userID, book: state.summary(ofBook: bookID), borrowedAt: now,
                dueAt: policy.dueDate(from: now), returnedAt: nil, renewals: 0)
            state.loans[loan.id] = loan
            return .borrowed(loan)
        }
    }

    func giveBack(loanID: Int64, bookID: Int64, now: Date) throws {
        try library.change { state in
            guard let loan = state.loans[loanID], loan.returnedAt == nil else { throw LoanPolicy.Refusal.alreadyReturned }
            state.loans[loanID]?.returnedAt = now
            state.passOn(freed: 1, bookID: loan.book.id, readyFrom: library.now(), policy: library.holdPolicy)
        }
    }

    func renew(loanID: Int64, policy: LoanPolicy, now: Date) throws -> Bool {
        try library.change { state in
            guard let loan = state.loans[loanID], loan.returnedAt == nil, loan.renewals < policy.maximumRenewals,
                loan.dueAt >= now, state.books[loan.book.id]?.book.holdsWaiting == 0
            else { return false }
            state.loans[loanID]?.dueAt = policy.dueDate(from: now)
            state.loans[loanID]?.renewals += 1
            return true
        }
    }
}
