/// Why a change to the accounts was refused (an HTTP `409`).
public enum UserConflict: Error, Equatable, Sendable {
    /// Another account has the username or the email (`field`), or a unique key no single
    /// field names alone (`field` is "user").
    case taken(field: String)
    /// Deleting or demoting the only admin.
    case lastAdmin(userID: Int64)
    /// Deleting a user who still has books on loan.
    case activeLoans(userID: Int64)

    public var message: String {
        switch self {
        case let .taken(field): return "That \(field) is already taken"
        case let .lastAdmin(id): return "User \(id) is the last admin; make another user admin first"
        case let .activeLoans(id): return "User \(id) has active loans; they must be returned first"
        }
    }
}
