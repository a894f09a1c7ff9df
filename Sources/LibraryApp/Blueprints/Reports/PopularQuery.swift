import HTTPTypes

/// The query of `GET /reports/popular`: `days` (1–365, default 30) and `limit` (1–100, default
/// 10). Not paginated: `page` and `per_page` are unknown here, and ignored like any other.
struct PopularQuery: Equatable {
    static let daysRange = 1...365
    static let defaultDays = 30
    static let limitRange = 1...100
    static let defaultLimit = 10
    /// The parameters the answer depends on: its cache key.
    static let parameterNames = ["days", "limit"]

    var days = defaultDays
    var limit = defaultLimit

    /// A value outside its range is a `400` naming it, both at once.
    static func read(from query: QueryParameters) throws(ProblemError) -> PopularQuery {
        var errors: [String: [String]] = [:]
        var result = PopularQuery()
        func number(_ name: String, in range: ClosedRange<Int>) -> Int? {
            guard let text = query[name] else { return nil }
            guard let value = Int(text), range.contains(value) else {
                errors[name, default: []].append("Must be an integer between \(range.lowerBound) and \(range.upperBound).")
                return nil
            }
            return value
        }
        if let days = number("days", in: daysRange) { result.days = days }
        if let limit = number("limit", in: limitRange) { result.limit = limit }
        guard errors.isEmpty else { throw ProblemError(.badRequest, detail: "Invalid query parameters", errors: errors) }
        return result
    }
}
