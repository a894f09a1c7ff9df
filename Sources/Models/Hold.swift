public import Foundation

/// A reader's place in the queue for a book. Active while `waiting` or `ready`; `fulfilled`,
/// `cancelled` and `expired` are final.
public struct Hold: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        /// In the book's queue; `position` 1 is next.
        case waiting
        /// A copy is set aside for the holder until `expiresAt`.
        case ready
        /// The holder borrowed the set-aside copy.
        case fulfilled
        case cancelled
        /// Not picked up by `expiresAt`; the copy passed on.
        case expired

        public var isActive: Bool { self == .waiting || self == .ready }
    }

    public var id: Int64
    public var userID: Int64
    public var book: Loan.BookSummary
    public var status: Status
    /// 1 for the next in line; nil unless `waiting`.
    public var position: Int?
    public var placedAt: Date
    public var readyAt: Date?
    public var expiresAt: Date?

    public init(
        id: Int64, userID: Int64, book: Loan.BookSummary, status: Status, position: Int?, placedAt: Date,
        readyAt: Date?, expiresAt: Date?
    ) {
        self.id = id
        self.userID = userID
        self.book = book
        self.status = status
        self.position = position
        self.placedAt = placedAt
        self.readyAt = readyAt
        self.expiresAt = expiresAt
    }
}
