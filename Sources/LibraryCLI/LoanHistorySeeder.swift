import Database
import Foundation
import LibraryApp
import Logging

/// `seed --loans N`: readers and a loan history (`SampleHistory`) in multi-row INSERTs, then
/// every count the schema keeps brought in line with the new loans in a few set-wise
/// statements: the copies and the users' active loans (with the active loans, in one
/// transaction), the books' `loans_total` and `book_loan_months` (sql/008) at the end.
struct LoanHistorySeeder {
    let database: DatabaseConnection
    let logger: Logger
    let seed: UInt64

    static let batchSize = 1_000
    static let batchesPerTransaction = 10
    static let loansPerReader = 50
    /// Active loans per reader, drawn from this list: 1.25 on average, at most 3 (MAX_ACTIVE_LOANS is 5).
    static let activeLoansPerReader = [0, 0, 1, 1, 1, 2, 2, 3]
    static let overdueShare = 0.3

    func run(loans: Int, years: Int, force: Bool) throws {
        let existing = try database.query("SELECT COUNT(*) AS loans FROM loans").first?.int("loans") ?? 0
        let wanted = force ? loans : loans - existing
        guard wanted > 0 else {
            logger.info("seed: the history already has \(existing) loans (asked for \(loans)); nothing to do")
            return
        }
        let started = Date()
        let firstNew = Int64(try database.query("SELECT COALESCE(MAX(id), 0) AS last FROM loans").first?.int("last") ?? 0)
        // Books nobody waits for: an active loan must take a copy from the shelf.
        var free: [Int64: Int] = [:]
        for row in try database.query("SELECT id, copies_available FROM books WHERE holds_waiting = 0") {
            free[Int64(try row.int("id"))] = try row.int("copies_available")
        }
        guard !free.isEmpty else {
            logger.error("seed: no books to lend; seed books first")
            return
        }
        var history = SampleHistory(seed: seed &+ UInt64(existing) &* 0x9E37_79B9, books: free.keys.sorted(), years: years, now: Date())
        let readers = try addReaders(max(10, wanted / Self.loansPerReader), tag: "\(seed)x\(existing)")

        // The active loans and the counts they change, in one transaction.
        var active: [SampleHistory.Entry] = []
        for reader in readers where active.count < wanted / 10 {
            var books: Set<Int64> = []
            for _ in 0..<Self.activeLoansPerReader[history.below(Self.activeLoansPerReader.count)] {
                for _ in 0..<5 {
                    let book = history.anyBook()
                    guard free[book, default: 0] > 0, books.insert(book).inserted else { continue }
                    free[book, default: 0] -= 1
                    active.append(history.activeLoan(userID: reader, bookID: book, overdue: history.chance(Self.overdueShare)))
                    break
                }
            }
        }
        try database.transaction(attempts: 1) {
            for start in stride(from: 0, to: active.count, by: Self.batchSize) {
                try insert(active[start..<min(start + Self.batchSize, active.count)])
            }
            try database.execute(
                """
                UPDATE users u JOIN (SELECT user_id, COUNT(*) AS n FROM loans WHERE id > ? AND returned_at IS NULL GROUP BY user_id) AS s
                ON s.user_id = u.id SET u.active_loans = u.active_loans + s.n, u.updated_at = u.updated_at
                """, [.int(firstNew)])
            try database.execute(
                """
                UPDATE books b JOIN (SELECT book_id, COUNT(*) AS n FROM loans WHERE id > ? AND returned_at IS NULL GROUP BY book_id) AS s
                ON s.book_id = b.id SET b.copies_available = b.copies_available - s.n, b.updated_at = b.updated_at
                """, [.int(firstNew)])
        }

        // The returned loans: history, which no count but the reports' depends on.
        var returned = 0
        let wantedReturned = wanted - active.count
        while returned < wantedReturned {
            returned += try database.transaction(attempts: 1) {
                var added = 0
                for _ in 0..<Self.batchesPerTransaction where returned + added < wantedReturned {
                    let rows = (0..<min(Self.batchSize, wantedReturned - returned - added)).map { _ in
                        history.returnedLoan(userID: readers[history.below(readers.count)])
                    }
                    added += try insert(rows[...])
                }
                return added
            }
        }

        // The reports' counts of every new loan (sql/008).
        try database.transaction(attempts: 1) {
            try database.execute(
                """
                UPDATE books b JOIN (SELECT book_id, COUNT(*) AS n FROM loans WHERE id > ? GROUP BY book_id) AS s
                ON s.book_id = b.id SET b.loans_total = b.loans_total + s.n, b.updated_at = b.updated_at
                """, [.int(firstNew)])
            try database.execute(
                """
                INSERT INTO book_loan_months (book_id, month, loans)
                SELECT book_id, DATE_FORMAT(borrowed_at, '%Y-%m-01') AS first_day, COUNT(*) FROM loans WHERE id > ?
                GROUP BY book_id, first_day
                ON DUPLICATE KEY UPDATE loans = loans + VALUES(loans)
                """, [.int(firstNew)])
        }
        let seconds = Date().timeIntervalSince(started)
        logger.info(
            "seed: added \(readers.count) readers and \(active.count + returned) loans (\(active.count) active) in \(String(format: "%.1f", seconds)) s"
        )
    }

    /// Readers who cannot sign in (no password hash matches "!"); returns their ids.
    private func addReaders(_ count: Int, tag: String) throws -> [Int64] {
        for start in stride(from: 0, to: count, by: Self.batchSize) {
            let numbers = start..<min(start + Self.batchSize, count)
            var parameters: [DatabaseValue] = []
            for number in numbers {
                parameters += [.string("reader_\(tag)_\(number)"), .string("reader.\(tag).\(number)@seed.example"), .string("!")]
            }
            try database.execute(
                "INSERT IGNORE INTO users (username, email, password_hash) VALUES "
                    + Array(repeating: "(?, ?, ?)", count: numbers.count).joined(separator: ", "), parameters)
        }
        return try database.query("SELECT id FROM users WHERE email LIKE ? ORDER BY id", [.string("reader.\(tag).%@seed.example")])
            .map { Int64(try $0.int("id")) }
    }

    @discardableResult
    private func insert(_ rows: ArraySlice<SampleHistory.Entry>) throws -> Int {
        guard !rows.isEmpty else { return 0 }
        var parameters: [DatabaseValue] = []
        parameters.reserveCapacity(rows.count * 6)
        for row in rows {
            parameters += [
                .int(row.userID), .int(row.bookID), .date(row.borrowedAt), .date(row.dueAt), DatabaseValue(row.returnedAt),
                DatabaseValue(row.renewals),
            ]
        }
        return try database.execute(
            "INSERT INTO loans (user_id, book_id, borrowed_at, due_at, returned_at, renewals) VALUES "
                + Array(repeating: "(?, ?, ?, ?, ?, ?)", count: rows.count).joined(separator: ", "), parameters
        ).affectedRows
    }
}
