import Database

/// The one order in which every write of the circulation (borrows, returns, holds placed,
/// cancelled or expired, copies changed) takes its row locks, so that on one server they may
/// wait for each other but never deadlock:
///
/// 1. the loan a return names (by primary key),
/// 2. the book,
/// 3. the user,
/// 4. the loan a borrow inserts, and the book's hold rows (only ever locked by a transaction
///    that holds the book's lock, so their order against the user's cannot close a cycle).
///
/// A transaction whose first write would be the user's row locks the book first with
/// `lockBook` (one more round trip). A deadlock on a Galera cluster, where locks hold on one
/// node only, is a certification conflict between nodes instead; those are still retried
/// (`LoanStore.attempts`). docs/architecture.md, "Row lock order".
enum RowLockOrder {
    static func lockBook(_ bookID: Int64, on database: DatabaseConnection) throws {
        _ = try database.fetch("SELECT id FROM books WHERE id = \(bookID) FOR UPDATE")
    }

    static func lockLoan(_ loanID: Int64, on database: DatabaseConnection) throws {
        _ = try database.fetch("SELECT id FROM loans WHERE id = \(loanID) FOR UPDATE")
    }
}
