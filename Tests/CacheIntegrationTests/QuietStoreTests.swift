import Foundation
import Testing
import Cache

/// `setWithoutReply`, the miss's store: nothing is waited for, yet the value is there for the
/// next read, a refused value leaves the connection in step, and failures still surface.
@Suite struct QuietStoreTests {
    private func client(_ servers: [TestMemcached]) -> MemcachedClient {
        MemcachedClient(configuration: MemcachedConfiguration(servers: servers.map(\.server), keyPrefix: "quiet:"))
    }

    /// Read as the request path reads: with one server on the connection the store went out on,
    /// so memcached has taken the store before it answers (with several, libmemcached's own).
    private func read(_ client: MemcachedClient, _ keys: [String]) throws -> [String: [UInt8]] {
        try client.incrementWithoutReplyThenGetMulti(counting: [], reading: keys).values
    }

    @Test(arguments: [1, 2]) func storedValuesAreReadBack(servers: Int) throws {
        let running = try (0..<servers).map { _ in try TestMemcached() }
        let client = client(running)
        let large = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let long = String(repeating: "long", count: 80)  // hashed on the wire
        try client.setWithoutReply("large", large, expiration: 60)
        try client.setWithoutReply("empty", [])
        try client.setWithoutReply("crlf", Array("a\r\nEND\r\nb".utf8), expiration: 60)
        try client.setWithoutReply(long, [9], expiration: 60)
        try client.setWithoutReply("crlf", Array("second".utf8), expiration: 60)  // the later store wins
        #expect(
            try read(client, ["large", "empty", "crlf", long, "missing"]) == [
                "large": large, "empty": [], "crlf": Array("second".utf8), long: [9],
            ])
        #expect(throws: CacheError.invalidKey("key holds a space or control character")) {
            try client.setWithoutReply("a b", [1])
        }
    }

    /// memcached answers nothing to a refused `noreply` store (here a value over its 2 MiB item
    /// limit): were it to answer, the next read would take that line for its own answer.
    @Test(arguments: [1, 2]) func refusedValueLeavesTheConnectionInStep(servers: Int) throws {
        let running = try (0..<servers).map { _ in try TestMemcached() }
        let client = client(running)
        try client.setWithoutReply("kept", [1, 2, 3], expiration: 60)
        try client.setWithoutReply("huge", Array(repeating: 0x61, count: 3 * 1024 * 1024), expiration: 60)
        for _ in 0..<3 {
            #expect(try read(client, ["kept", "huge"]) == ["kept": [1, 2, 3]])
            _ = try client.incrementCounter("count", expiration: 60)
        }
        #expect(try client.increment("count") == 4)
    }

    @Test func expirationIsMemcachedsLifetime() throws {
        let server = try TestMemcached()
        let client = client([server])
        // memcached's clock ticks in whole seconds and an item dies when it reaches the item's
        // expiry: with 1 s that may be at the next tick, a moment after the store.
        try client.setWithoutReply("brief", [1], expiration: 2)
        try client.setWithoutReply("lasting", [2], expiration: 60)
        #expect(try read(client, ["brief", "lasting"]) == ["brief": [1], "lasting": [2]])
        usleep(3_100_000)
        #expect(try read(client, ["brief", "lasting"]) == ["lasting": [2]])
        withExtendedLifetime(server) {}
    }

    @Test func stoppedServerFailsFast() throws {
        let server = try TestMemcached()
        let client = client([server])
        try client.setWithoutReply("k", [1])
        server.stop()
        var failures = 0
        let (_, ms) = milliseconds {
            for _ in 0..<20 {
                do { try client.setWithoutReply("k", [1]) } catch let error as CacheError where error.isServerFailure {
                    failures += 1
                } catch {}
            }
        }
        // The first store after the stop may still fit the socket's buffer, unanswered by design.
        #expect(failures >= 19)
        #expect(ms < FailureTests.bound)
    }
}
