import Foundation
import Storage
import Testing

/// The window the popular report counts loans in, and its month boundaries.
@Suite struct PopularWindowTests {
    @Test func theWindowStartsDaysTimesTwentyFourHoursBeforeNow() {
        let now = Date(timeIntervalSince1970: 1_796_040_000)  // 2026-11-30T12:00:00Z
        #expect(PopularWindow(days: 30, endingAt: now).start == now.addingTimeInterval(-30 * 86_400))
    }

    @Test func monthsStartOnTheFirstDayAtMidnightUTC() {
        func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }
        typealias Window = PopularWindow
        #expect(Window.firstDayOfMonth(of: date("2026-11-30T23:59:59Z")) == date("2026-11-01T00:00:00Z"))
        #expect(Window.firstDayOfMonth(of: date("2026-11-01T00:00:00Z")) == date("2026-11-01T00:00:00Z"))
        #expect(Window.firstDayOfMonth(of: date("2024-02-29T12:00:00Z"), monthsLater: 1) == date("2024-03-01T00:00:00Z"))
        #expect(Window(start: date("2025-12-15T08:30:00Z")).nextMonth == date("2026-01-01T00:00:00Z"))
        #expect(Window(start: date("2026-01-31T23:59:59Z")).nextMonth == date("2026-02-01T00:00:00Z"))
        // A window starting exactly at a month's start counts from the next one on by months,
        // the whole first month one by one: either way every loan once.
        #expect(Window(start: date("2026-03-01T00:00:00Z")).nextMonth == date("2026-04-01T00:00:00Z"))
    }
}
