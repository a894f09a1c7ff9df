import Foundation
import Testing
@testable import Cache

@Suite struct ConfigurationTests {
    @Test func parsesServerLists() throws {
        let servers = try MemcachedServer.parseList(" 127.0.0.1:11311, cache.local ,/run/memcached/m.sock,[::1]:11400,")
        #expect(servers == [
            .tcp(host: "127.0.0.1", port: 11311), .tcp(host: "cache.local", port: 11211),
            .unixSocket(path: "/run/memcached/m.sock"), .tcp(host: "::1", port: 11400),
        ])
        #expect(servers.map(\.description) == ["127.0.0.1:11311", "cache.local:11211", "/run/memcached/m.sock", "[::1]:11400"])
    }

    @Test(arguments: ["", " , ", "host:", "host:0", "host:70000", "host:port", ":11211", "[::1", "[::1]x", "a b:1",
                      "relative.sock:x", "/" + String(repeating: "s", count: 120)])
    func rejectsBadServerLists(_ list: String) {
        #expect(throws: CacheError.self) { try MemcachedConfiguration(serverList: list) }
    }

    @Test func defaultsAreShortTimeouts() throws {
        let configuration = try MemcachedConfiguration(serverList: "127.0.0.1:1", keyPrefix: "lib:")
        #expect(configuration.connectTimeoutMilliseconds == 50)
        #expect(configuration.pollTimeoutMilliseconds == 100)
        #expect(configuration.retryTimeoutSeconds == 2)
        #expect(configuration.removeFailedServers)
        #expect(throws: CacheError.self) { try MemcachedConfiguration(serverList: "h:1", keyPrefix: "a b") }
        #expect(throws: CacheError.self) { try MemcachedConfiguration(serverList: "h:1", keyPrefix: String(repeating: "p", count: 129)) }
    }
}

@Suite struct CacheKeyTests {
    @Test func shortKeysGoAsTheyAre() throws {
        #expect(try CacheKey.wireKey("books:1", prefix: "lib:") == Array("lib:books:1".utf8))
        #expect(try CacheKey.wireKey("livre:é", prefix: "") == Array("livre:é".utf8))
    }

    @Test(arguments: ["", "a b", "tab\there", "line\r\n", "nul\u{0}", "del\u{7F}"])
    func rejectsKeysMemcachedCannotHold(_ key: String) {
        #expect(throws: CacheError.self) { try CacheKey.wireKey(key, prefix: "p:") }
    }

    @Test func longKeysAreHashedToExactly250Bytes() throws {
        let long = String(repeating: "k", count: 300)
        let wire = try CacheKey.wireKey(long, prefix: "lib:")
        #expect(wire.count == 250)
        #expect(wire.starts(with: Array("lib:kkk".utf8)))
        #expect(try CacheKey.wireKey(long + "x", prefix: "lib:") != wire)
        // 249 bytes in all still go as they are: a raw key never has the hashed length.
        #expect(try CacheKey.wireKey(String(repeating: "k", count: 245), prefix: "lib:").count == 249)
        #expect(try CacheKey.wireKey(String(repeating: "k", count: 246), prefix: "lib:").last != UInt8(ascii: "k"))
    }

    @Test func sha256KnownAnswers() {
        func hex(_ s: String) -> String { SHA256.hash(Array(s.utf8)).map { String(format: "%02x", $0) }.joined() }
        #expect(hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}
