import Foundation
import Testing
import Cache

/// Dead, hung and returning servers: every call comes back within milliseconds, and the same
/// client uses a server again once it is back. Bounds are wall-clock, per call.
@Suite struct FailureTests {
    static let bound = 300.0  // ms

    /// Two servers, 100 keys stored; answers the client and the keys that live on `a`.
    private func twoServers(_ a: TestMemcached, _ b: TestMemcached) throws -> (MemcachedClient, [String]) {
        let prefix = "f\(UUID().uuidString.prefix(6)):"
        let client = MemcachedClient(configuration: MemcachedConfiguration(servers: [a.server, b.server], keyPrefix: prefix))
        let keys = (0..<100).map { "k\($0)" }
        for key in keys { try client.set(key, [1]) }
        let onA = try keys.filter { try a.client(prefix: prefix).get($0) != nil }
        #expect(!onA.isEmpty && onA.count < keys.count)
        return (client, onA)
    }

    /// Polls `condition` every 50 ms for up to `seconds`; prints how long it took.
    private func eventually(within seconds: Double, _ what: String, _ condition: () -> Bool) -> Bool {
        let start = Date(), deadline = start.addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() {
                print("\(what) after \(Int(Date().timeIntervalSince(start) * 1000)) ms")
                return true
            }
            usleep(50_000)
        }
        return condition()
    }

    @Test func stoppedServerFailsFastAndItsKeysMove() throws {
        let a = try TestMemcached(), b = try TestMemcached()
        let (client, onA) = try twoServers(a, b)
        a.stop()

        var failures: [CacheError] = []
        var slowest = 0.0
        for key in onA {
            let (result, ms) = milliseconds { Result { try client.get(key) } }
            slowest = max(slowest, ms)
            if case let .failure(error as CacheError) = result { failures.append(error) }
        }
        print("stopped server: \(failures.count) of \(onA.count) calls failed, slowest \(slowest) ms")
        #expect(slowest < Self.bound)
        #expect(!failures.isEmpty && failures.allSatisfy(\.isServerFailure))
        // A read failure on the old connection, a refused reconnect (back-off starts), then the
        // ejection: at most three calls fail before the keys go to `b`.
        #expect(failures.count <= 3, "ejection should reroute after the first failures")
        // The keys of `a` now go to `b`: misses, then stored and read back.
        for key in onA {
            try client.set(key, [2])
            #expect(try client.get(key) == [2])
        }
        #expect(client.health().map(\.isReachable) == [false, true])

        // Restarted (empty) on the same port: the same client uses it again after the back-off.
        try a.start()
        var n = 0
        let back = eventually(within: 6, "restarted server used again") {
            n += 1
            _ = try? client.set("after\(n)", [3])
            return client.health().first?.currentItems ?? 0 > 0
        }
        #expect(back, "the restarted server never received a key")
    }

    @Test func hungServerCostsMilliseconds() throws {
        let a = try TestMemcached(), b = try TestMemcached()
        let (client, onA) = try twoServers(a, b)
        a.pause()
        defer { a.resume() }

        var slowest = 0.0, total = 0.0, failures = 0
        for key in onA + onA {
            let (result, ms) = milliseconds { Result { try client.get(key) } }
            slowest = max(slowest, ms)
            total += ms
            if case .failure = result { failures += 1 }
        }
        let (health, healthMs) = milliseconds { client.health() }
        print(
            "SIGSTOPped server: \(failures) of \(2 * onA.count) calls failed, slowest \(slowest) ms, all \(total) ms; health \(healthMs) ms"
        )
        #expect(slowest < Self.bound)
        // One poll timeout (100 ms), then the server is suspended and its keys go to `b`.
        #expect(failures <= 2)
        #expect(total < 400)
        #expect(healthMs < Self.bound)
        #expect(health.map(\.isReachable) == [false, true])
        // A fresh client meets the hung server on connect: the kernel accepts, nobody answers.
        let fresh = a.client()
        let (freshResult, freshMs) = milliseconds { Result { try fresh.get("x") } }
        print("fresh client on a SIGSTOPped server: \(freshResult), \(freshMs) ms")
        #expect(freshMs < Self.bound)
        guard case .failure(let error as CacheError) = freshResult else {
            Issue.record("call on a hung server succeeded")
            return
        }
        #expect(error == .timeout("A TIMEOUT OCCURRED") || error.isServerFailure)

        // SIGCONT: the same client finds the server again.
        a.resume()
        let direct = a.client(prefix: client.configuration.keyPrefix)
        var n = 0
        let back = eventually(within: 6, "resumed server used again") {
            n += 1
            _ = try? client.set("resumed\(n)", [4])
            return (try? direct.get("resumed\(n)")) == [4]
        }
        #expect(back, "the resumed server never received a key")
    }

    @Test func singleServerDownThenBack() throws {
        let server = try TestMemcached()
        let client = server.client()
        try client.set("k", [1])
        server.stop()
        var slowest = 0.0
        for _ in 0..<50 {
            let (result, ms) = milliseconds { Result { try client.incrementCounter("c", expiration: 10) } }
            slowest = max(slowest, ms)
            guard case .failure(let error as CacheError) = result, error.isServerFailure else {
                Issue.record("expected a server failure, got \(result)")
                return
            }
        }
        let (multi, multiMs) = milliseconds { Result { try client.getMulti(["k", "c"]) } }
        guard case .failure(let error as CacheError) = multi, error.isServerFailure else {
            Issue.record("expected a server failure, got \(multi)")
            return
        }
        slowest = max(slowest, multiMs)
        print("single stopped server: slowest of 51 calls \(slowest) ms")
        #expect(slowest < Self.bound)
        try server.start()
        #expect(eventually(within: 6, "single server back") { (try? client.incrementCounter("c", expiration: 10)) == 1 })
    }

    @Test func nothingListeningIsUnavailableAtOnce() throws {
        let client = MemcachedClient(
            configuration: MemcachedConfiguration(
                servers: [.tcp(host: "127.0.0.1", port: try TestMemcached.freePort())]))
        for _ in 0..<3 {
            let (result, ms) = milliseconds { Result { try client.get("k") } }
            #expect(ms < 100)
            guard case .failure(let error as CacheError) = result else {
                Issue.record("no error")
                return
            }
            #expect(error.isServerFailure, "\(error)")
        }
        #expect(!client.ping())
    }
}
