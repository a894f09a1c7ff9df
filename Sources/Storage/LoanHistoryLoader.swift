package import Database
package import Foundation

/// Readers and a loan history in bulk, for `library-app seed --loans` (demos and the reports'
/// benchmark), not the request path: multi-row INSERTs, then the counts the schema keeps
/// brought in line with the new loans set-wise.
package struct LoanHistoryLoader {
    let database: DatabaseConnection

    package init(database: DatabaseConnection) {
        self.database = database
    }

    /// One loan of the history, written as it is.
    package struct Entry: Sendable, Equatable {
        package var userID: Int64
        package var bookID: Int64
        package var borrowedAt: Date
        package var dueAt: Date
        package var returnedAt: Date?
        package var renewals: Int

        package init(userID: Int64, bookID: Int64, borrowedAt: Date, dueAt: Date, returnedAt: Date?, renewals: Int) {
            self.userID = userID
            self.bookID = bookID
            self.borrowedAt = borrowedAt
            self.dueAt = dueAt
            self.returnedAt = returnedAt
            self.renewals = renewals
        }
    }

    package func loanCount() throws -> Int {
        try database.fetch("SELECT COUNT(*) AS loans FROM loans").first?.int("loans") ?? 0
    }

    /// The highest loan id so far (0 for none): the loans after it are the new ones.
    package func lastLoanID() throws -> Int64 {
        Int64(try database.fetch("SELECT COALESCE(MAX(id), 0) AS last FROM loans").first?.int("last") ?? 0)
    }

    /// The copies on the shelf of each book nobody waits for: an active loan must take one.
    package func freeCopies() throws -> [Int64: Int] {
        var free: [Int64: Int] = [:]
        for row in try database.fetch("SELECT id, copies_available FROM books WHERE holds_waiting = 0") {
            free[Int64(try row.int("id"))] = try row.int("copies_available")
        }
        return free
    }

    /// `body` in one transaction, not retried: a seed runs alone.
    package func inTransaction<T>(_ body: () throws -> T) throws -> T {
        try database.transaction(attempts: 1, body)
    }

    /// Readers who cannot sign in (no password hash matches "!"), named after `tag` and their
    /// number, in multi-row INSERTs of `batchSize`; returns their ids (those there already too).
    package func addReaders(_ count: Int, tag: String, batchSize: Int) throws -> [Int64] {
        for start in stride(from: 0, to: count, by: batchSize) {
            let rows = (start..<min(start + batchSize, count)).map { number -> SQLQuery in
                let username = "reader_\(tag)_\(number)"
                let email = "reader.\(tag).\(number)@seed.example"
                return "(\(username), \(email), '!')"
            }
            try database.perform(
                "INSERT IGNORE INTO users (username, email, password_hash) VALUES \(SQLQuery.joined(rows, separator: ", "))")
        }
        let emails = "reader.\(tag).%@seed.example"
        return try database.fetch("SELECT id FROM users WHERE email LIKE \(emails) ORDER BY id")
            .map { Int64(try $0.int("id")) }
    }

    /// One multi-row INSERT; returns the rows added.
    @discardableResult
    package func insert(_ loans: ArraySlice<Entry>) throws -> Int {
        guard !loans.isEmpty else { return 0 }
        let rows = loans.map { loan -> SQLQuery in
            "(\(loan.userID), \(loan.bookID), \(loan.borrowedAt), \(loan.dueAt), \(loan.returnedAt), \(loan.renewals))"
        }
        return try database.perform(
            "INSERT INTO loans (user_id, book_id, borrowed_at, due_at, returned_at, renewals) VALUES \(SQLQuery.joined(rows, separator: ", "))"
        ).affectedRows
    }

    /// The users' active loans and the books' copies on the shelf, counting the active loans
    /// after `firstNew` (in the transaction that inserted them).
    package func countActiveLoans(after firstNew: Int64) throws {
        try database.perform(
            """
            UPDATE users u JOIN (SELECT user_id, COUNT(*) AS n FROM loans WHERE id > \(firstNew) AND returned_at IS NULL GROUP BY user_id) AS s
            ON s.user_id = u.id SET u.active_loans = u.active_loans + s.n, u.updated_at = u.updated_at
            """)
        try database.perform(
            """
            UPDATE books b JOIN (SELECT book_id, COUNT(*) AS n FROM loans WHERE id > \(firstNew) AND returned_at IS NULL GROUP BY book_id) AS s
            ON s.book_id = b.id SET b.copies_available = b.copies_available - s.n, b.updated_at = b.updated_at
            """)
    }

    /// The reports' counts (sql/008) of every loan after `firstNew`: the books' `loans_total`
    /// and their loans per month.
    package func countForReports(after firstNew: Int64) throws {
        try database.perform(
            """
            UPDATE books b JOIN (SELECT book_id, COUNT(*) AS n FROM loans WHERE id > \(firstNew) GROUP BY book_id) AS s
            ON s.book_id = b.id SET b.loans_total = b.loans_total + s.n, b.updated_at = b.updated_at
            """)
        try database.perform(
            """
            INSERT INTO book_loan_months (book_id, month, loans)
            SELECT book_id, DATE_FORMAT(borrowed_at, '%Y-%m-01') AS first_day, COUNT(*) FROM loans WHERE id > \(firstNew)
            GROUP BY book_id, first_day
            ON DUPLICATE KEY UPDATE loans = loans + VALUES(loans)
            """)
    }
}
