import Basics
import Cache
import Foundation
import HTTPTypes

/// Cached responses of a `CacheRegion` (`@cache.cached`): the exact status-200 body and the
/// headers that go with it (`X-Total-Count`, `Link`), keyed by the request target, each stamped
/// with the region's generation when it was read from the database. A write bumps the
/// generation, so every older entry stops counting at once, on every process: the next read is
/// never stale. The generation and the entry are read together (`CacheReads`), so a hit costs
/// one memcached round trip (shared with the token check) and no database work or JSON encoding.
struct ResponseCache {
    let client: MemcachedClient
    let timeoutSeconds: Int

    /// A response as stored: the generation it belongs to, its entity tag, the headers to
    /// replay, and the body bytes.
    struct Entry: Equatable {
        var generation: String
        var etag: String
        var headers: [HTTPField]
        var body: [UInt8]

        static func == (a: Entry, b: Entry) -> Bool {
            a.generation == b.generation && a.etag == b.etag && a.body == b.body && a.headers == b.headers
        }
    }

    /// The replayed headers of a cached list or item.
    static let replayedHeaders: [HTTPField.Name] = [.contentType, .xTotalCount, .link]

    // MARK: keys

    /// A literal per region, not interpolated: read twice per cached read.
    static func generationKey(_ region: CacheRegion) -> String {
        switch region {
        case .books: "generation:books"
        }
    }

    /// The stamp for an answer about to be read from the database (see `Generation`).
    func stamp(of region: CacheRegion, in reads: CacheReads) throws -> String {
        try Generation.currentStamp(of: Self.generationKey(region), in: reads, client: client)
    }

    /// Makes every cached answer of the `books` region stale, and after a catalogue change also
    /// what outlives a loan (`ListCountCache`).
    func invalidate(_ invalidation: CacheInvalidation) throws {
        try Generation.bump(Self.generationKey(.books), major: invalidation == .catalogue, client: client)
    }

    /// The key of a request target: path plus the first value of each parameter the route reads
    /// (`Route.query`, in its order: sorted by name). Handlers read only those, and only their
    /// first value, so requests that differ in anything else get the same answer: one entry.
    static func key(region: CacheRegion, request: Request, parameters: [String]) -> String {
        let hasQuery = !parameters.isEmpty && !request.query.pairs.isEmpty
        var key = keyHead(region: region, path: request.rawPath, room: hasQuery ? 64 : 0)
        guard hasQuery else { return key }
        var first = true
        for name in parameters {
            guard let value = request.query[name] else { continue }
            if !first { key += "&" }
            key += Pagination.encode(name)
            key += "="
            key += Pagination.encode(value)
            first = false
        }
        return key
    }

    /// `response:<region>:<path>?`, its pieces' bytes copied into one string, with `room` for
    /// the parameters: built for every request of a cached route (`+=` took the string's general
    /// append, ~270 instructions a piece).
    private static func keyHead(region: CacheRegion, path: String, room: Int) -> String {
        let prefix: StaticString = "response:"
        var region = region.rawValue, path = path
        return region.withUTF8 { region in
            path.withUTF8 { path in
                String(unsafeUninitializedCapacity: prefix.utf8CodeUnitCount + region.count + path.count + 2 + room) { buffer in
                    var count = 0
                    func put(_ bytes: UnsafeBufferPointer<UInt8>) {
                        count = UnsafeMutableBufferPointer(rebasing: buffer[count...]).initialize(fromContentsOf: bytes) + count
                    }
                    put(UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount))
                    put(region)
                    buffer[count] = UInt8(ascii: ":")
                    count += 1
                    put(path)
                    buffer[count] = UInt8(ascii: "?")
                    return count + 1
                }
            }
        }
    }

    /// What a cached route reads before deciding: the region's generation, the epoch, the entry
    /// (under `answerKey`, what `key` gives).
    static func keys(region: CacheRegion, answerKey: String) -> [String] {
        [generationKey(region), Generation.epochKey, answerKey]
    }

    // MARK: entries

    /// Sealed (`CacheEntrySeal`): the reader believes only what this service wrote under `key`.
    func store(_ entry: Entry, forKey key: String, seal: CacheEntrySeal) throws {
        try client.setWithoutReply(key, seal.seal(Self.encode(entry), key: key, lifetime: timeoutSeconds), expiration: timeoutSeconds)
    }

    /// `generation \n etag \n name: value \n ... \n \n body` — header values never hold a newline.
    static func encode(_ entry: Entry) -> [UInt8] {
        var text = entry.generation + "\n" + entry.etag + "\n"
        for field in entry.headers { text += "\(field.name.rawName): \(field.value)\n" }
        text += "\n"
        return Array(text.utf8) + entry.body
    }

    static func decode(_ bytes: [UInt8]) -> Entry? { decode(bytes[...]) }

    static func decode(_ bytes: ArraySlice<UInt8>) -> Entry? {
        var lines: [ArraySlice<UInt8>] = []
        lines.reserveCapacity(2 + replayedHeaders.count)  // grown once, not three times
        var start = bytes.startIndex
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index] == 0x0A {
                if index == start {  // the blank line: the body follows
                    guard lines.count >= 2 else { return nil }
                    let headers = lines.dropFirst(2).compactMap { line -> HTTPField? in
                        // `name: value`, split at the first ": "
                        guard let colon = line.indices.first(where: { $0 + 1 < line.endIndex && line[$0] == 0x3A && line[$0 + 1] == 0x20 }),
                            let name = HTTPField.Name(String(decoding: line[..<colon], as: UTF8.self))
                        else { return nil }
                        return HTTPField(name: name, value: String(decoding: line[(colon + 2)...], as: UTF8.self))
                    }
                    return Entry(
                        generation: String(decoding: lines[0], as: UTF8.self), etag: String(decoding: lines[1], as: UTF8.self),
                        headers: headers, body: Array(bytes[(index + 1)...]))
                }
                lines.append(bytes[start..<index])
                start = index + 1
            }
            index += 1
        }
        return nil
    }

    /// A strong entity tag of the body: a 64-bit hash of every byte, quoted (RFC 9110 §8.8.3).
    /// Eight bytes a step (rotate, xor, multiply, as rustc's FxHash) and SplitMix64's finaliser
    /// at the end: a never-cached list page hashes its ~4.8 KB answer, which FNV-1a, a multiply
    /// per byte, made ~2 % of the page's CPU.
    static func etag(of body: [UInt8]) -> String {
        var hash = 0xCBF2_9CE4_8422_2325 ^ UInt64(body.count)
        body.withUnsafeBytes { bytes in
            func mix(_ word: UInt64) {
                hash = ((hash << 5 | hash >> 59) ^ word) &* 0x517C_C1B7_2722_0A95
            }
            var offset = 0
            while offset + 8 <= bytes.count {
                mix(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
                offset += 8
            }
            var tail: UInt64 = 0
            for byte in bytes[offset...].reversed() { tail = tail << 8 | UInt64(byte) }
            mix(tail)
        }
        hash = (hash ^ (hash >> 30)) &* 0xBF58_476D_1CE4_E5B9
        hash = (hash ^ (hash >> 27)) &* 0x94D0_49BB_1331_11EB
        return "\"" + Hex.string(hash ^ (hash >> 31)) + "\""
    }

    /// `If-Match` (strong comparison, RFC 9110 §13.1.1): `*` matches any current
    /// representation, a list matches if any member is `etag`; a weak tag never matches.
    static func matches(ifMatch header: String, etag: String) -> Bool {
        if header.trimmingCharacters(in: .whitespaces) == "*" { return true }
        return header.split(separator: ",").contains { candidate in
            let tag = candidate.trimmingCharacters(in: .whitespaces)
            return !tag.hasPrefix("W/") && tag == etag
        }
    }

    /// `If-None-Match` (weak comparison, as RFC 9110 §13.1.2 asks for GET/HEAD): `*` or any listed tag.
    static func matches(ifNoneMatch header: String?, etag: String) -> Bool {
        guard let header else { return false }
        if header.trimmingCharacters(in: .whitespaces) == "*" { return true }
        let opaque = etag.hasPrefix("W/") ? String(etag.dropFirst(2)) : etag
        return header.split(separator: ",").contains { candidate in
            let tag = candidate.trimmingCharacters(in: .whitespaces)
            return (tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag) == opaque
        }
    }
}
