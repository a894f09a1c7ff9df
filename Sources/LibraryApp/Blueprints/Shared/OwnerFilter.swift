import HTTPTypes
/// `user_id` and `book_id` of a list of loans or holds. An admin filters by them freely; anyone
/// else sees only their own rows, and naming either is `403`.
struct OwnerFilter: Equatable {
    var userID: Int64?
    var bookID: Int64?

    /// Reads both; a value that is not a positive integer is an error on its name.
    static func read(from query: QueryParameters, errors: inout [String: [String]]) -> OwnerFilter {
        func id(_ name: String) -> Int64? {
            guard let value = query[name] else { return nil }
            guard let id = PathPattern.positiveID(value) else {
                errors[name, default: []].append("Must be a positive integer.")
                return nil
            }
            return id
        }
        return OwnerFilter(userID: id("user_id"), bookID: id("book_id"))
    }

    /// The filter `caller` may use: as read for an admin, their own rows for anyone else.
    func scoped(to caller: Principal, listing items: String) throws(ProblemError) -> OwnerFilter {
        if caller.isAdmin { return self }
        guard userID == nil && bookID == nil else {
            throw ProblemError(.forbidden, detail: "Only admins may filter \(items) by user_id or book_id")
        }
        return OwnerFilter(userID: caller.userID, bookID: nil)
    }
}
