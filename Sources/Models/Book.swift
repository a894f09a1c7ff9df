public import Foundation

/// A title in the catalogue with its copies. `copiesAvailable` is what is on the shelf:
/// `0 ≤ copiesAvailable ≤ copiesTotal`; the copies neither available nor set aside for a hold
/// are on loan.
public struct Book: Sendable, Equatable {
    public var id: Int64
    public var title: String
    public var author: String
    public var isbn: ISBN
    public var publishedYear: Int?
    public var genre: String?
    public var description: String?
    public var copiesTotal: Int
    public var copiesAvailable: Int
    /// Copies kept for `ready` holds: neither on the shelf nor on loan.
    public var copiesSetAside: Int
    /// Holds in the book's queue (`holds_waiting`).
    public var holdsWaiting: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: Int64, title: String, author: String, isbn: ISBN, publishedYear: Int?, genre: String?,
        description: String?, copiesTotal: Int, copiesAvailable: Int, createdAt: Date, updatedAt: Date, copiesSetAside: Int = 0,
        holdsWaiting: Int = 0
    ) {
        self.id = id
        self.title = title
        self.author = author
        self.isbn = isbn
        self.publishedYear = publishedYear
        self.genre = genre
        self.description = description
        self.copiesTotal = copiesTotal
        self.copiesAvailable = copiesAvailable
        self.copiesSetAside = copiesSetAside
        self.holdsWaiting = holdsWaiting
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var copiesOnLoan: Int { copiesTotal - copiesAvailable - copiesSetAside }
}
