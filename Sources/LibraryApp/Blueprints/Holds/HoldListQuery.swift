import Models
import HTTPTypes
import Storage

/// The query of `GET /holds`: pagination, `status` (a status, or `active`), and for admins
/// `user_id` and `book_id`.
struct HoldListQuery {
    typealias StatusFilter = HoldListFilter.Status

    var pagination: Pagination
    var status: StatusFilter?
    var userID: Int64?
    var bookID: Int64?

    /// The filters as the store takes them.
    var filter: HoldListFilter { HoldListFilter(status: status, userID: userID, bookID: bookID) }

    static let statusNames = Hold.Status.allCases.map(\.rawValue) + ["active"]
    /// The list's parameters besides pagination, kept in its `Link`s.
    static let filterNames = ["status", "user_id", "book_id"]

    /// Values outside their set are `400`; `user_id` or `book_id` from a non-admin is `403`.
    /// A user's list is always their own.
    static func read(from query: QueryParameters, caller: Principal) throws(ProblemError) -> HoldListQuery {
        var errors: [String: [String]] = [:]
        var result = HoldListQuery(pagination: Pagination.read(from: query, errors: &errors))
        if let value = query["status"] {
            if value == "active" {
                result.status = .active
            } else if let status = Hold.Status(rawValue: value) {
                result.status = .status(status)
            } else {
                errors["status", default: []].append("Must be one of: \(statusNames.joined(separator: ", ")).")
            }
        }
        let owners = OwnerFilter.read(from: query, errors: &errors)
        guard errors.isEmpty else { throw ProblemError(.badRequest, detail: "Invalid query parameters", errors: errors) }
        let scoped = try owners.scoped(to: caller, listing: "holds")
        result.userID = scoped.userID
        result.bookID = scoped.bookID
        return result
    }
}
