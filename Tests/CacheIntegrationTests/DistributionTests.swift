import Foundation
import Testing
import Cache

/// Ketama over two servers: the keys spread over both, and each lives on exactly one.
@Suite struct DistributionTests {
    @Test func keysSpreadAcrossTwoServers() throws {
        let a = try TestMemcached(), b = try TestMemcached()
        let prefix = "spread:"
        let both = MemcachedClient(configuration: MemcachedConfiguration(servers: [a.server, b.server], keyPrefix: prefix))
        let keys = (0..<200).map { "book:\($0)" }
        for key in keys { try both.set(key, Array(key.utf8)) }

        let items = both.health().map(\.currentItems)
        #expect(items.reduce(0, +) == 200)
        #expect(items.allSatisfy { $0 > 40 }, "uneven spread: \(items)")

        // Read each server directly: every key is on one of them, never on both.
        let onA = try keys.filter { try a.client(prefix: prefix).get($0) != nil }
        let onB = try keys.filter { try b.client(prefix: prefix).get($0) != nil }
        #expect(onA.count + onB.count == 200)
        #expect(Set(onA).isDisjoint(with: onB))
        #expect(UInt64(onA.count) == items[0])
        for key in keys { #expect(try both.get(key) == Array(key.utf8)) }
    }
}
