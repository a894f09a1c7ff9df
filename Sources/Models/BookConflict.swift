/// Why a change to the catalogue was refused: the change conflicts with the state of the
/// books or their loans and holds (an HTTP `409`).
public enum BookConflict: Error, Equatable, Sendable {
    /// Another book already has the ISBN.
    case duplicateISBN
    /// A unique key that no single field names alone.
    case duplicate
    /// A delete while copies are on loan.
    case copiesOnLoan(bookID: Int64)
    /// A delete while holds wait or have a copy set aside.
    case activeHolds(bookID: Int64)
    /// `copies` below the copies on loan or set aside for holds.
    case copiesBelowInUse(bookID: Int64, inUse: Int)

    public var message: String {
        switch self {
        case .duplicateISBN: return "Another book already has that ISBN"
        case .duplicate: return "The book conflicts with another book"
        case let .copiesOnLoan(id): return "Book \(id) has copies on loan; they must be returned first"
        case let .activeHolds(id): return "Book \(id) has active holds; they must be fulfilled, cancelled or expire first"
        case let .copiesBelowInUse(id, inUse):
            return "Book \(id) has \(inUse) copies on loan or set aside for holds; copies cannot go below that"
        }
    }
}
