package import Database
import Foundation
package import Models

/// The `holds` table, and the hold counts of `books` and `users` that move with it (sql/007).
///
/// Every change of a hold writes its book's row in the same transaction (`copies_set_aside`,
/// `holds_waiting`, `hold_sequence`), and CHECKs on that row hold the invariants: so parallel
/// changes of one book queue on its row lock on one server, and conflict at certification on a
/// Galera cluster. Times come from the database server's clock (`UTC_TIMESTAMP(6)`), the same
/// for every app process.
///
/// Expiry (a `ready` hold past `expires_at`) is done by `expireDue`, called
/// * by each app process's `HoldSweeper` four times a second, which also voids the cached book
///   reads when it expired anything: so even a book nobody touches, and its cached JSON, shows
///   the expiry within the contract's 1 s;
/// * lazily, before every hold answer and before a hold is placed, cancelled or refused a
///   loan, so no answer waits for the sweeper.
/// A hold whose expiry was missed (every process down) expires when found, and the next hold's
/// `ready_at` is that `expires_at`: a quiet book's queue moves as if swept on time.
package struct HoldStore: HoldRepository {
    let database: DatabaseConnection
    let policy: HoldPolicy

    package init(database: DatabaseConnection, policy: HoldPolicy) {
        self.database = database
        self.policy = policy
    }

    private static let columns: SQLQuery = """
        h.id, h.user_id, h.book_id, h.status, h.placed_at, h.ready_at, h.expires_at, \
        b.title AS book_title, b.author AS book_author, \
        IF(h.status = 'waiting', (SELECT COUNT(*) FROM holds w WHERE w.book_id = h.book_id AND w.status = 'waiting' \
        AND w.queue_number <= h.queue_number), NULL) AS position
        """
    private static let tables: SQLQuery = "holds h JOIN books b ON b.id = h.book_id"

    package func find(id: Int64) throws -> Hold? {
        try database.fetch("SELECT \(Self.columns) FROM \(Self.tables) WHERE h.id = \(id)").first.map(Self.hold)
    }

    /// A page of holds, oldest first, and the size of the whole filtered list.
    package func list(_ filter: HoldListFilter, paging: Paging) throws -> (holds: [Hold], total: Int) {
        var conditions: [SQLQuery] = []
        if let userID = filter.userID { conditions.append("h.user_id = \(userID)") }
        if let bookID = filter.bookID { conditions.append("h.book_id = \(bookID)") }
        switch filter.status {
        case nil: break
        case .active?: conditions.append("h.active_book_id IS NOT NULL")
        case let .status(status)?: conditions.append("h.status = \(status.rawValue)")
        }
        let whereClause: SQLQuery = conditions.isEmpty ? "" : "WHERE \(SQLQuery.joined(conditions, separator: " AND "))"
        let total = try database.fetch("SELECT COUNT(*) AS total FROM holds h \(whereClause)").first?.int("total") ?? 0
        let rows = try database.fetch(
            "SELECT \(Self.columns) FROM \(Self.tables) \(whereClause) ORDER BY h.id LIMIT \(paging.limit) OFFSET \(paging.offset)")
        return (try rows.map(Self.hold), total)
    }

    /// A book's active holds: the ready ones first (by `ready_at`), then the queue in order.
    package func active(bookID: Int64, paging: Paging) throws -> (holds: [Hold], total: Int) {
        let total =
            try database.fetch("SELECT COUNT(*) AS total FROM holds WHERE book_id = \(bookID) AND status IN ('waiting', 'ready')")
            .first?.int("total") ?? 0
        let rows = try database.fetch(
            """
            SELECT \(Self.columns) FROM \(Self.tables) WHERE h.book_id = \(bookID) AND h.status IN ('waiting', 'ready')
            ORDER BY h.status = 'waiting', h.ready_at, h.queue_number LIMIT \(paging.limit) OFFSET \(paging.offset)
            """)
        return (try rows.map(Self.hold), total)
    }

    /// Thrown inside a transaction to roll it back.
    private struct NoSuchBook: Error {}
    private struct Raced: Error {}

    /// Puts `userID` at the end of `bookID`'s queue, or throws the `HoldPolicy.Refusal` that
    /// stops it (the transaction is then rolled back, the counts untouched). Like a borrow: the
    /// book's row is locked first (RowLockOrder), then the user's `active_holds` is incremented
    /// (parallel holds by one user queue on that row, and MAX_HOLDS is checked on the count
    /// including this one), then the book's row takes the queue number, only while no copy is
    /// on the shelf.
    package func place(userID: Int64, bookID: Int64) throws -> PlaceOutcome {
        try expireDue(bookID: bookID)  // an expired copy may be back on the shelf
        do {
            return try database.transaction(attempts: 3) { () throws -> PlaceOutcome in
                try lockBook(bookID)
                let counted = try database.perform(
                    "UPDATE users SET active_holds = active_holds + 1, updated_at = updated_at WHERE id = \(userID)")
                guard counted.affectedRows == 1 else { return .noSuchUser }
                guard
                    let row = try database.fetch(
                        """
                        SELECT u.active_holds, b.copies_available,
                               (SELECT COUNT(*) FROM loans WHERE user_id = u.id AND active_book_id = b.id) AS loans,
                               (SELECT COUNT(*) FROM holds WHERE user_id = u.id AND active_book_id = b.id) AS holds
                        FROM users u JOIN books b ON b.id = \(bookID) WHERE u.id = \(userID)
                        """
                    ).first
                else { throw NoSuchBook() }
                let situation = HoldPolicy.Situation(
                    copiesAvailable: try row.int("copies_available"), hasActiveHoldOnBook: try row.int("holds") > 0,
                    hasActiveLoanOfBook: try row.int("loans") > 0, activeHolds: try row.int("active_holds") - 1)
                if let refusal = policy.refusal(toPlace: situation) { throw refusal }
                // The queue number and the waiting count, in one write of the book's row; its
                // condition re-checks the shelf under the lock (a return may have come since the read).
                let queued = try database.perform(
                    """
                    UPDATE books SET hold_sequence = hold_sequence + 1, holds_waiting = holds_waiting + 1
                    WHERE id = \(bookID) AND copies_available = 0
                    """)
                guard queued.affectedRows == 1 else { throw HoldPolicy.Refusal.copyAvailable }
                let number =
                    try database.fetch("SELECT hold_sequence FROM books WHERE id = \(bookID)").first?.int("hold_sequence") ?? 0
                do {
                    let inserted = try database.perform(
                        """
                        INSERT INTO holds (user_id, book_id, status, queue_number, placed_at) VALUES (\(userID), \(bookID), 'waiting', \(Int64(number)), UTC_TIMESTAMP(6))
                        """)
                    return .placed(id: Int64(inserted.lastInsertID))
                } catch DatabaseError.duplicateKey(key: "uq_holds_active_book") {
                    throw HoldPolicy.Refusal.alreadyHoldsBook  // the unique key, should the read above ever miss it
                }
            }
        } catch is NoSuchBook {
            return .noSuchBook
        }
    }

    /// Cancels an active hold; a `ready` one's copy passes on. False when it is not active.
    package func cancel(_ hold: Hold) throws -> Bool {
        try expireDue(bookID: hold.book.id)  // past its expiry a ready hold is expired, not cancellable
        return try database.transaction(attempts: 3) { try cancelling(holdID: hold.id, bookID: hold.book.id) }
    }

    /// Part of deleting a user (inside that transaction): cancels their active holds, each
    /// ready one's copy passing on, before the holds go with the user.
    func cancelAll(userID: Int64) throws {
        let rows = try database.fetch(
            "SELECT id, book_id FROM holds WHERE user_id = \(userID) AND active_book_id IS NOT NULL ORDER BY id")
        for row in rows {
            _ = try cancelling(holdID: Int64(try row.int("id")), bookID: Int64(try row.int("book_id")))
        }
    }

    /// Inside a transaction. The book's row is locked first, as by every change of its holds and
    /// copies (one lock order: no deadlock between them); then the hold's conditional UPDATE
    /// decides whether it is still active, and in which state.
    private func cancelling(holdID: Int64, bookID: Int64) throws -> Bool {
        try lockBook(bookID)
        for status in [Hold.Status.waiting, .ready] {
            let changed = try database.perform(
                """
                UPDATE holds h JOIN users u ON u.id = h.user_id
                SET h.status = 'cancelled', u.active_holds = u.active_holds - (u.active_holds > 0), u.updated_at = u.updated_at
                WHERE h.id = \(holdID) AND h.status = \(status.rawValue)
                """)
            guard changed.affectedRows > 0 else { continue }
            if status == .waiting {
                try database.perform("UPDATE books SET holds_waiting = holds_waiting - 1 WHERE id = \(bookID)")
            } else {
                try database.perform("UPDATE books SET copies_set_aside = copies_set_aside - 1 WHERE id = \(bookID)")
                try passOn(freed: 1, bookID: bookID, readyFrom: nil)
            }
            return true
        }
        return false
    }

    /// Inside a transaction that just freed `freed` copies of `bookID` (a return, a cancelled or
    /// expired ready hold, more copies): they go to the oldest waiting holds, which become
    /// `ready` at `readyFrom` (nil: now), and only the rest to the shelf. The book's row is
    /// locked first, so a hold placed meanwhile is either in the queue already or comes after.
    func passOn(freed: Int, bookID: Int64, readyFrom: Date?) throws {
        guard let row = try database.fetch("SELECT holds_waiting FROM books WHERE id = \(bookID) FOR UPDATE").first else { return }
        let share = HoldPolicy.distribute(freed: freed, waiting: try row.int("holds_waiting"))
        try database.perform(
            """
            UPDATE books SET copies_available = copies_available + \(share.toShelf), copies_set_aside = copies_set_aside + \(share.toHolds),
                             holds_waiting = holds_waiting - \(share.toHolds)
            WHERE id = \(bookID)
            """)
        try makeReady(count: share.toHolds, bookID: bookID, readyFrom: readyFrom)
    }

    /// Inside a transaction that has counted `count` more copies set aside on the book's row:
    /// the first `count` waiting holds in queue order become `ready`.
    func makeReady(count: Int, bookID: Int64, readyFrom: Date?) throws {
        guard count > 0 else { return }
        // MariaDB assigns left to right: expires_at is computed from the new ready_at. Whole
        // seconds, as the JSON shows them: a client reading expires_at sees the true instant,
        // not one up to a second earlier (which would eat the contract's 1 s tolerance).
        let readyAt: SQLQuery = readyFrom.map { "\($0)" } ?? "UTC_TIMESTAMP()"
        let made = try database.perform(
            """
            UPDATE holds SET status = 'ready', ready_at = \(readyAt), expires_at = ready_at + INTERVAL \(policy.pickupSeconds) SECOND
            WHERE book_id = \(bookID) AND status = 'waiting' ORDER BY queue_number LIMIT \(count)
            """)
        // holds_waiting said they were there: anything else is a broken count, rolled back.
        guard made.affectedRows == count else {
            throw DatabaseError.other(code: 0, message: "holds_waiting of book \(bookID) disagrees with its waiting holds")
        }
    }

    /// Expires the `ready` holds past their `expires_at` (of one book, or of all) and passes
    /// their copies on, each in a transaction of its own. Returns how many expired, so that the
    /// caller can void the cached book reads. Cheap when nothing is due: one probe of
    /// `idx_holds_ready_expires`.
    @discardableResult
    package func expireDue(bookID: Int64?) throws -> Int {
        var expired = 0
        let filter: SQLQuery = bookID.map { "AND book_id = \($0)" } ?? ""
        // Rounds, because the holds just made ready may be due already (a chain on a quiet
        // book); bounded, so that a flood of due holds cannot keep one request for long.
        for _ in 0..<20 {
            let due = try database.fetch(
                """
                SELECT id, book_id, expires_at FROM holds
                WHERE ready_expires_at <= UTC_TIMESTAMP(6) \(filter) ORDER BY ready_expires_at LIMIT 50
                """)
            if due.isEmpty { break }
            for row in due {
                let holdID = Int64(try row.int("id")), book = Int64(try row.int("book_id"))
                let expiresAt = try row.date("expires_at")
                let done = try database.transaction(attempts: 3) { () throws -> Bool in
                    try lockBook(book)
                    let changed = try database.perform(
                        """
                        UPDATE holds h JOIN users u ON u.id = h.user_id
                        SET h.status = 'expired', u.active_holds = u.active_holds - (u.active_holds > 0), u.updated_at = u.updated_at
                        WHERE h.id = \(holdID) AND h.status = 'ready' AND h.expires_at <= UTC_TIMESTAMP(6)
                        """)
                    guard changed.affectedRows > 0 else { return false }  // fulfilled or cancelled meanwhile
                    try database.perform("UPDATE books SET copies_set_aside = copies_set_aside - 1 WHERE id = \(book)")
                    // The next in line is ready from the moment this one expired, not from
                    // whenever the expiry was noticed (HoldPolicy.chain).
                    try passOn(freed: 1, bookID: book, readyFrom: expiresAt)
                    return true
                }
                if done { expired += 1 }
            }
        }
        return expired
    }

    /// The first statement of every transaction that changes a book's holds or copies: they
    /// queue on the book's row lock in one order (RowLockOrder: book, then user, then holds and
    /// loans), so two of them never wait for each other. (Each also writes the row: on a
    /// cluster, that is what makes them conflict.)
    func lockBook(_ bookID: Int64) throws {
        try RowLockOrder.lockBook(bookID, on: database)
    }

    /// Whether a hold on the book is `waiting` (a renewal is then refused).
    package func isWanted(bookID: Int64) throws -> Bool {
        try (database.fetch("SELECT holds_waiting FROM books WHERE id = \(bookID)").first?.int("holds_waiting") ?? 0) > 0
    }

    private static func hold(_ row: Row) throws -> Hold {
        guard let status = Hold.Status(rawValue: try row.string("status")) else {
            throw DatabaseError.column("status", problem: "unknown hold status")
        }
        let book = Loan.BookSummary(
            id: Int64(try row.int("book_id")), title: try row.string("book_title"),
            author: try row.string("book_author"))
        return Hold(
            id: Int64(try row.int("id")), userID: Int64(try row.int("user_id")), book: book, status: status,
            position: try row.optionalInt("position"), placedAt: try row.date("placed_at"),
            readyAt: try row.optionalDate("ready_at"), expiresAt: try row.optionalDate("expires_at"))
    }
}
