package import Models

/// What placing a hold did: queued it, or found no such user or book. A hold a rule refuses
/// throws the `HoldPolicy.Refusal`.
package enum PlaceOutcome: Equatable {
    case placed(id: Int64)
    case noSuchUser
    case noSuchBook
}

/// The filters of a list of holds; nil is no filter.
package struct HoldListFilter: Sendable, Equatable {
    package enum Status: Sendable, Equatable {
        /// `waiting` or `ready`.
        case active
        case status(Hold.Status)
    }

    package var status: Status?
    package var userID: Int64?
    package var bookID: Int64?

    package init(status: Status? = nil, userID: Int64? = nil, bookID: Int64? = nil) {
        self.status = status
        self.userID = userID
        self.bookID = bookID
    }
}

/// The holds queues (`HoldStore` on MariaDB; an in-memory one in the tests).
package protocol HoldRepository {
    func find(id: Int64) throws -> Hold?
    /// A page of holds, oldest first, and the size of the whole filtered list.
    func list(_ filter: HoldListFilter, paging: Paging) throws -> (holds: [Hold], total: Int)
    /// A book's active holds: the ready ones first (by `ready_at`), then the queue in order.
    func active(bookID: Int64, paging: Paging) throws -> (holds: [Hold], total: Int)
    /// Puts the user at the end of the book's queue, or throws the `HoldPolicy.Refusal` that stops it.
    func place(userID: Int64, bookID: Int64) throws -> PlaceOutcome
    /// Cancels an active hold; a `ready` one's copy passes on. False when it is not active.
    func cancel(_ hold: Hold) throws -> Bool
    /// Expires the `ready` holds past their `expires_at` (of one book, or of all when nil) and
    /// passes their copies on. Returns how many expired.
    @discardableResult
    func expireDue(bookID: Int64?) throws -> Int
    /// Whether a hold on the book is `waiting` (a renewal is then refused).
    func isWanted(bookID: Int64) throws -> Bool
}
