import Basics
package import Foundation

/// The time the popular report counts loans in: from `start` to now. Loans from the first UTC
/// month boundary after `start` on are counted from the monthly counts (`book_loan_months`),
/// those before it one by one.
package struct PopularWindow: Sendable, Equatable {
    package let start: Date

    package init(start: Date) {
        self.start = start
    }

    /// The last `days` × 24 hours before `now`.
    package init(days: Int, endingAt now: Date) {
        start = now.addingTimeInterval(-Double(days) * 86_400)
    }

    /// The first UTC month boundary after `start`.
    package var nextMonth: Date { Self.firstDayOfMonth(of: start, monthsLater: 1) }

    /// Midnight UTC of the first day of the month `date` falls in, or of a month after it:
    /// the `book_loan_months` row a loan made at `date` counts in (`monthsLater` 0).
    package static func firstDayOfMonth(of date: Date, monthsLater: Int64 = 0) -> Date {
        let day = Int64((date.timeIntervalSince1970 / 86_400).rounded(.down))
        let (year, month, _) = UTCDateTime.civil(fromDays: day)
        let months = year * 12 + (month - 1) + monthsLater
        let first = UTCDateTime.daysFromCivil(year: months / 12, month: months % 12 + 1, day: 1)
        return Date(timeIntervalSince1970: Double(first) * 86_400)
    }
}
