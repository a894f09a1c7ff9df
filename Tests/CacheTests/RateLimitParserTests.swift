import Testing
import Cache

/// The notation of Flask-Limiter (`limits.util.parse_many`).
@Suite struct RateLimitParserTests {
    @Test(arguments: [
        ("10/hour", [RateLimit(amount: 10, granularity: .hour)]),
        ("10 per hour", [RateLimit(amount: 10, granularity: .hour)]),
        ("10 per 2 hours", [RateLimit(amount: 10, multiples: 2, granularity: .hour)]),
        ("5 per 10 minute", [RateLimit(amount: 5, multiples: 10, granularity: .minute)]),
        ("200 per day", [RateLimit(amount: 200, granularity: .day)]),
        ("1/second", [RateLimit(amount: 1, granularity: .second)]),
        ("  3  PER  5  Seconds ", [RateLimit(amount: 3, multiples: 5, granularity: .second)]),
        ("10/2hours", [RateLimit(amount: 10, multiples: 2, granularity: .hour)]),
        ("2 per month", [RateLimit(amount: 2, granularity: .month)]),
        ("0 per year", [RateLimit(amount: 0, granularity: .year)]),
        ("100/day;10/minute", [RateLimit(amount: 100, granularity: .day), RateLimit(amount: 10, granularity: .minute)]),
        (
            "100/day; 10 per minute, 1/second | 7 per 3 days",
            [
                RateLimit(amount: 100, granularity: .day), RateLimit(amount: 10, granularity: .minute),
                RateLimit(amount: 1, granularity: .second), RateLimit(amount: 7, multiples: 3, granularity: .day),
            ]
        ),
    ])
    func parsesValidNotation(_ text: String, _ expected: [RateLimit]) throws {
        #expect(try RateLimit.parseList(text) == expected)
    }

    @Test(arguments: [
        "", "   ", "per hour", "10", "10 per", "10 hour", "10 per fortnight", "10 per 0 hour", "ten per hour",
        "10 per hour;", ";10 per hour", "10 per hour 5", "10 per hourss", "10 per -1 hour", "-10 per hour",
        "10 per 2.5 hours", "10 over hour", "99999999999999999999 per day", "10 per hour;; 5 per day",
    ])
    func rejectsInvalidNotation(_ text: String) {
        #expect(throws: RateLimitParseError.self) { try RateLimit.parseList(text) }
    }

    @Test func errorsSayWhatWasExpected() {
        do {
            _ = try RateLimit.parseList("10 per fortnight")
            Issue.record("parsed")
        } catch let error as RateLimitParseError {
            #expect(error.description.contains("10 per fortnight"))
            #expect(error.reason.contains("second, minute, hour, day"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func singleLimitAndWindowLengths() throws {
        let limit = try RateLimit(parsing: "5 per 10 minutes")
        #expect(limit.windowSeconds == 600)
        #expect(limit.description == "5 per 10 minute")
        #expect(try RateLimit(parsing: "1/day").windowSeconds == 86400)
        #expect(throws: RateLimitParseError.self) { try RateLimit(parsing: "1/day;2/hour") }
    }
}
