package import Foundation
package import Models
package import Storage
import Synchronization

/// The whole library in memory: the repositories of `Storage` with the invariants the MariaDB
/// stores keep (copies on the shelf, set aside and on loan add up; one active loan and one
/// active hold per user and book; the holds queue in order; unique ISBN, username and email;
/// never no admin) and the same domain errors. For handler tests that need no server: each
/// call runs under one lock on a copy of the state, kept only if it did not throw (a
/// transaction's rollback). Shared by the sessions it makes.
package final class InMemoryLibrary: Sendable {
    let state: Mutex<LibraryState>
    let holdPolicy: HoldPolicy
    /// The clock of the "database" (hold expiry, timestamps), injectable for tests of expiry.
    let now: @Sendable () -> Date

    package init(holdPolicy: HoldPolicy = HoldPolicy(), now: @escaping @Sendable () -> Date = { Date() }) {
        state = Mutex(LibraryState())
        self.holdPolicy = holdPolicy
        self.now = now
    }

    /// A worker's session over this library.
    package func session() -> any StorageSession {
        InMemorySession(library: self)
    }

    /// Reads the state.
    func read<T>(_ body: (LibraryState) throws -> T) rethrows -> T {
        try state.withLock { try body($0) }
    }

    /// Changes the state all or nothing: a throw leaves it as it was.
    func change<T>(_ body: (inout LibraryState) throws -> T) throws -> T {
        try state.withLock { state in
            var copy = state
            let result = try body(&copy)
            state = copy
            return result
        }
    }
}

final class InMemorySession: StorageSession {
    let books: any BookRepository
    let loans: any LoanRepository
    let holds: any HoldRepository
    let users: any UserRepository
    let reports: any ReportRepository
    var isConnected: Bool { true }

    init(library: InMemoryLibrary) {
        books = InMemoryBooks(library: library)
        loans = InMemoryLoans(library: library)
        holds = InMemoryHolds(library: library)
        users = InMemoryUsers(library: library)
        reports = InMemoryReports(library: library)
    }

    func ping() throws {}
}

/// The rows of the tables, and the counters the MariaDB rows carry.
struct LibraryState: Sendable {
    struct BookRow: Sendable {
        var book: Book
        var holdSequence = 0
    }

    struct UserRow: Sendable {
        var user: User
        var passwordHash: String
        var sessionVersion: Int64 = 0
    }

    struct HoldRow: Sendable {
        var id: Int64
        var userID: Int64
        var bookID: Int64
        var status: Hold.Status
        var queueNumber: Int
        var placedAt: Date
        var readyAt: Date?
        var expiresAt: Date?
    }

    var books: [Int64: BookRow] = [:]
    var users: [Int64: UserRow] = [:]
    var loans: [Int64: Loan] = [:]
    var holds: [Int64: HoldRow] = [:]
    var revokedTokens: Set<String> = []
    private var lastID: Int64 = 0

    mutating func nextID() -> Int64 {
        lastID += 1
        return lastID
    }

    func summary(ofBook id: Int64) -> Loan.BookSummary {
        let book = books[id]!.book
        return Loan.BookSummary(id: id, title: book.title, author: book.author)
    }

    func activeLoans(userID: Int64) -> [Loan] {
        loans.values.filter { $0.userID == userID && $0.returnedAt == nil }
    }

    func activeHolds(userID: Int64) -> [HoldRow] {
        holds.values.filter { $0.userID == userID && $0.status.isActive }
    }

    func hold(_ row: HoldRow) -> Hold {
        let position =
            row.status == .waiting
            ? holds.values.filter { $0.bookID == row.bookID && $0.status == .waiting && $0.queueNumber <= row.queueNumber }.count
            : nil
        return Hold(
            id: row.id, userID: row.userID, book: summary(ofBook: row.bookID), status: row.status, position: position,
            placedAt: row.placedAt, readyAt: row.readyAt, expiresAt: row.expiresAt)
    }

    /// `freed` copies of the book go to its oldest waiting holds (ready from `readyFrom`), the
    /// rest to the shelf (`HoldStore.passOn`).
    mutating func passOn(freed: Int, bookID: Int64, readyFrom: Date, policy: HoldPolicy) {
        guard var row = books[bookID] else { return }
        let share = HoldPolicy.distribute(freed: freed, waiting: row.book.holdsWaiting)
        row.book.copiesAvailable += share.toShelf
        row.book.copiesSetAside += share.toHolds
        row.book.holdsWaiting -= share.toHolds
        books[bookID] = row
        makeReady(count: share.toHolds, bookID: bookID, readyFrom: readyFrom, policy: policy)
    }

    /// The first `count` waiting holds of the book, in queue order, become ready.
    mutating func makeReady(count: Int, bookID: Int64, readyFrom: Date, policy: HoldPolicy) {
        // Whole seconds, as MariaDB's UTC_TIMESTAMP() and the JSON give them.
        let readyAt = Date(timeIntervalSince1970: readyFrom.timeIntervalSince1970.rounded(.down))
        let next = holds.values.filter { $0.bookID == bookID && $0.status == .waiting }.sorted { $0.queueNumber < $1.queueNumber }
        for var hold in next.prefix(count) {
            hold.status = .ready
            hold.readyAt = readyAt
            hold.expiresAt = policy.expiry(readyAt: readyAt)
            holds[hold.id] = hold
        }
    }

    /// Expires the ready holds past their expiry (of one book, or all) and passes their copies on.
    mutating func expireDue(bookID: Int64?, now: Date, policy: HoldPolicy) -> Int {
        var expired = 0
        while true {
            let due = holds.values.filter {
                $0.status == .ready && (bookID == nil || $0.bookID == bookID) && HoldPolicy.isExpired(expiresAt: $0.expiresAt!, at: now)
            }
            guard let hold = due.min(by: { $0.expiresAt! < $1.expiresAt! }) else { return expired }
            holds[hold.id]?.status = .expired
            books[hold.bookID]?.book.copiesSetAside -= 1
            passOn(freed: 1, bookID: hold.bookID, readyFrom: hold.expiresAt!, policy: policy)
            expired += 1
        }
    }
}

extension Array {
    /// The page `paging` names.
    func page(_ paging: Paging) -> [Element] {
        Array(dropFirst(paging.offset).prefix(paging.limit))
    }
}
