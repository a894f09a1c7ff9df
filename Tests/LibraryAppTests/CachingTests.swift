import Cache
import Foundation
import Logging
import HTTPTypes
import Testing
@testable import LibraryApp
import Models

@Suite struct ResponseCacheTests {
    @Test func entriesRoundTripWithHeadersAndBinaryBody() {
        let entry = ResponseCache.Entry(
            generation: "42", etag: "\"0123456789abcdef\"",
            headers: [
                HTTPField(name: .contentType, value: "application/json"), HTTPField(name: .xTotalCount, value: "3"),
                HTTPField(name: .link, value: "</books?page=2&per_page=2>; rel=\"next\""),
            ],
            body: Array("[{\"title\":\"a\\nb\"}]".utf8) + [0x0A, 0x0A, 0x00])
        #expect(ResponseCache.decode(ResponseCache.encode(entry)) == entry)
        #expect(ResponseCache.decode(Array("no blank line".utf8)) == nil)
    }

    @Test func etagsAreStrongStableAndDifferPerBody() {
        let tag = ResponseCache.etag(of: Array("{}".utf8))
        #expect(tag == ResponseCache.etag(of: Array("{}".utf8)))
        #expect(tag != ResponseCache.etag(of: Array("{ }".utf8)))
        #expect(tag.hasPrefix("\"") && tag.hasSuffix("\"") && tag.count == 18)
    }

    /// The hash takes eight bytes a step: a change in any byte, in a whole word or in the tail,
    /// and a body only longer by zero bytes, must each give another tag.
    @Test func etagsDifferForEveryChangedByteAndLength() {
        var page = Array(repeating: UInt8(ascii: "a"), count: 4_803)
        var tags: Set<String> = [ResponseCache.etag(of: page)]
        for index in page.indices {
            page[index] = UInt8(ascii: "b")
            tags.insert(ResponseCache.etag(of: page))
            page[index] = UInt8(ascii: "a")
        }
        #expect(tags.count == page.count + 1)
        let zeros = (0...17).map { ResponseCache.etag(of: Array(repeating: 0, count: $0)) }
        #expect(Set(zeros).count == zeros.count)
    }

    @Test func ifNoneMatchUsesWeakComparison() {
        let tag = "\"abc\""
        #expect(ResponseCache.matches(ifNoneMatch: "\"abc\"", etag: tag))
        #expect(ResponseCache.matches(ifNoneMatch: "W/\"abc\"", etag: tag))
        #expect(ResponseCache.matches(ifNoneMatch: "\"x\", \"abc\"", etag: tag))
        #expect(ResponseCache.matches(ifNoneMatch: "*", etag: tag))
        #expect(!ResponseCache.matches(ifNoneMatch: "\"abd\"", etag: tag))
        #expect(!ResponseCache.matches(ifNoneMatch: nil, etag: tag))
    }

    @Test func keysIgnoreParameterOrderButNotValues() throws {
        func request(_ query: Substring) throws -> Request {
            Request(method: .get, pathSegments: ["books"], rawPath: "/books", query: try QueryParameters(parsing: query))
        }
        let parameters = BookListQuery.parameterNames.sorted()
        let a = ResponseCache.key(region: .books, request: try request("q=war&page=2"), parameters: parameters)
        let b = ResponseCache.key(region: .books, request: try request("page=2&q=war"), parameters: parameters)
        let d = ResponseCache.key(region: .books, request: try request("page=3&q=war"), parameters: parameters)
        #expect(a == b)
        #expect(a != d)
        #expect(!a.contains(" "))
    }

    /// The keys' exact text: entries written by the version before stay found after an upgrade.
    @Test func keysKeepTheirForm() throws {
        func key(_ path: String, _ query: Substring, _ parameters: [String]) throws -> String {
            ResponseCache.key(
                region: .books,
                request: Request(method: .get, pathSegments: [], rawPath: path, query: try QueryParameters(parsing: query)),
                parameters: parameters)
        }
        #expect(try key("/books/21", "", []) == "response:books:/books/21?")
        #expect(try key("/books/21", "x=1", []) == "response:books:/books/21?")
        #expect(try key("/caf%C3%A9/é", "", []) == "response:books:/caf%C3%A9/é?")
        let list = BookListQuery.parameterNames.sorted()
        #expect(try key("/books", "", list) == "response:books:/books?")
        #expect(try key("/books", "q=war%20and+peace&page=2", list) == "response:books:/books?page=2&q=war%20and%20peace")
    }

    /// Issue 10: unknown parameters made every request a new entry (cache flooding).
    @Test func onlyTheParametersTheRouteReadsMakeTheKey() throws {
        func key(_ query: Substring, _ parameters: [String] = BookListQuery.parameterNames.sorted()) throws -> String {
            ResponseCache.key(
                region: .books,
                request: Request(
                    method: .get, pathSegments: ["books"], rawPath: "/books",
                    query: try QueryParameters(parsing: query)), parameters: parameters)
        }
        #expect(try key("q=war&utm=1&x=2") == key("q=war"))
        #expect(try key("q=war&" + Substring(String(repeating: "junk=1&", count: 50))) == key("q=war"))
        #expect(try key("q=war") != key("q=peace"))
        #expect(try key("anything=1", []) == key("", []))
    }
}

@Suite struct PaginationLinkTests {
    private func link(_ query: Substring, page: Int = 2) throws -> String? {
        Pagination(page: page, perPage: 10).headers(
            total: 100, path: "/books", query: try QueryParameters(parsing: query),
            filters: BookListQuery.filterNames)[.link]
    }

    /// Issue 10: 20 unknown parameters of 200 bytes, each repeated in every link, overflowed
    /// nginx's FastCGI header buffer: 502.
    @Test func unknownParametersAreNotRepeatedBack() throws {
        let junk = (1...20).map { "p\($0)=" + String(repeating: "x", count: 200) }.joined(separator: "&")
        let links = try #require(try link(Substring("q=war&sort=-title&" + junk)))
        #expect(!links.contains("xxx") && links.contains("q=war") && links.contains("sort=-title"))
        #expect(links.contains("<" + "/books?q=war&sort=-title&page=3&per_page=10>; rel=\"next\""))
    }

    @Test func theLinksNameFirstPrevNextAndLastWithTheFiltersEncoded() throws {
        #expect(
            try link("sort=-title&q=caf%C3%A9%20noir&available=true&per_page=7&page=5", page: 2)
                == "</books?q=caf%C3%A9%20noir&available=true&sort=-title&page=1&per_page=10>; rel=\"first\", "
                + "</books?q=caf%C3%A9%20noir&available=true&sort=-title&page=1&per_page=10>; rel=\"prev\", "
                + "</books?q=caf%C3%A9%20noir&available=true&sort=-title&page=3&per_page=10>; rel=\"next\", "
                + "</books?q=caf%C3%A9%20noir&available=true&sort=-title&page=10&per_page=10>; rel=\"last\"")
        #expect(
            try link("", page: 1)
                == "</books?page=1&per_page=10>; rel=\"first\", </books?page=2&per_page=10>; rel=\"next\", "
                + "</books?page=10&per_page=10>; rel=\"last\"")
    }

    @Test func onlyTheFirstOfARepeatedFilterIsKept() throws {
        let links = try #require(try link("q=a&q=b"))
        #expect(links.contains("q=a") && !links.contains("q=b"))
    }

    @Test func aLinkOverTheBoundIsLeftOut() throws {
        let long = String(repeating: "é", count: 255)  // 6 bytes each, percent-encoded, in four links
        #expect(try link(Substring("q=" + long)) == nil)
        #expect(try link(Substring("q=" + String(repeating: "a", count: 100))) != nil)
        for query in ["q=" + long + "&author=" + long, String(repeating: "q=x&", count: 500)] {
            #expect((try link(Substring(query))?.utf8.count ?? 0) <= Pagination.maximumLinkLength)
        }
    }
}

@Suite struct CacheEntrySealTests {
    private let seal = CacheEntrySeal(secretKey: String(repeating: "k", count: 32), logger: .init(label: "test"))

    @Test func aSealedEntryOpensUnderItsOwnKeyOnly() throws {
        let payload = Array("12@34 5".utf8)
        let sealed = seal.seal(payload, key: "count:books:q=a", lifetime: 60)
        #expect(sealed.count == payload.count + CacheEntrySeal.expiryLength + CacheEntrySeal.tagLength)
        #expect(seal.open(sealed, key: "count:books:q=a").map(Array.init) == payload)
        #expect(seal.open(sealed, key: "count:books:q=b") == nil)  // moved to another key
        #expect(seal.open(nil, key: "count:books:q=a") == nil)
    }

    /// What someone writing memcached directly can do: change a byte, drop the tag, write a
    /// value of their own, or seal with another secret.
    @Test func forgedOrAlteredEntriesAreRefused() {
        let key = "auth:abc"
        let sealed = seal.seal(Array("payload".utf8), key: key, lifetime: 60)
        var flipped = sealed
        flipped[0] ^= 1
        var badTag = sealed
        badTag[badTag.count - 1] ^= 0x80
        let otherSecret = CacheEntrySeal(secretKey: String(repeating: "j", count: 32), logger: .init(label: "test"))
        for forged in [
            flipped, badTag, Array(sealed.dropLast(CacheEntrySeal.tagLength)), Array("payload".utf8), [],
            Array(sealed.prefix(CacheEntrySeal.tagLength - 1)), otherSecret.seal(Array("payload".utf8), key: key, lifetime: 60),
        ] {
            #expect(seal.open(forged, key: key) == nil)
        }
        // The key's length is in the tag: moving bytes between key and value changes it.
        #expect(seal.open(seal.seal(Array("bc".utf8), key: "a", lifetime: 60), key: "ab") == nil)
    }

    /// A former genuine entry written back with a new memcached lifetime still ends when it did:
    /// its expiry is under the tag (issue 10: a replay is bounded by the entry's own lifetime).
    @Test func anEntryPastItsExpiryIsAMissEvenWithAGoodTag() {
        #expect(seal.open(seal.seal(Array("old".utf8), key: "auth:x", lifetime: -1), key: "auth:x") == nil)
        var later = seal.seal(Array("old".utf8), key: "auth:x", lifetime: -1)
        let expiryAt = later.count - CacheEntrySeal.tagLength - 1
        later[expiryAt] &+= 100  // pushed into the future by hand: the tag no longer matches
        #expect(seal.open(later, key: "auth:x") == nil)
        #expect(seal.open(seal.seal(Array("new".utf8), key: "auth:x", lifetime: 5), key: "auth:x").map(Array.init) == Array("new".utf8))
    }

    @Test func anEmptyPayloadSealsToo() {
        #expect(seal.open(seal.seal([], key: "k", lifetime: 60), key: "k").map(Array.init) == [])
    }
}

@Suite struct OpenedEntriesTests {
    private let seal = CacheEntrySeal(secretKey: String(repeating: "k", count: 32), logger: .init(label: "test"))

    /// A value as a request's reads hand it over (`MemcachedValues`): a slice of a larger buffer.
    private func read(_ value: [UInt8]) -> ArraySlice<UInt8> {
        (Array("VALUE".utf8) + value + Array("END".utf8))[5..<(5 + value.count)]
    }

    /// Decodes the payload as text, counting the calls.
    private final class Decoder {
        var calls = 0
        func decode(_ payload: ArraySlice<UInt8>) -> String? {
            calls += 1
            return String(decoding: payload, as: UTF8.self)
        }
    }

    @Test func theSameBytesAgainAreNeitherCheckedNorDecodedAgain() {
        var opened = OpenedEntries<String>()
        let decoder = Decoder()
        let sealed = seal.seal(Array("page".utf8), key: "response:books:/books?", lifetime: 60)
        for _ in 0..<3 {
            #expect(opened.open(read(sealed), key: "response:books:/books?", seal: seal, decode: decoder.decode) == "page")
        }
        #expect(decoder.calls == 1)
        // A newer value under the key is checked and decoded, and then remembered instead.
        let newer = seal.seal(Array("page 2".utf8), key: "response:books:/books?", lifetime: 60)
        #expect(opened.open(read(newer), key: "response:books:/books?", seal: seal, decode: decoder.decode) == "page 2")
        #expect(opened.open(read(newer), key: "response:books:/books?", seal: seal, decode: decoder.decode) == "page 2")
        #expect(decoder.calls == 2)
    }

    /// Remembering a genuine value must not let an altered one, or the same one under another
    /// key, through.
    @Test func forgedOrMovedBytesAreStillRefused() {
        var opened = OpenedEntries<String>()
        let decoder = Decoder()
        let sealed = seal.seal(Array("user 7".utf8), key: "auth:a", lifetime: 60)
        #expect(opened.open(read(sealed), key: "auth:a", seal: seal, decode: decoder.decode) == "user 7")
        var altered = sealed
        altered[5] = UInt8(ascii: "8")
        #expect(opened.open(read(altered), key: "auth:a", seal: seal, decode: decoder.decode) == nil)
        #expect(opened.open(read(sealed), key: "auth:b", seal: seal, decode: decoder.decode) == nil)
        #expect(opened.open(nil, key: "auth:a", seal: seal, decode: decoder.decode) == nil)
        #expect(opened.open(read(sealed), key: "auth:a", seal: seal, decode: decoder.decode) == "user 7")
    }

    @Test func aRememberedValuePastItsExpiryIsAMiss() {
        var opened = OpenedEntries<String>()
        let decoder = Decoder()
        let sealed = seal.seal(Array("old".utf8), key: "auth:x", lifetime: 5)
        let expiry = CacheEntrySeal.expiry(of: sealed)
        #expect(opened.open(read(sealed), key: "auth:x", seal: seal, now: expiry - 5, decode: decoder.decode) == "old")
        #expect(opened.open(read(sealed), key: "auth:x", seal: seal, now: expiry, decode: decoder.decode) == "old")
        #expect(opened.open(read(sealed), key: "auth:x", seal: seal, now: expiry + 1, decode: decoder.decode) == nil)
    }

    @Test func moreKeysThanSlotsEachStillOpen() {
        var opened = OpenedEntries<String>()
        let decoder = Decoder()
        let count = OpenedEntries<String>.capacity * 2 + 1
        let values = (0..<count).map { seal.seal(Array("v\($0)".utf8), key: "k\($0)", lifetime: 60) }
        for _ in 0..<2 {
            for (index, value) in values.enumerated() {
                #expect(opened.open(read(value), key: "k\(index)", seal: seal, decode: decoder.decode) == "v\(index)")
            }
        }
        #expect(decoder.calls == count * 2)  // each replaced before it came round again
        #expect(opened.open(read(values[count - 1]), key: "k\(count - 1)", seal: seal, decode: decoder.decode) == "v\(count - 1)")
        #expect(decoder.calls == count * 2)
    }
}

@Suite struct GenerationStampTests {
    /// Reads as a request's one multi-get hands them over: values one after another in a buffer.
    private func reads(_ values: [String: String]) -> CacheReads {
        let keys = ["generation:books", Generation.epochKey]
        var found = MemcachedValues(keys: keys, counters: [])
        for (index, key) in keys.enumerated() {
            if let value = values[key] { Array(value.utf8).withUnsafeBytes { found.found(index, $0) } }
        }
        return CacheReads(values: found)
    }

    @Test func aStampIsCurrentOnlyWhenBothNumbersAreTheOnesRead() {
        let read = reads(["generation:books": "41", Generation.epochKey: "907"])
        #expect(Generation.isCurrent("41@907", of: "generation:books", in: read))
        for stale in ["42@907", "41@906", "41@9070", "4@907", "41907", "41@90", "", "41@907 "] {
            #expect(!Generation.isCurrent(stale, of: "generation:books", in: read), "\(stale)")
        }
        #expect(!Generation.isCurrent("41@907", of: "generation:other", in: read))
        #expect(!Generation.isCurrent("41@", of: "generation:books", in: reads(["generation:books": "41"])))
    }

    /// What outlives loans (a list's count and sort keys without `available`) is stamped with
    /// the major part: the same across minor steps, another after a major one. Both numbers are
    /// read here, so the client, whose server does not exist, is never asked.
    @Test func aMajorStampChangesOnlyWithAMajorStep() throws {
        let client = MemcachedClient(configuration: try MemcachedConfiguration(serverList: "/nonexistent/library-test/memcached.sock"))
        func major(_ generation: UInt64) throws -> String {
            try Generation.currentMajorStamp(
                of: "generation:books", in: reads(["generation:books": "\(generation)", Generation.epochKey: "907"]), client: client)
        }
        let step = UInt64(1) << Generation.minorBits
        let start = 5 * step + 17
        #expect(try major(start) == major(start + 1))
        #expect(try major(start) == major(start + 1000))
        #expect(try major(start) != major(start + step))
        #expect(try major(start) != major(UInt64.max / 2))  // another number (memcached restarted: created at random)
        #expect(try major(start).hasSuffix("@907"))
        #expect(
            try major(start)
                != Generation.currentStamp(
                    of: "generation:books", in: reads(["generation:books": "5", Generation.epochKey: "907"]), client: client))
        #expect(throws: (any Error).self) {
            try Generation.currentMajorStamp(
                of: "generation:books", in: reads(["generation:books": "x1", Generation.epochKey: "907"]), client: client)
        }
    }
}

@Suite struct ClientAddressTests {
    @Test func remoteAddressUnlessThePeerIsATrustedProxy() {
        #expect(ClientAddress.resolve(remoteAddress: "10.0.0.9", forwardedFor: "1.2.3.4", trustedProxies: []) == "10.0.0.9")
        #expect(ClientAddress.resolve(remoteAddress: "10.0.0.1", forwardedFor: "1.2.3.4", trustedProxies: ["10.0.0.1"]) == "1.2.3.4")
        #expect(ClientAddress.resolve(remoteAddress: "10.0.0.1", forwardedFor: nil, trustedProxies: ["10.0.0.1"]) == "10.0.0.1")
    }

    /// Issue 10: an IPv6 client picks any of the 2^64 addresses of its /64.
    @Test func ipv6ClientsAreKeyedByTheirSlash64() {
        #expect(ClientAddress.limitKey("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64")
        #expect(ClientAddress.limitKey("2001:db8:1:2:ffff:ffff:ffff:ffff") == "2001:db8:1:2::/64")
        #expect(ClientAddress.limitKey("2001:db8:1:3::1") == "2001:db8:1:3::/64")
        #expect(ClientAddress.limitKey("2001:DB8:1:2::9") == "2001:db8:1:2::/64")
        #expect(ClientAddress.limitKey("::1") == "::/64")
        #expect(ClientAddress.limitKey("[2001:db8:1:2::7]:443") == "2001:db8:1:2::/64")
        #expect(ClientAddress.limitKey("fe80::1%eth0") == "fe80::/64")
    }

    @Test func ipv4AndMappedIPv4AreKeyedByTheFullAddress() {
        #expect(ClientAddress.limitKey("192.0.2.1") == "192.0.2.1")
        #expect(ClientAddress.limitKey("::ffff:192.0.2.1") == "192.0.2.1")
        #expect(ClientAddress.limitKey("::FFFF:c000:0201") == "192.0.2.1")
        #expect(ClientAddress.limitKey("unknown") == "unknown")
        #expect(ClientAddress.limitKey("not:an:address") == "not:an:address")
    }

    @Test func theForwardedClientIsKeyedTheSameWay() {
        #expect(
            ClientAddress.resolve(remoteAddress: "10.0.0.1", forwardedFor: "2001:db8::5", trustedProxies: ["10.0.0.1"])
                == "2001:db8::/64")
        #expect(ClientAddress.resolve(remoteAddress: "2001:db8:0:0:1::1", forwardedFor: nil, trustedProxies: []) == "2001:db8::/64")
    }

    @Test func theNearestUntrustedHopWinsSoClientsCannotForgeTheirWayIn() {
        let proxies: Set = ["10.0.0.1", "10.0.0.2"]
        #expect(
            ClientAddress.resolve(
                remoteAddress: "10.0.0.1", forwardedFor: "6.6.6.6, 1.2.3.4, 10.0.0.2",
                trustedProxies: proxies) == "1.2.3.4")
    }
}

@Suite struct RateLimitConfigurationTests {
    @Test func defaultsFollowTheContract() throws {
        let limits = try Configuration.fromEnvironment([:]).rateLimits
        #expect(limits.enabled && !limits.failClosed)
        #expect(limits.limits(for: .default).map(\.description) == ["200 per 1 day"])
        #expect(limits.limits(for: .login).map(\.description) == ["5 per 10 minute"])
        #expect(limits.limits(for: .register).map(\.description) == ["20 per 1 hour"])
        #expect(limits.limits(for: .exempt).isEmpty)
    }

    @Test func environmentOverridesAndRejectsNonsense() throws {
        let configuration = try Configuration.fromEnvironment([
            "RATELIMIT_ENABLED": "false", "RATELIMIT_DEFAULT": "100/hour;1000 per day", "RATELIMIT_TRUSTED_PROXIES": "10.0.0.1, 10.0.0.2",
        ])
        #expect(!configuration.rateLimits.enabled)
        #expect(configuration.rateLimits.defaultLimits.count == 2)
        #expect(configuration.rateLimits.trustedProxies == ["10.0.0.1", "10.0.0.2"])
        for bad in ["lots", "5 per fortnight", "0 per minute per day", ""] where !bad.isEmpty {
            #expect(throws: Configuration.Invalid.self) { try Configuration.fromEnvironment(["RATELIMIT_LOGIN": bad]) }
        }
        #expect(throws: Configuration.Invalid.self) { try Configuration.fromEnvironment(["CACHE_DEFAULT_TIMEOUT": "-1"]) }
        #expect(throws: Configuration.Invalid.self) { try Configuration.fromEnvironment(["MEMCACHED_SERVERS": "host:notaport"]) }
    }
}

@Suite struct CacheKeyOrderTests {
    /// Handlers read the first of repeated parameters: `page=5&page=1` is page 5, `page=1&page=5`
    /// page 1, so they must not share a cached answer (found by review).
    @Test func repeatedParametersKeepTheirOrderInTheKey() throws {
        func key(_ query: Substring) throws -> String {
            ResponseCache.key(
                region: .books,
                request: Request(
                    method: .get, pathSegments: ["books"], rawPath: "/books",
                    query: try QueryParameters(parsing: query)),
                parameters: BookListQuery.parameterNames.sorted())
        }
        #expect(try key("page=5&page=1") != key("page=1&page=5"))
        #expect(try key("q=a&page=5&page=1") == key("page=5&q=a&page=1"))
    }

    @Test func headerLinesWithEmptyValuesDecodeWithoutTrapping() {
        let bytes = Array("1\n\"e\"\nX-Empty:\nLink: \n\n{}".utf8)
        let entry = ResponseCache.decode(bytes)
        #expect(entry?.headers.map { $0.name } == [.link])
        #expect(entry?.body == Array("{}".utf8))
    }
}

@Suite struct AuthCacheEntryTests {
    @Test func anEntryRoundTripsEveryField() throws {
        let created = Date(timeIntervalSince1970: 1_700_000_000.123456)
        for user in [
            User(id: 7, username: "ada", email: "ada@example.org", firstName: "Ada\n:-1", lastName: nil, role: .admin, createdAt: created),
            User(id: 8, username: "b.b", email: "b@example.org", firstName: "", lastName: "Lovelace ✓", role: .user, createdAt: created),
        ] {
            let decoded = try #require(AuthCache.decode(AuthCache.encode(user, generation: "12@34")))
            #expect(decoded.generation == "12@34")
            #expect(decoded.user == user)
        }
    }

    @Test func damagedEntriesAreMisses() {
        let good = AuthCache.encode(
            User(
                id: 1, username: "ada", email: "a@b.c", firstName: nil, lastName: nil, role: .user,
                createdAt: Date(timeIntervalSince1970: 0)), generation: "1@1")
        for bad in [[], Array(good.dropLast()), good + [0x31], Array("{\"generation\":\"1@1\"}".utf8), Array("99999999999:x".utf8)] {
            #expect(AuthCache.decode(bad) == nil)
        }
    }
}

@Suite struct QueueWaitTests {
    @Test func waitsAreMeasuredFromTheWebServersStartTime() {
        #expect(QueueWait.seconds(since: nil, now: 100) == nil)
        #expect(QueueWait.seconds(since: "junk", now: 100) == nil)
        #expect(QueueWait.seconds(since: "nan", now: 100) == nil)
        #expect(QueueWait.seconds(since: "99.750", now: 100) == 0.25)
        #expect(QueueWait.seconds(since: "101.5", now: 100) == 0)  // clocks a little apart: no wait
        #expect(QueueWait.seconds(since: "30", now: 100) == nil)  // 70 s: a clock apart, not a queue
        #expect(QueueWait.seconds(since: "-1e300", now: 100) == nil)
        for text in ["1732612345.678", "1732612345", "1732612345.", ".5", "0.000", "12345678901234567.89", "1e9", "+5", "1.2.3", "", "."] {
            #expect(QueueWait.epochSeconds(text) == Double(text), "\(text)")
        }
        let refused = QueueWait.overloaded(waited: 2)
        #expect(refused.status == .serviceUnavailable)
        #expect(refused.headers[.retryAfter] == "1")
    }
}
