import Basics
import Foundation
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

    /// The window the report counts loans in: from `days` × 24 hours before `now`, to `now`.
    func window(endingAt now: Date) -> Window {
        Window(start: now.addingTimeInterval(-Double(days) * 86_400))
    }

    struct Window: Equatable {
        let start: Date

        /// The first UTC month boundary after `start`: loans from there on are counted from the
        /// monthly counts (`book_loan_months`), those before it one by one.
        var nextMonth: Date { Self.firstDayOfMonth(of: start, monthsLater: 1) }

        /// Midnight UTC of the first day of the month `date` falls in, or of a month after it:
        /// the `book_loan_months` row a loan made at `date` counts in (`monthsLater` 0).
        static func firstDayOfMonth(of date: Date, monthsLater: Int64 = 0) -> Date {
            let day = Int64((date.timeIntervalSince1970 / 86_400).rounded(.down))
            let (year, month, _) = UTCDateTime.civil(fromDays: day)
            let months = year * 12 + (month - 1) + monthsLater
            let first = UTCDateTime.daysFromCivil(year: months / 12, month: months % 12 + 1, day: 1)
            return Date(timeIntervalSince1970: Double(first) * 86_400)
        }
    }
}
