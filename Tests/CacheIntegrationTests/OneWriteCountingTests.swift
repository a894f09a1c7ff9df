import Foundation
import Testing
import Cache

/// The request path's call, `incrementWithoutReplyThenGetMulti`: with one server the quiet hits
/// and the multi-get leave in one write and the counts read hold every hit; failures behave as
/// the libmemcached calls' do (`FailureTests`).
@Suite struct OneWriteCountingTests {
    private func counters(_ scope: String) throws -> [RateLimitCounter] {
        FixedWindowRateLimiter(keyPrefix: "one").counters(
            client: "10.0.0.7", scope: scope, limits: try RateLimit.parseList("3 per minute;100 per day"), now: 1_700_000_000)
    }

    private func counts(_ values: [String: [UInt8]], _ keys: [String]) -> [UInt64?] {
        keys.map { UInt64(String(decoding: values[$0] ?? [], as: UTF8.self).trimmingCharacters(in: .whitespaces)) }
    }

    @Test(arguments: [false, true]) func countsAreExactAndValuesWhole(unixSocket: Bool) throws {
        let server = try TestMemcached(unixSocket: unixSocket)
        let client = server.client()
        let counters = try counters("GET /books/{id}")
        let keys = counters.map(\.key)
        // More than the read buffer's first 16 KiB, and more than one socket read.
        let large = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try client.set("large", large)
        try client.set("empty", [])
        try client.set("crlf", Array("a\r\nEND\r\nb".utf8))
        let long = String(repeating: "long", count: 80)  // hashed on the wire
        try client.set(long, [9])

        var (values, failure) = try client.incrementWithoutReplyThenGetMulti(counting: keys, reading: ["missing"])
        #expect(failure == nil && values.isEmpty, "the first hits find no key")
        for counter in counters { #expect(try client.incrementCounter(counter.key, expiration: counter.expiration) == 1) }
        for expected in UInt64(2)...40 {
            (values, failure) = try client.incrementWithoutReplyThenGetMulti(
                counting: keys, reading: ["large", "empty", "crlf", "missing", "large", long])
            #expect(failure == nil)
            #expect(counts(values, keys) == [expected, expected])
            #expect(values["large"] == large && values["empty"] == [] && values["crlf"] == Array("a\r\nEND\r\nb".utf8))
            #expect(values["missing"] == nil && values[long] == [9] && values.count == 6)
        }
        #expect(throws: CacheError.invalidKey("key holds a space or control character")) {
            try client.incrementWithoutReplyThenGetMulti(counting: keys, reading: ["a b"])
        }
        // Without counters it is a plain multi-get; the libmemcached calls stay in step beside it.
        #expect(try client.incrementWithoutReplyThenGetMulti(counting: [], reading: ["empty"]).values == ["empty": []])
        #expect(try client.increment(keys[0]) == 41)
        #expect(try client.get("crlf") == Array("a\r\nEND\r\nb".utf8))
    }

    /// memcached's side of the connections, as the kernel counts it: segments that carried data.
    /// With TCP_NODELAY every send is a segment of its own, so this counts the client's writes.
    private func dataSegmentsIn(port: UInt16) throws -> Int {
        let ss = Process()
        ss.executableURL = URL(fileURLWithPath: "/usr/bin/ss")
        ss.arguments = ["-tinH", "state", "established", "sport", "=", ":\(port)"]
        let pipe = Pipe()
        ss.standardOutput = pipe
        try ss.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        ss.waitUntilExit()
        return text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
            .compactMap { $0.hasPrefix("data_segs_in:") ? Int($0.dropFirst("data_segs_in:".count)) : nil }
            .reduce(0, +)
    }

    @Test func hitsAndReadLeaveInOneWrite() throws {
        let server = try TestMemcached()
        let client = server.client()
        #expect(!client.isConnected)
        let counters = try counters("GET /users/me")
        for counter in counters { _ = try client.incrementCounter(counter.key, expiration: counter.expiration) }
        try client.set("answer", [7])
        _ = try client.incrementWithoutReplyThenGetMulti(counting: counters.map(\.key), reading: ["answer"])  // connects
        #expect(client.isConnected, "the connections gauge counts the one-write connection too")
        let before = try dataSegmentsIn(port: server.port)
        for _ in 0..<10 {
            let (values, _) = try client.incrementWithoutReplyThenGetMulti(counting: counters.map(\.key), reading: ["answer", "token"])
            #expect(values["answer"] == [7])
        }
        let segments = try dataSegmentsIn(port: server.port) - before
        print("10 counted reads: \(segments) data segments to memcached")
        #expect(segments == 10, "two quiet increments and a multi-get should be one write")
    }

    @Test func severalServersCountEveryHitToo() throws {
        let a = try TestMemcached(), b = try TestMemcached()
        let client = MemcachedClient(configuration: MemcachedConfiguration(servers: [a.server, b.server], keyPrefix: "several:"))
        let counters = (0..<8).map { "c\($0)" }
        for counter in counters { _ = try client.incrementCounter(counter, expiration: 60) }
        for expected in UInt64(2)...5 {
            let (values, failure) = try client.incrementWithoutReplyThenGetMulti(counting: counters, reading: [])
            #expect(failure == nil)
            #expect(counts(values, counters) == Array(repeating: expected, count: counters.count))
        }
    }

    /// The positional form the request path uses: each value once, at its key's first index in
    /// `keys + counters`, with one server (the one write) and with several (libmemcached).
    @Test(arguments: [1, 2]) func valuesComeBackAtTheirFirstIndex(servers: Int) throws {
        let running = try (0..<servers).map { _ in try TestMemcached() }
        let client = MemcachedClient(configuration: MemcachedConfiguration(servers: running.map(\.server), keyPrefix: "positions:"))
        try client.set("x", [1])
        try client.set("y", [2, 2])
        _ = try client.incrementCounter("c", expiration: 60)
        var found: [Int: [UInt8]] = [:]
        var sized: [Int] = []
        let failure = try client.incrementWithoutReplyThenGet(
            counting: ["c"], reading: ["x", "missing", "y", "x", "c"], sizing: { sized.append($0) }
        ) { index, value in
            #expect(sized.count == 1, "the total comes before the values")
            #expect(found[index] == nil, "index \(index) handed over twice")
            found[index] = Array(value)
        }
        #expect(failure == nil)
        #expect(found == [0: [1], 2: [2, 2], 4: Array("2".utf8)])
        #expect(sized == [4], "the values' total length, each value once")
    }

    @Test func stoppedServerFailsFastThenComesBack() throws {
        let server = try TestMemcached()
        let client = server.client()
        try client.set("k", [1])
        _ = try client.incrementWithoutReplyThenGetMulti(counting: ["c"], reading: ["k"])
        server.stop()
        var slowest = 0.0
        for _ in 0..<20 {
            let (result, ms) = milliseconds { Result { try client.incrementWithoutReplyThenGetMulti(counting: ["c"], reading: ["k"]) } }
            slowest = max(slowest, ms)
            guard case .failure(let error as CacheError) = result, error.isServerFailure else {
                Issue.record("expected a server failure, got \(result)")
                return
            }
        }
        #expect(slowest < FailureTests.bound)
        try server.start()
        #expect(Self.isUsedAgain(client), "the restarted server was never used again")
    }

    @Test func hungServerCostsOnePollTimeout() throws {
        let server = try TestMemcached()
        let client = server.client()
        _ = try client.incrementWithoutReplyThenGetMulti(counting: ["c"], reading: ["k"])
        server.pause()
        defer { server.resume() }
        usleep(50_000)  // SIGSTOP lands asynchronously
        var failures: [CacheError] = []
        var total = 0.0
        for _ in 0..<20 {
            let (result, ms) = milliseconds { Result { try client.incrementWithoutReplyThenGetMulti(counting: ["c"], reading: ["k"]) } }
            total += ms
            if case .failure(let error as CacheError) = result { failures.append(error) }
        }
        print("SIGSTOPped server: \(failures.count) failures, \(total) ms in all")
        #expect(failures.count == 20 && failures.allSatisfy(\.isServerFailure))
        #expect(failures.first.map { if case .timeout = $0 { true } else { false } } == true)
        #expect(total < 300, "one poll timeout (100 ms), then the server is suspended")
        server.resume()
        #expect(Self.isUsedAgain(client), "the resumed server was never used again")
    }

    /// Whether the client reaches its server again within 6 s (it sets a failed server aside).
    private static func isUsedAgain(_ client: MemcachedClient) -> Bool {
        let deadline = Date().addingTimeInterval(6)
        while Date() < deadline {
            if (try? client.incrementWithoutReplyThenGetMulti(counting: [], reading: ["k"])) != nil { return true }
            usleep(50_000)
        }
        return false
    }
}
