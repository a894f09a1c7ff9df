import Foundation
import Testing
@testable import Cache

@Suite struct ConfigurationTests {
    @Test func parsesServerLists() throws {
        let servers = try MemcachedServer.parseList(" 127.0.0.1:11311, cache.local ,/run/memcached/m.sock,[::1]:11400,")
        #expect(
            servers == [
                .tcp(host: "127.0.0.1", port: 11311), .tcp(host: "cache.local", port: 11211),
                .unixSocket(path: "/run/memcached/m.sock"), .tcp(host: "::1", port: 11400),
            ])
        #expect(servers.map(\.description) == ["127.0.0.1:11311", "cache.local:11211", "/run/memcached/m.sock", "[::1]:11400"])
    }

    @Test(arguments: [
        "", " , ", "host:", "host:0", "host:70000", "host:port", ":11211", "[::1", "[::1]x", "a b:1",
        "relative.sock:x", "/" + String(repeating: "s", count: 120),
    ])
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

    /// Checked eight bytes a step: a byte memcached cannot take is found wherever it lies,
    /// in a word or in the tail, and UTF-8's high bytes beside it neither hide nor fake one.
    @Test func everyUnfitByteIsFoundAtEveryPlace() {
        for length in 1...19 {
            for place in 0..<length {
                for byte: UInt8 in [0x00, 0x09, 0x0A, 0x0D, 0x1F, 0x20, 0x7F] {
                    var bytes = Array(repeating: UInt8(0xC3), count: length)
                    for index in stride(from: 1, to: length, by: 2) { bytes[index] = 0xA9 }  // é é é ...
                    bytes[place] = byte
                    #expect(!CacheKey.isValid(String(decoding: bytes, as: UTF8.self)), "\(byte) at \(place) of \(length)")
                }
            }
            #expect(CacheKey.isValid(String(repeating: "k~!", count: length)))
            #expect(CacheKey.isValid(String(repeating: "é", count: length)))
        }
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

    /// Long keys hash exactly as before the digest moved to OpenSSL: a deploy must not
    /// orphan what is cached under the old keys (expected value from Python's hashlib).
    @Test func longKeysKeepTheirHashedForm() throws {
        let wire = try CacheKey.wireKey(String(repeating: "k", count: 300), prefix: "lib:")
        let expected =
            "lib:" + String(repeating: "k", count: 181) + "#"
            + "17b16d8ef494060fefa36a6a41567b8c32d213a17e02b7eeae86158cc4495461"
        #expect(String(decoding: wire, as: UTF8.self) == expected)
    }
}
