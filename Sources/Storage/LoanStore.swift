package import Database
package import Foundation
package import Models

/// The `loans` table, and the copy counts of `books` that move with it.
///
/// A borrow locks the book row, then the user row, then inserts the loan; a return locks the
/// loan, the book and the user in one statement, in that order (`RowLockOrder`: the same order
/// everywhere, so borrows, returns and holds never deadlock each other on one server). A borrow
/// holds its user's row lock while it checks that user's rules, so two parallel borrows by one
/// user run one after the other; the copy itself is taken by one conditional UPDATE, so any
/// number of parallel borrows of one book take at most the free copies.
package struct LoanStore: LoanRepository {
    let database: DatabaseConnection
    let holdPolicy: HoldPolicy

    package init(database: DatabaseConnection, holdPolicy: HoldPolicy) {
        self.database = database
        self.holdPolicy = holdPolicy
    }

    private static let columns: SQLQuery = """
        l.id, l.user_id, l.book_id, l.borrowed_at, l.due_at, l.returned_at, l.renewals, \
        b.title AS book_title, b.author AS book_author
        """
    private static let tables: SQLQuery = "loans l JOIN books b ON b.id = l.book_id"

    package func find(id: Int64) throws -> Loan? {
        try database.fetch("SELECT \(Self.columns) FROM \(Self.tables) WHERE l.id = \(id)").first.map(Self.loan)
    }

    /// A page of loans and the size of the whole filtered list; `now` decides active vs overdue.
    package func list(_ filter: LoanListFilter, paging: Paging, now: Date) throws -> (loans: [Loan], total: Int) {
        var conditions: [SQLQuery] = []
        if let userID = filter.userID { conditions.append("l.user_id = \(userID)") }
        if let bookID = filter.bookID { conditions.append("l.book_id = \(bookID)") }
        switch filter.status {
        case nil: break
        case .active?: conditions.append("l.returned_at IS NULL AND l.due_at >= \(now)")
        case .overdue?: conditions.append("l.returned_at IS NULL AND l.due_at < \(now)")
        case .returned?: conditions.append("l.returned_at IS NOT NULL")
        }
        let whereClause: SQLQuery = conditions.isEmpty ? "" : "WHERE \(SQLQuery.joined(conditions, separator: " AND "))"
        let total = try database.fetch("SELECT COUNT(*) AS total FROM loans l \(whereClause)").first?.int("total") ?? 0
        let rows = try database.fetch(
            "SELECT \(Self.columns) FROM \(Self.tables) \(whereClause) ORDER BY l.id LIMIT \(paging.limit) OFFSET \(paging.offset)")
        return (try rows.map(Self.loan), total)
    }

    /// Lends one copy of `bookID` to `userID`, or throws the `LoanPolicy.Refusal` that stops it
    /// (nothing is then written).
    ///
    /// One round trip: the `borrow_copy` procedure (sql/009) runs the borrow's transaction in
    /// the server. Every rule is held by a row the borrow writes, never by a read alone: the
    /// user's row is locked (after the book's: RowLockOrder) before the rules are checked and
    /// its `active_loans` (sql/005) counts the new loan, so parallel borrows by one user queue
    /// on that lock; the copy is taken by one conditional UPDATE of the book's row; the unique
    /// key on active loans stops a second copy of one book. On a Galera cluster, where a lock
    /// holds on one node only, two such borrows on two nodes write the same rows and
    /// certification refuses one of them (a deadlock error: the whole CALL runs again). The
    /// loan is answered from what was written.
    package func borrow(userID: Int64, bookID: Int64, policy: LoanPolicy, now: Date) throws -> BorrowOutcome {
        let dueAt = policy.dueDate(from: now)
        let row: Row?
        do {
            row = try database.retryingDeadlocks(attempts: Self.attempts) {
                try database.call(
                    "CALL borrow_copy(\(userID), \(bookID), \(now), \(dueAt), \(policy.maximumActiveLoans))"
                ).first
            }
        } catch DatabaseError.duplicateKey(key: "uq_loans_active_book") {
            throw LoanPolicy.Refusal.alreadyHoldsBook  // the unique key, should the checks ever miss it
        }
        guard let row else { throw DatabaseError.misuse("borrow_copy answered no row") }
        switch try row.string("outcome") {
        case "borrowed":
            let book = Loan.BookSummary(id: bookID, title: try row.string("title"), author: try row.string("author"))
            return .borrowed(
                Loan(
                    id: Int64(try row.int("loan_id")), userID: userID, book: book, borrowedAt: now, dueAt: dueAt,
                    returnedAt: nil, renewals: 0))
        case "no_such_user": return .noSuchUser
        case "no_such_book": return .noSuchBook
        case "already_holds_book": throw LoanPolicy.Refusal.alreadyHoldsBook
        case "overdue_loan": throw LoanPolicy.Refusal.overdueLoan
        case "too_many_loans": throw LoanPolicy.Refusal.tooManyLoans(limit: policy.maximumActiveLoans)
        case "no_copy_available": throw LoanPolicy.Refusal.noCopyAvailable
        case let outcome: throw DatabaseError.misuse("borrow_copy answered an unknown outcome: \(outcome)")
        }
    }

    /// Tries of a borrow or return that lost a deadlock or a cluster's certification: ten
    /// borrows of one user at once through two nodes needed more than three.
    package static let attempts = 8

    /// Marks the loan returned, puts the copy back and counts one active loan less for its
    /// user, in one statement (atomic on its own, and it writes every row the borrow wrote, so
    /// a cluster's certification sees a conflict with either). Of parallel returns of one loan
    /// only the one whose UPDATE finds it still out goes on; the others get `.alreadyReturned`.
    /// The loan is named by its primary key: on a small table the optimiser may otherwise
    /// range-scan `idx_loans_returned_due`, and next-key locks on that range make parallel
    /// returns deadlock. STRAIGHT_JOIN keeps the lock order loan, book, user (RowLockOrder):
    /// left to the optimiser, the join order and so the lock order may change.
    package func giveBack(loanID: Int64, bookID: Int64, now: Date) throws {
        // While nobody waits for the book (b.holds_waiting = 0, checked under the row's lock).
        let returned = try database.retryingDeadlocks(attempts: Self.attempts) {
            try database.perform(
                """
                UPDATE loans l FORCE INDEX (PRIMARY) STRAIGHT_JOIN books b ON b.id = l.book_id
                    STRAIGHT_JOIN users u ON u.id = l.user_id
                SET l.returned_at = \(now), b.copies_available = b.copies_available + 1,
                    u.active_loans = u.active_loans - (u.active_loans > 0), u.updated_at = u.updated_at
                WHERE l.id = \(loanID) AND l.returned_at IS NULL AND b.holds_waiting = 0
                """)
        }
        guard returned.affectedRows == 0 else { return }
        // Returned already (parallel returns of one loan: answered without a lock, so they do
        // not queue on the book's row against the one that returns it)...
        guard try !database.fetch("SELECT id FROM loans WHERE id = \(loanID) AND returned_at IS NULL").isEmpty else {
            throw LoanPolicy.Refusal.alreadyReturned
        }
        // ... or holds wait: then the copy goes to the first of them, in a transaction that
        // also writes the book's row (HoldStore.passOn).
        let holds = HoldStore(database: database, policy: holdPolicy)
        try database.transaction(attempts: Self.attempts) {
            // the loan, then the book, as the statement above locks them (RowLockOrder): a
            // parallel return of this loan by that statement deadlocked with this one
            try RowLockOrder.lockLoan(loanID, on: database)
            try holds.lockBook(bookID)
            let returned = try database.perform(
                """
                UPDATE loans l FORCE INDEX (PRIMARY) JOIN users u ON u.id = l.user_id
                SET l.returned_at = \(now), u.active_loans = u.active_loans - (u.active_loans > 0), u.updated_at = u.updated_at
                WHERE l.id = \(loanID) AND l.returned_at IS NULL
                """)
            guard returned.affectedRows > 0 else { throw LoanPolicy.Refusal.alreadyReturned }
            try holds.passOn(freed: 1, bookID: bookID, readyFrom: nil)
        }
    }

    /// Extends an active, not overdue loan with renewals left, while no hold on its book waits;
    /// one conditional UPDATE, so parallel renewals cannot pass the limit. False when the loan
    /// no longer qualifies.
    package func renew(loanID: Int64, policy: LoanPolicy, now: Date) throws -> Bool {
        try database.perform(
            """
            UPDATE loans FORCE INDEX (PRIMARY) SET due_at = \(policy.dueDate(from: now)), renewals = renewals + 1
            WHERE id = \(loanID) AND returned_at IS NULL AND renewals < \(policy.maximumRenewals) AND due_at >= \(now)
              AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.book_id = loans.book_id AND h.status = 'waiting')
            """
        ).affectedRows == 1
    }

    /// Part of deleting a user: their loan history goes with them. Active loans stay, and the
    /// foreign key then refuses to delete the user.
    package func deleteReturnedLoans(userID: Int64) throws {
        try ReportStore(database: database).uncountReturnedLoans(userID: userID)
        try database.perform("DELETE FROM loans WHERE user_id = \(userID) AND returned_at IS NOT NULL")
    }

    static func loan(_ row: Row) throws -> Loan {
        let book = Loan.BookSummary(
            id: Int64(try row.int("book_id")), title: try row.string("book_title"),
            author: try row.string("book_author"))
        return Loan(
            id: Int64(try row.int("id")), userID: Int64(try row.int("user_id")), book: book,
            borrowedAt: try row.date("borrowed_at"), dueAt: try row.date("due_at"),
            returnedAt: try row.optionalDate("returned_at"), renewals: try row.int("renewals"))
    }
}
