import Foundation
import Testing
import Cache

/// Round trips against a real memcached (one shared server, a key prefix per test).
@Suite struct ClientTests {
    @Test func setGetDelete() throws {
        let client = try TestMemcached.sharedServer().client()
        #expect(try client.get("book:1") == nil)
        try client.set("book:1", Array("{\"id\":1}".utf8))
        #expect(try client.get("book:1") == Array("{\"id\":1}".utf8))
        try client.set("book:1", Array("v2".utf8))
        #expect(try client.get("book:1") == Array("v2".utf8))
        #expect(try client.delete("book:1"))
        #expect(try client.get("book:1") == nil)
        #expect(try !client.delete("book:1"))
    }

    @Test func binaryEmptyAndOneMebibyteValues() throws {
        let client = try TestMemcached.sharedServer().client()
        let binary: [UInt8] = [0, 13, 10, 0xFF, 0, 32, 0x80] + Array("\r\nEND\r\n".utf8)
        try client.set("bin", binary)
        #expect(try client.get("bin") == binary)
        try client.set("empty", [])
        #expect(try client.get("empty") == [])
        var generator = SystemRandomNumberGenerator()
        let big = (0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try client.set("big", big)
        #expect(try client.get("big") == big)
        // Larger than the server's item size (-I 2m): refused, and not a server failure.
        do {
            try client.set("huge", [UInt8](repeating: 1, count: 3 << 20))
            Issue.record("3 MiB value stored")
        } catch let error as CacheError {
            #expect(!error.isServerFailure, "\(error)")
        }
        #expect(try client.get("bin") == binary)  // the connection is still usable
    }

    @Test func addOnlyWhenAbsent() throws {
        let client = try TestMemcached.sharedServer().client()
        #expect(try client.add("k", Array("first".utf8)))
        #expect(try !client.add("k", Array("second".utf8)))
        #expect(try client.get("k") == Array("first".utf8))
    }

    @Test func incrementAndCounter() throws {
        let client = try TestMemcached.sharedServer().client()
        #expect(try client.increment("n") == nil)
        try client.set("n", Array("41".utf8))
        #expect(try client.increment("n") == 42)
        #expect(try client.increment("n", by: 8) == 50)
        #expect(try client.incrementCounter("hits", expiration: 60) == 1)
        #expect(try client.incrementCounter("hits", expiration: 60) == 2)
        #expect(try client.get("hits") == Array("2".utf8))
    }

    @Test func expirationRemovesValues() throws {
        let client = try TestMemcached.sharedServer().client()
        try client.set("short", [1], expiration: 1)
        #expect(try client.incrementCounter("window", expiration: 1) == 1)
        #expect(try client.get("short") == [1])
        Thread.sleep(forTimeInterval: 2.1)
        #expect(try client.get("short") == nil)
        #expect(try client.incrementCounter("window", expiration: 1) == 1)
    }

    @Test func getMultiReturnsTheStoredKeys() throws {
        let client = try TestMemcached.sharedServer().client()
        let long = String(repeating: "é", count: 200)  // hashed, head cut inside a character
        try client.set("a", [1])
        try client.set("c", [3])
        try client.set(long, [9])
        #expect(try client.getMulti(["a", "b", "c", long]) == ["a": [1], "c": [3], long: [9]])
        #expect(try client.getMulti([]) == [:])
    }

    @Test func prefixesSeparateNamespacesAndLongKeysWork() throws {
        let server = try TestMemcached.sharedServer()
        let one = server.client(prefix: "one:"), two = server.client(prefix: "two:")
        try one.set("same", [1])
        #expect(try two.get("same") == nil)
        let long = "books?" + String(repeating: "q=x&", count: 100)
        try one.set(long, [7])
        #expect(try one.get(long) == [7])
        #expect(try one.get(long + "&") == nil)
        #expect(throws: CacheError.invalidKey("key holds a space or control character")) { try one.get("a key") }
    }

    @Test func unixSocketServer() throws {
        let server = try TestMemcached(unixSocket: true)
        let client = MemcachedClient(configuration: try MemcachedConfiguration(serverList: server.socketPath!))
        try client.set("over-unix", [42])
        #expect(try client.get("over-unix") == [42])
        #expect(client.health().map(\.isReachable) == [true])
    }

    @Test func healthReportsEachServer() throws {
        let server = try TestMemcached.sharedServer()
        let client = MemcachedClient(
            configuration: MemcachedConfiguration(
                servers: [server.server, .tcp(host: "127.0.0.1", port: try TestMemcached.freePort())]))
        let health = client.health()
        #expect(health.map(\.isReachable) == [true, false])
        #expect(health[0].version.hasPrefix("1."))
        #expect(client.ping())
    }
}
