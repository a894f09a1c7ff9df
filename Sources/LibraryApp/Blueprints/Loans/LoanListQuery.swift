import Models
import HTTPTypes
import Storage

/// The query of `GET /loans`: pagination, `status`, and for admins `user_id` and `book_id`.
struct LoanListQuery {
    /// The parameters besides pagination; `read` reads nothing else.
    static let filterNames = ["status", "user_id", "book_id"]

    var pagination: Pagination
    var status: Loan.Status?
    var userID: Int64?
    var bookID: Int64?

    /// The filters as the store takes them.
    var filter: LoanListFilter { LoanListFilter(status: status, userID: userID, bookID: bookID) }

    /// Values outside their set are `400`; `user_id` or `book_id` from a non-admin is `403`.
    /// A user's list is always their own.
    static func read(from query: QueryParameters, caller: Principal) throws(ProblemError) -> LoanListQuery {
        var errors: [String: [String]] = [:]
        var result = LoanListQuery(pagination: Pagination.read(from: query, errors: &errors))
        if let value = query["status"] {
            if let status = Loan.Status(rawValue: value) {
                result.status = status
            } else {
                errors["status", default: []].append("Must be one of: \(Loan.Status.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
        }
        let owners = OwnerFilter.read(from: query, errors: &errors)
        guard errors.isEmpty else { throw ProblemError(.badRequest, detail: "Invalid query parameters", errors: errors) }
        let scoped = try owners.scoped(to: caller, listing: "loans")
        result.userID = scoped.userID
        result.bookID = scoped.bookID
        return result
    }
}
