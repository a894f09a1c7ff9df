public import Foundation

/// One borrowing of one copy of a book by one user. A loan is active until it is returned;
/// its status is worked out when it is read, from the clock and `dueAt`.
public struct Loan: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        /// Not returned, and not past `dueAt`.
        case active
        /// Not returned, and past `dueAt`.
        case overdue
        case returned
    }

    /// The part of the book a loan shows (`"book": {"id", "title", "author"}`).
    public struct BookSummary: Sendable, Equatable {
        public var id: Int64
        public var title: String
        public var author: String

        public init(id: Int64, title: String, author: String) {
            self.id = id
            self.title = title
            self.author = author
        }
    }

    public var id: Int64
    public var userID: Int64
    public var book: BookSummary
    public var borrowedAt: Date
    public var dueAt: Date
    public var returnedAt: Date?
    public var renewals: Int

    public init(id: Int64, userID: Int64, book: BookSummary, borrowedAt: Date, dueAt: Date, returnedAt: Date?, renewals: Int) {
        self.id = id
        self.userID = userID
        self.book = book
        self.borrowedAt = borrowedAt
        self.dueAt = dueAt
        self.returnedAt = returnedAt
        self.renewals = renewals
    }

    public var bookID: Int64 { book.id }
    public var isReturned: Bool { returnedAt != nil }

    public func status(at now: Date) -> Status {
        if returnedAt != nil { return .returned }
        return now > dueAt ? .overdue : .active
    }

    /// Whole days since `dueAt`, rounded down (the overdue report's `days_overdue`); 0 before it.
    public func daysOverdue(at now: Date) -> Int {
        max(0, Int((now.timeIntervalSince(dueAt) / 86_400).rounded(.down)))
    }
}
