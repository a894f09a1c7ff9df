public import Foundation

/// The hold rules from configuration (`MAX_HOLDS`, `HOLD_PICKUP_SECONDS`), and the reasons a
/// hold is refused. The store applies them inside the transactions that write the book's row.
public struct HoldPolicy: Sendable, Equatable {
    public static let defaultMaximumActiveHolds = 5
    public static let defaultPickupSeconds = 259_200
    public static let maximumActiveHoldsRange = 1...100
    public static let pickupSecondsRange = 1...2_592_000

    public var maximumActiveHolds: Int
    /// How long a copy stays set aside for a `ready` hold.
    public var pickupSeconds: Int

    public init(maximumActiveHolds: Int = defaultMaximumActiveHolds, pickupSeconds: Int = defaultPickupSeconds) {
        self.maximumActiveHolds = maximumActiveHolds
        self.pickupSeconds = pickupSeconds
    }

    /// When a hold made ready at `readyAt` expires.
    public func expiry(readyAt: Date) -> Date {
        readyAt.addingTimeInterval(TimeInterval(pickupSeconds))
    }

    /// Whether a `ready` hold that expires at `expiresAt` is past it at `now`: from that
    /// instant it is `expired`, never honoured.
    public static func isExpired(expiresAt: Date, at now: Date) -> Bool {
        expiresAt <= now
    }

    /// Where `freed` copies of a book go while `waiting` holds wait: to the oldest holds first,
    /// only the rest to the shelf.
    public static func distribute(freed: Int, waiting: Int) -> (toHolds: Int, toShelf: Int) {
        let toHolds = min(max(freed, 0), max(waiting, 0))
        return (toHolds, max(freed, 0) - toHolds)
    }

    /// The expiry chain of a quiet book: the hold expiring at `expiresAt` passes its copy to
    /// the next one at that instant, which expires `pickupSeconds` later, and so on. Returns the
    /// `(readyAt, expiresAt)` of each of the next `waiting` holds that has become ready by `now`
    /// (the last of them may still be ready; the others expired too).
    public func chain(from expiresAt: Date, waiting: Int, now: Date) -> [(readyAt: Date, expiresAt: Date)] {
        var result: [(readyAt: Date, expiresAt: Date)] = []
        var readyAt = expiresAt
        while result.count < waiting && readyAt <= now {
            let expiry = self.expiry(readyAt: readyAt)
            result.append((readyAt, expiry))
            readyAt = expiry
        }
        return result
    }

    /// What a user's holds and loans say about one more hold on a book.
    public struct Situation: Sendable, Equatable {
        public var copiesAvailable: Int
        public var hasActiveHoldOnBook: Bool
        public var hasActiveLoanOfBook: Bool
        /// Active holds before this one.
        public var activeHolds: Int

        public init(copiesAvailable: Int, hasActiveHoldOnBook: Bool, hasActiveLoanOfBook: Bool, activeHolds: Int) {
            self.copiesAvailable = copiesAvailable
            self.hasActiveHoldOnBook = hasActiveHoldOnBook
            self.hasActiveLoanOfBook = hasActiveLoanOfBook
            self.activeHolds = activeHolds
        }
    }

    public enum Refusal: Error, Equatable, Sendable {
        case copyAvailable
        case alreadyHoldsBook
        case alreadyBorrowedBook
        case tooManyHolds(limit: Int)
        case notActive

        public var message: String {
            switch self {
            case .copyAvailable: return "A copy of this book is available; borrow it instead"
            case .alreadyHoldsBook: return "The user already has an active hold on this book"
            case .alreadyBorrowedBook: return "The user already has this book on loan"
            case let .tooManyHolds(limit): return "The user already has the maximum of \(limit) active holds"
            case .notActive: return "This hold is no longer active"
            }
        }
    }

    /// The first rule a new hold breaks, in the order a user can act on them.
    public func refusal(toPlace situation: Situation) -> Refusal? {
        if situation.hasActiveLoanOfBook { return .alreadyBorrowedBook }
        if situation.hasActiveHoldOnBook { return .alreadyHoldsBook }
        if situation.copiesAvailable > 0 { return .copyAvailable }
        if situation.activeHolds >= maximumActiveHolds { return .tooManyHolds(limit: maximumActiveHolds) }
        return nil
    }
}
