import Foundation
import Testing
@testable import Cache

/// The fixed-window limiter over a real memcached.
@Suite struct RateLimiterTests {
    let limiter = FixedWindowRateLimiter()

    @Test func allowsThenDeniesWithCountdown() throws {
        let store = try TestMemcached.sharedServer().client()
        let limits = try RateLimit.parseList("5 per 10 minute")
        let now = 1_700_000_123  // window [1_699_999_800, 1_700_000_400)
        for expected in stride(from: 4, through: 0, by: -1) {
            let decision = limiter.hit(store, client: "10.0.0.1", scope: "POST /users/login", limits: limits, now: now)
            #expect(decision.outcome == .allowed)
            #expect(decision.remaining == expected)
            #expect(decision.resetAt == 1_700_000_400)
            #expect(decision.retryAfter == 0)
        }
        let denied = limiter.hit(store, client: "10.0.0.1", scope: "POST /users/login", limits: limits, now: now + 7)
        #expect(denied.outcome == .denied)
        #expect(denied.remaining == 0)
        #expect(denied.retryAfter == 1_700_000_400 - now - 7)
        #expect(!denied.isAllowed(failClosed: false))
        // Other clients and other routes have counters of their own.
        #expect(limiter.hit(store, client: "10.0.0.2", scope: "POST /users/login", limits: limits, now: now).remaining == 4)
        #expect(limiter.hit(store, client: "10.0.0.1", scope: "POST /users/register", limits: limits, now: now).remaining == 4)
        // The next window starts afresh.
        #expect(limiter.hit(store, client: "10.0.0.1", scope: "POST /users/login", limits: limits, now: 1_700_000_400).outcome == .allowed)
    }

    @Test func windowExpiryFreesTheClient() throws {
        let store = try TestMemcached.sharedServer().client()
        let limits = [RateLimit(amount: 2, multiples: 2, granularity: .second)]
        // Start just after a window boundary so the three hits share one window.
        while Int(Date().timeIntervalSince1970 * 10) % 20 != 1 { usleep(20_000) }
        var decisions = (0..<3).map { _ in limiter.hit(store, client: "c", scope: "s", limits: limits) }
        #expect(decisions.map(\.outcome) == [.allowed, .allowed, .denied])
        let retryAfter = decisions[2].retryAfter
        #expect((1...2).contains(retryAfter))
        Thread.sleep(forTimeInterval: Double(decisions[2].resetAt) - Date().timeIntervalSince1970 + 0.05)
        decisions = [limiter.hit(store, client: "c", scope: "s", limits: limits)]
        #expect(decisions[0].outcome == .allowed)
        #expect(decisions[0].remaining == 1)
    }

    @Test func theMostRestrictiveLimitIsReported() throws {
        let store = try TestMemcached.sharedServer().client()
        let limits = try RateLimit.parseList("100/day;3/minute")
        let now = 1_700_000_000
        let first = limiter.hit(store, client: "ip", scope: "global", limits: limits, now: now)
        #expect(first.limit == RateLimit(amount: 3, granularity: .minute))
        #expect(first.remaining == 2)
        #expect(first.resetAt == now - now % 60 + 60)
        for _ in 0..<2 { _ = limiter.hit(store, client: "ip", scope: "global", limits: limits, now: now) }
        let denied = limiter.hit(store, client: "ip", scope: "global", limits: limits, now: now)
        #expect(denied.outcome == .denied)
        #expect(denied.limit.amount == 3)
        #expect(denied.retryAfter == 40)
        // Within one window of each, the day limit is the tighter once it nears its end.
        let tight = try RateLimit.parseList("2/day;10/minute")
        _ = limiter.hit(store, client: "ip2", scope: "global", limits: tight, now: now)
        #expect(limiter.hit(store, client: "ip2", scope: "global", limits: tight, now: now).limit.amount == 2)
    }

    @Test func awkwardClientAndScopeStrings() throws {
        let store = try TestMemcached.sharedServer().client()
        let limits = [RateLimit(amount: 1, granularity: .hour)]
        for client in ["::1", "a b", "x/y", "x%2Fy", "ü\r\n", String(repeating: "z", count: 400)] {
            let decision = limiter.hit(store, client: client, scope: "GET /books/{id}", limits: limits, now: 1_700_000_000)
            #expect(decision.outcome == .allowed, "\(client): \(decision.outcome)")
        }
        #expect(FixedWindowRateLimiter.escaped("x/y") != FixedWindowRateLimiter.escaped("x%2Fy"))
        #expect(FixedWindowRateLimiter.escaped("GET /books/{id}") == "GET%20%2Fbooks%2F{id}")
        #expect(FixedWindowRateLimiter.escaped("ü\r\n%\u{7F}") == "ü%0D%0A%25%7F")
        #expect(FixedWindowRateLimiter.escaped("2001:db8::/64") == "2001:db8::%2F64")
        let keys = FixedWindowRateLimiter(keyPrefix: "L").counters(
            client: "ü a", scope: "GET /x",
            limits: [RateLimit(amount: 5, multiples: 10, granularity: .minute), RateLimit(amount: 1, granularity: .day)], now: 1_700_000_000
        ).map(\.key)
        #expect(keys == ["L/ü%20a/GET%20%2Fx/5/10/minute/1699999800", "L/ü%20a/GET%20%2Fx/1/1/day/1699920000"])
        // Numbers written in place spell what `String(number)` does: 0, many digits, negative.
        let numbers = FixedWindowRateLimiter(keyPrefix: "").counters(
            client: "", scope: "",
            limits: [RateLimit(amount: 0, multiples: 1_000_000_000, granularity: .second), RateLimit(amount: -12, granularity: .second)],
            now: 9
        ).map(\.key)
        #expect(numbers == ["///0/1000000000/second/0", "///-12/1/second/9"])
    }

    @Test func storeFailureIsReportedQuickly() throws {
        let server = try TestMemcached()
        let store = server.client()
        server.stop()
        let limits = try RateLimit.parseList("5 per minute")
        let (decision, ms) = milliseconds { limiter.hit(store, client: "ip", scope: "s", limits: limits) }
        guard case .storeUnavailable(let error) = decision.outcome else {
            Issue.record("expected storeUnavailable, got \(decision.outcome)")
            return
        }
        #expect(error.isServerFailure)
        #expect(ms < 300)
        #expect(decision.isAllowed(failClosed: false))
        #expect(!decision.isAllowed(failClosed: true))
    }
}

/// The app's path: the hits go out without waiting (`noreply`) ahead of a multi-get on the same
/// client, and the counts the get reads hold them.
@Suite struct QuietCountingTests {
    @Test func aMultiGetAfterQuietIncrementsReadsTheNewCounts() throws {
        let client = try TestMemcached.sharedServer().client()
        let counters = FixedWindowRateLimiter(keyPrefix: "quiet").counters(
            client: "10.0.0.9", scope: "GET /books", limits: try RateLimit.parseList("3 per minute;100 per day"), now: 1_700_000_000)
        // First hit of the windows: the quiet increments find no key, the read shows none.
        try client.incrementWithoutReply(counters.map(\.key))
        #expect(try client.getMulti(counters.map(\.key)).isEmpty)
        for counter in counters { #expect(try client.incrementCounter(counter.key, expiration: counter.expiration) == 1) }
        // Later hits: counted ahead of the read, visible in it.
        for expected in 2...4 {
            try client.incrementWithoutReply(counters.map(\.key))
            let values = try client.getMulti(counters.map(\.key) + ["unrelated"])
            let counts = counters.map { UInt64(String(decoding: values[$0.key] ?? [], as: UTF8.self).trimmingCharacters(in: .whitespaces)) }
            #expect(counts == [UInt64(expected), UInt64(expected)])
            let decision = FixedWindowRateLimiter.decide(counters, counts: counts.map { $0 ?? 0 }, now: 1_700_000_000)
            #expect(decision.outcome == (expected > 3 ? .denied : .allowed))
        }
        // The client is still in step: a replying call right after gets its own answer.
        try client.set("after", Array("x".utf8))
        #expect(try client.get("after") == Array("x".utf8))
    }
}
