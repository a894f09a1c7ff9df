import Synchronization
import Foundation
import Testing
import Cache

@Suite struct CounterTests {
    /// Several threads, each with its own client (clients are not thread-safe), count on one
    /// fresh key: every first hit races on `add`, and no hit may be lost.
    @Test func concurrentCountersAreExact() throws {
        let server = try TestMemcached.sharedServer()
        let prefix = "atomic\(UUID().uuidString.prefix(8)):"
        let threads = 6, hitsPerThread = 500
        let failures = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            let client = server.client(prefix: prefix)
            for _ in 0..<hitsPerThread {
                if (try? client.incrementCounter("one", expiration: 60)) == nil { failures.withLock { $0 += 1 } }
            }
        }
        #expect(failures.withLock { $0 } == 0)
        #expect(try server.client(prefix: prefix).get("one") == Array("\(threads * hitsPerThread)".utf8))
    }

    /// Loopback latency, printed for the record; generous bounds so a busy machine still passes.
    @Test func loopbackLatency() throws {
        let client = try TestMemcached.sharedServer().client()
        try client.set("value", [UInt8](repeating: 7, count: 512))
        _ = try client.incrementCounter("counter", expiration: 60)
        func p50(_ body: () throws -> Void) rethrows -> Double {
            var samples: [Double] = []
            for _ in 0..<2000 { samples.append(try milliseconds(body).1) }
            return samples.sorted()[samples.count / 2]
        }
        let get = try p50 { _ = try client.get("value") }
        let incr = try p50 { _ = try client.increment("counter") }
        let counter = try p50 { _ = try client.incrementCounter("counter", expiration: 60) }
        var n = 0
        let firstHit = try p50 {
            n += 1; _ = try client.incrementCounter("fresh\(n)", expiration: 60)
        }
        print("memcached loopback p50 ms: get \(get), incr \(incr), counter \(counter), counter first hit \(firstHit)")
        #expect(get < 5 && incr < 5 && counter < 5 && firstHit < 10)
    }
}
