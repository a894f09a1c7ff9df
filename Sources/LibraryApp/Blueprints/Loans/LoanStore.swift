import Database
import Foundation
import Models

/// The `loans` table, and the copy counts of `books` that move with it.
///
/// Lock order, the same in every transaction here: the user row, then the book row, then loan
/// rows. A borrow holds its user's row lock while it checks that user's rules, so two parallel
/// borrows by one user run one after the other; the copy itself is taken by one conditional
/// UPDATE, so any number of parallel borrows of one book take at most the free copies.
struct LoanStore {
    let database: DatabaseConnection

    private static let columns = """
        l.id, l.user_id, l.book_id, l.borrowed_at, l.due_at, l.returned_at, l.renewals, \
        b.title AS book_title, b.author AS book_author
        """
    private static let tables = "loans l JOIN books b ON b.id = l.book_id"

    func find(id: Int64) throws -> Loan? {
        try database.query("SELECT \(Self.columns) FROM \(Self.tables) WHERE l.id = ?", [.int(id)]).first.map(Self.loan)
    }

    /// A page of loans and the size of the whole filtered list; `now` decides active vs overdue.
    func list(_ query: LoanListQuery, now: Date) throws -> (loans: [Loan], total: Int) {
        var conditions: [String] = []
        var parameters: [DatabaseValue] = []
        if let userID = query.userID {
            conditions.append("l.user_id = ?")
            parameters.append(.int(userID))
        }
        if let bookID = query.bookID {
            conditions.append("l.book_id = ?")
            parameters.append(.int(bookID))
        }
        switch query.status {
        case nil: break
        case .active?:
            conditions.append("l.returned_at IS NULL AND l.due_at >= ?")
            parameters.append(.date(now))
        case .overdue?:
            conditions.append("l.returned_at IS NULL AND l.due_at < ?")
            parameters.append(.date(now))
        case .returned?:
            conditions.append("l.returned_at IS NOT NULL")
        }
        // Fixed fragments only; the input travels in the parameters.
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let total = try database.query("SELECT COUNT(*) AS total FROM loans l \(filter)", parameters).first?.int("total") ?? 0
        let rows = try database.query("SELECT \(Self.columns) FROM \(Self.tables) \(filter) ORDER BY l.id LIMIT ? OFFSET ?",
                                      parameters + [.int(Int64(query.pagination.perPage)), .int(Int64(query.pagination.offset))])
        return (try rows.map(Self.loan), total)
    }

    enum BorrowOutcome {
        case borrowed(Loan)
        case noSuchUser
        case noSuchBook
    }

    private enum BorrowStep {
        case inserted(loanID: Int64)
        case noSuchUser
        case noSuchBook
    }

    /// Lends one copy of `bookID` to `userID`, or throws the `LoanPolicy.Refusal` that stops it
    /// (the transaction is then rolled back, the copy count untouched).
    func borrow(userID: Int64, bookID: Int64, policy: LoanPolicy, now: Date) throws -> BorrowOutcome {
        let step: BorrowStep = try database.transaction(attempts: 3) {
            // Serialises this user's borrows. The reads below come after it, so they see every
            // loan committed before the lock was granted (the snapshot starts at the first plain read).
            guard try !database.query("SELECT id FROM users WHERE id = ? FOR UPDATE", [.int(userID)]).isEmpty else { return .noSuchUser }
            guard try !database.query("SELECT id FROM books WHERE id = ?", [.int(bookID)]).isEmpty else { return .noSuchBook }
            guard let row = try database.query("""
                SELECT COUNT(*) AS active, COALESCE(SUM(due_at < ?), 0) AS overdue, COALESCE(SUM(book_id = ?), 0) AS holds
                FROM loans WHERE user_id = ? AND returned_at IS NULL
                """, [.date(now), .int(bookID), .int(userID)]).first else { throw DatabaseError.other(code: 0, message: "COUNT returned no row") }
            let holdings = LoanPolicy.Holdings(activeLoans: try row.int("active"), overdueLoans: try row.int("overdue"),
                                               holdsThisBook: try row.int("holds") > 0)
            if let refusal = policy.refusal(toBorrowWith: holdings) { throw refusal }

            // The one atomic step that takes a copy: it succeeds for exactly as many borrowers
            // as there are free copies, whatever the number of processes.
            let taken = try database.execute(
                "UPDATE books SET copies_available = copies_available - 1 WHERE id = ? AND copies_available > 0", [.int(bookID)])
            guard taken.affectedRows == 1 else { throw LoanPolicy.Refusal.noCopyAvailable }
            do {
                let inserted = try database.execute("""
                    INSERT INTO loans (user_id, book_id, borrowed_at, due_at) VALUES (?, ?, ?, ?)
                    """, [.int(userID), .int(bookID), .date(now), .date(policy.dueDate(from: now))])
                return .inserted(loanID: Int64(inserted.lastInsertID))
            } catch DatabaseError.duplicateKey(key: "uq_loans_active_book") {
                throw LoanPolicy.Refusal.alreadyHoldsBook  // the unique key, should the checks above ever miss it
            }
        }
        switch step {
        case .noSuchUser: return .noSuchUser
        case .noSuchBook: return .noSuchBook
        case let .inserted(id):
            guard let loan = try find(id: id) else { throw DatabaseError.other(code: 0, message: "new loan not found") }
            return .borrowed(loan)
        }
    }

    /// Loan updates name the primary key: on a small table the optimiser may otherwise range-scan
    /// `idx_loans_returned_due`, and next-key locks on that range make parallel returns deadlock.
    ///
    /// Marks the loan returned and puts the copy back, once: of parallel returns of one loan,
    /// only the one whose UPDATE finds it still out goes on; the others get `.alreadyReturned`.
    func giveBack(loanID: Int64, bookID: Int64, now: Date) throws {
        try database.transaction(attempts: 3) {
            let marked = try database.execute(
                "UPDATE loans FORCE INDEX (PRIMARY) SET returned_at = ? WHERE id = ? AND returned_at IS NULL",
                                              [.date(now), .int(loanID)])
            guard marked.affectedRows == 1 else { throw LoanPolicy.Refusal.alreadyReturned }
            try database.execute("UPDATE books SET copies_available = copies_available + 1 WHERE id = ?", [.int(bookID)])
        }
    }

    /// Extends an active, not overdue loan with renewals left; one conditional UPDATE, so parallel
    /// renewals cannot pass the limit. False when the loan no longer qualifies.
    func renew(loanID: Int64, policy: LoanPolicy, now: Date) throws -> Bool {
        try database.execute("""
            UPDATE loans FORCE INDEX (PRIMARY) SET due_at = ?, renewals = renewals + 1
            WHERE id = ? AND returned_at IS NULL AND renewals < ? AND due_at >= ?
            """, [.date(policy.dueDate(from: now)), .int(loanID), DatabaseValue(policy.maximumRenewals), .date(now)]).affectedRows == 1
    }

    /// Part of deleting a user: their loan history goes with them. Active loans stay, and the
    /// foreign key then refuses to delete the user.
    func deleteReturnedLoans(userID: Int64) throws {
        try database.execute("DELETE FROM loans WHERE user_id = ? AND returned_at IS NOT NULL", [.int(userID)])
    }

    private static func loan(_ row: Row) throws -> Loan {
        let book = Loan.BookSummary(id: Int64(try row.int("book_id")), title: try row.string("book_title"),
                                    author: try row.string("book_author"))
        return Loan(id: Int64(try row.int("id")), userID: Int64(try row.int("user_id")), book: book,
                    borrowedAt: try row.date("borrowed_at"), dueAt: try row.date("due_at"),
                    returnedAt: try row.optionalDate("returned_at"), renewals: try row.int("renewals"))
    }
}
