import Database
import Foundation
import Models
import Storage
import Testing

/// The reports' store and the loan history loader of `seed --loans` against MariaDB: what the
/// loader writes is counted as the borrows count it (sql/005, sql/008), and the reports read it.
@Suite struct ReportStorageTests {
    typealias Entry = LoanHistoryLoader.Entry

    let now = Date()

    func daysAgo(_ days: Double) -> Date { now.addingTimeInterval(-days * 86_400) }

    private func count(_ query: SQLQuery, in connection: DatabaseConnection) throws -> Int {
        try connection.fetch(query).first?.optionalInt("n") ?? 0
    }

    @Test func aLoadedHistoryIsCountedAndReported() throws {
        try TestDatabase.withMigratedDatabase { connection in
            let session = MariaDBSession(connection: connection, holdPolicy: HoldPolicy())
            let loader = LoanHistoryLoader(database: connection)
            func book(_ title: String, isbn: String) throws -> Int64 {
                try session.books.insert(
                    BookFields(
                        title: title, author: "Someone", isbn: try ISBN(parsing: isbn), publishedYear: nil, genre: nil, description: nil,
                        copies: 3)
                ).id
            }
            let dune = try book("Dune", isbn: "0441172717")
            let anathem = try book("Anathem", isbn: "0306406152")
            let readers = try loader.addReaders(3, tag: "t", batchSize: 2)
            #expect(readers.count == 3)
            #expect(try loader.addReaders(3, tag: "t", batchSize: 2) == readers)  // there already: the same ids
            #expect(try loader.freeCopies() == [dune: 3, anathem: 3])

            let firstNew = try loader.lastLoanID()
            let active = [
                Entry(userID: readers[0], bookID: anathem, borrowedAt: daysAgo(40), dueAt: daysAgo(26), returnedAt: nil, renewals: 0),
                Entry(userID: readers[1], bookID: dune, borrowedAt: daysAgo(20), dueAt: daysAgo(6), returnedAt: nil, renewals: 0),
                Entry(userID: readers[2], bookID: dune, borrowedAt: daysAgo(1), dueAt: daysAgo(-13), returnedAt: nil, renewals: 0),
            ]
            try loader.inTransaction {
                #expect(try loader.insert(active[...]) == 3)
                try loader.countActiveLoans(after: firstNew)
            }
            let returned = [
                Entry(
                    userID: readers[2], bookID: anathem, borrowedAt: daysAgo(10), dueAt: daysAgo(-4), returnedAt: daysAgo(5), renewals: 0),
                Entry(
                    userID: readers[0], bookID: anathem, borrowedAt: daysAgo(100), dueAt: daysAgo(86), returnedAt: daysAgo(90), renewals: 0),
                Entry(
                    userID: readers[1], bookID: anathem, borrowedAt: daysAgo(200), dueAt: daysAgo(172), returnedAt: daysAgo(180),
                    renewals: 1),
                Entry(userID: readers[0], bookID: dune, borrowedAt: daysAgo(5), dueAt: daysAgo(-9), returnedAt: daysAgo(2), renewals: 0),
            ]
            #expect(try loader.inTransaction { try loader.insert(returned[...]) } == 4)
            try loader.inTransaction { try loader.countForReports(after: firstNew) }

            #expect(try loader.loanCount() == 7)
            #expect(try count("SELECT active_loans AS n FROM users WHERE id = \(readers[0])", in: connection) == 1)
            #expect(try count("SELECT active_loans AS n FROM users WHERE id = \(readers[2])", in: connection) == 1)
            #expect(try session.books.find(id: dune)?.copiesAvailable == 1)
            #expect(try session.books.find(id: anathem)?.copiesAvailable == 2)
            for (id, loans) in [(dune, 3), (anathem, 4)] {
                #expect(try count("SELECT loans_total AS n FROM books WHERE id = \(id)", in: connection) == loans)
                #expect(try count("SELECT SUM(loans) AS n FROM book_loan_months WHERE book_id = \(id)", in: connection) == loans)
            }

            // Overdue: most overdue first; the loan not yet due is not listed.
            #expect(try session.reports.overdueCount(now: now) == 2)
            let overdue = try session.reports.overdue(paging: Paging(offset: 0, limit: 10), now: now)
            #expect(overdue.map(\.loan.book.id) == [anathem, dune])
            #expect(overdue.map(\.username) == ["reader_t_0", "reader_t_1"])
            #expect(try session.reports.overdue(paging: Paging(offset: 1, limit: 10), now: now).map(\.loan.book.id) == [dune])

            // Popular: the window's loans, most first.
            let month = try session.reports.popular(in: PopularWindow(days: 30, endingAt: now), limit: 10, now: now)
            #expect(month.map(\.book.id) == [dune, anathem] && month.map(\.loans) == [3, 1])
            let year = try session.reports.popular(in: PopularWindow(days: 365, endingAt: now), limit: 1, now: now)
            #expect(year.map(\.book.id) == [anathem] && year.map(\.loans) == [4])
        }
    }
}
