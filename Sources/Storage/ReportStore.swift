package import Database
package import Foundation
import Models

/// The reports' reads, and the loan counts the popular report rests on (sql/008): each book's
/// `loans_total`, counted by the borrow's UPDATE of the book (LoanStore), and its loans per
/// month in `book_loan_months`, kept here.
package struct ReportStore: ReportRepository {
    let database: DatabaseConnection

    package init(database: DatabaseConnection) {
        self.database = database
    }

    // MARK: overdue

    /// Loans out past their due date at `now`: their number (`X-Total-Count`)...
    package func overdueCount(now: Date) throws -> Int {
        try database.fetch("SELECT COUNT(*) AS total FROM loans WHERE returned_at IS NULL AND due_at < \(now)").first?.int("total") ?? 0
    }

    /// ... and a page of them, most overdue first (then by id). The page's ids come from walking
    /// idx_loans_returned_due alone (returned_at NULL, then due_at and id, its order), and only
    /// their rows are read: a deep page skips index entries, never rows. Overdue loans are
    /// active ones, at most MAX_ACTIVE_LOANS per user, however long the history.
    package func overdue(paging: Paging, now: Date) throws -> [OverdueLoan] {
        let rows = try database.fetch(
            """
            SELECT l.id, l.user_id, l.book_id, l.borrowed_at, l.due_at, l.returned_at, l.renewals,
                   b.title AS book_title, b.author AS book_author, u.username, u.email
            FROM (SELECT id FROM loans FORCE INDEX (idx_loans_returned_due)
                  WHERE returned_at IS NULL AND due_at < \(now) ORDER BY due_at, id LIMIT \(paging.limit) OFFSET \(paging.offset)) AS page
            JOIN loans l ON l.id = page.id JOIN books b ON b.id = l.book_id JOIN users u ON u.id = l.user_id
            ORDER BY l.due_at, l.id
            """)
        return try rows.map { row in
            OverdueLoan(loan: try LoanStore.loan(row), username: try row.string("username"), email: try row.string("email"))
        }
    }

    // MARK: popular

    /// What counting one candidate book costs (its months' rows, its title and author), in loans
    /// of the window read by time: measured on the 1,000,000-loan history (docs/performance.md).
    static let candidateCostInLoans = 25

    /// Counting every book's loans in a year of a long history reads a year of loans (200 ms
    /// for 200,000). Instead: a book's loans in the window are at most its `loans_total`. The
    /// window counts of the 2 × `limit` books with the most loans ever give a floor, the
    /// `limit`-th largest of them: only books whose `loans_total` reaches it can be in the
    /// answer, and only those are counted, each from its months in `book_loan_months` plus
    /// the loans of the window's first, partial month (read by time, for every book at once).
    /// Exact, whatever the history. When counting those candidates would cost more than reading
    /// the window's loans (a short window: few loans, many books reaching a low floor), the
    /// window is read by time instead.
    package func popular(in window: PopularWindow, limit: Int, now: Date) throws -> [PopularBook] {
        let windowLoans = try estimatedLoans(since: window.start, now: now)
        let affordable = windowLoans / Self.candidateCostInLoans
        guard affordable > 2 * limit else { return try popularByTime(window, limit: limit) }
        let top = try counted(among: "ORDER BY b.loans_total DESC LIMIT \(2 * limit)", window: window, limit: nil)
        let floor = top.count >= limit ? max(1, top.map(\.loans).sorted(by: >)[limit - 1]) : 1
        let candidates =
            try database.fetch(
                "SELECT COUNT(*) AS candidates FROM (SELECT 1 FROM books WHERE loans_total >= \(floor) LIMIT \(affordable + 1)) AS c"
            ).first?.int("candidates") ?? 0
        guard candidates <= affordable else { return try popularByTime(window, limit: limit) }
        return try counted(among: "WHERE b.loans_total >= \(floor)", window: window, limit: limit)
    }

    /// About how many loans were made since `start`: the loan ids spread evenly over the history
    /// (three index ends, no scan).
    private func estimatedLoans(since start: Date, now: Date) throws -> Int {
        guard
            let row = try database.fetch("SELECT MIN(id) AS first, MAX(id) AS last, MIN(borrowed_at) AS since FROM loans").first,
            let first = try row.optionalInt("first"), let last = try row.optionalInt("last"), let since = try row.optionalDate("since")
        else { return 0 }
        let history = max(1, now.timeIntervalSince(since))
        return Int(Double(last - first + 1) * min(1, now.timeIntervalSince(start) / history))
    }

    /// The window counts of the books `selection` picks (a clause over `books b`), most
    /// first, then by id; `limit` of those with a loan in the window, or all of them. HAVING, not
    /// an outer WHERE: a derived table would be merged, and each count computed twice.
    private func counted(among selection: SQLQuery, window: PopularWindow, limit: Int?) throws -> [PopularBook] {
        let nextMonth = window.nextMonth
        let top: SQLQuery = limit.map { "HAVING loans > 0 ORDER BY loans DESC, b.id LIMIT \($0)" } ?? ""
        let rows = try database.fetch(
            """
            SELECT b.id, b.title, b.author,
                   COALESCE((SELECT SUM(m.loans) FROM book_loan_months m WHERE m.book_id = b.id AND m.month >= \(nextMonth)), 0)
                   + COALESCE(edge.loans, 0) AS loans
            FROM books b
            LEFT JOIN (SELECT book_id, COUNT(*) AS loans FROM loans FORCE INDEX (idx_loans_borrowed)
                       WHERE borrowed_at >= \(window.start) AND borrowed_at < \(nextMonth) GROUP BY book_id) AS edge ON edge.book_id = b.id
            \(selection)
            \(top)
            """)
        return try rows.map(Self.popularBook)
    }

    /// The same answer from the window's loans read by time: one pass over idx_loans_borrowed.
    private func popularByTime(_ window: PopularWindow, limit: Int) throws -> [PopularBook] {
        let rows = try database.fetch(
            """
            SELECT b.id, b.title, b.author, top.loans FROM (
                SELECT book_id, COUNT(*) AS loans FROM loans FORCE INDEX (idx_loans_borrowed)
                WHERE borrowed_at >= \(window.start) GROUP BY book_id ORDER BY loans DESC, book_id LIMIT \(limit)
            ) AS top JOIN books b ON b.id = top.book_id
            ORDER BY top.loans DESC, b.id
            """)
        return try rows.map(Self.popularBook)
    }

    private static func popularBook(_ row: Row) throws -> PopularBook {
        PopularBook(
            book: Loan.BookSummary(id: Int64(try row.int("id")), title: try row.string("title"), author: try row.string("author")),
            loans: try row.int("loans"))
    }

    // MARK: the monthly counts

    // One more loan of a book in its month: counted by the borrow itself (`borrow_copy`,
    // sql/009), under the book's row lock.

    /// Before a user's returned loans are deleted (with the user): their months count them no more.
    func uncountReturnedLoans(userID: Int64) throws {
        try database.perform(
            """
            UPDATE book_loan_months m JOIN (
                SELECT book_id, DATE_FORMAT(borrowed_at, '%Y-%m-01') AS month, COUNT(*) AS loans
                FROM loans WHERE user_id = \(userID) AND returned_at IS NOT NULL GROUP BY book_id, month
            ) AS gone ON gone.book_id = m.book_id AND gone.month = m.month
            SET m.loans = GREATEST(0, m.loans - gone.loans)
            """)
    }
}
