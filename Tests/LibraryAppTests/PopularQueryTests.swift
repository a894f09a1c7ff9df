import Foundation
import Testing
@testable import LibraryApp
import HTTPTypes

/// `GET /reports/popular`'s parameters and the window it counts loans in.
@Suite struct PopularQueryTests {
    func read(_ text: String) throws -> PopularQuery {
        try PopularQuery.read(from: QueryParameters(parsing: Substring(text)))
    }

    func errors(_ text: String) -> [String: [String]] {
        do { _ = try read(text); return [:] } catch let problem as ProblemError {
            #expect(problem.status == .badRequest)
            return problem.errors
        } catch { return ["unexpected": ["\(error)"]] }
    }

    @Test func defaultsAreThirtyDaysAndTenBooks() throws {
        #expect(try read("") == PopularQuery(days: 30, limit: 10))
        // Not paginated: pagination parameters are unknown here, and change nothing.
        #expect(try read("page=0&per_page=1000") == PopularQuery(days: 30, limit: 10))
    }

    @Test func boundsAreInclusive() throws {
        #expect(try read("days=1&limit=1") == PopularQuery(days: 1, limit: 1))
        #expect(try read("days=365&limit=100") == PopularQuery(days: 365, limit: 100))
    }

    @Test(arguments: ["days=0", "days=366", "days=-1", "days=", "days=3.5", "days=1e2", "days=%2030", "days=99999999999999999999"])
    func daysOutsideOneToThreeHundredSixtyFiveAreRefused(query: String) {
        #expect(errors(query) == ["days": ["Must be an integer between 1 and 365."]])
    }

    @Test(arguments: ["limit=0", "limit=101", "limit=ten"])
    func limitOutsideOneToHundredIsRefused(query: String) {
        #expect(errors(query) == ["limit": ["Must be an integer between 1 and 100."]])
    }

    @Test func bothErrorsAtOnce() {
        #expect(Set(errors("days=0&limit=0").keys) == ["days", "limit"])
    }

    @Test func theWindowStartsDaysTimesTwentyFourHoursBeforeNow() {
        let now = Date(timeIntervalSince1970: 1_796_040_000)  // 2026-11-30T12:00:00Z
        #expect(PopularQuery(days: 30).window(endingAt: now).start == now.addingTimeInterval(-30 * 86_400))
    }

    @Test func monthsStartOnTheFirstDayAtMidnightUTC() {
        func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }
        typealias Window = PopularQuery.Window
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
