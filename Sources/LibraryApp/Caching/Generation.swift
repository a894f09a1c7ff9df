import Basics
import Cache

/// Numbers in memcached that cached entries are stamped with. An entry counts only while its
/// stamp — its own generation and the epoch — is current, so bumping a generation voids every
/// entry stamped with it, on every process at once. A missing number (memcached restarted, or
/// evicted) is created at random, which voids them too. Stamps are read before the database
/// is asked, so a write that commits later always wins.
///
/// A generation moves by minor steps (+1) for changes some entries may outlive and by major
/// steps (+2^20) for changes none may. An entry that outlives minor changes is stamped with the
/// generation's major part alone (`currentMajorStamp`). Both kinds live in one number, read in
/// one get: a reader whose generation is newer than a major step always sees that step, which
/// two numbers on two servers could not promise. A million minor steps carry into the major
/// part: a spurious major change, which only makes such entries miss once.
enum Generation {
    /// Of a generation, the bits minor steps move (`bump(_:major:client:)`).
    static let minorBits = 20
    /// Part of every stamp: bumping it voids the whole cache without flushing memcached, whose
    /// rate-limit counters must survive (`CacheCoordinator` does it after lost invalidations).
    static let epochKey = "epoch"

    /// Whether `stamp` (an entry's) is the one read with `reads`: compared in place, byte for
    /// byte, without making the current stamp's string (a cached read checks two).
    static func isCurrent(_ stamp: String, of key: String, in reads: CacheReads) -> Bool {
        guard let generation = reads[key], let epoch = reads[epochKey] else { return false }
        var stamp = stamp
        return stamp.withUTF8 { bytes in
            bytes.count == generation.count + 1 + epoch.count && bytes[generation.count] == UInt8(ascii: "@")
                && same(UnsafeBufferPointer(rebasing: bytes[..<generation.count]), generation)
                && same(UnsafeBufferPointer(rebasing: bytes[(generation.count + 1)...]), epoch)
        }
    }

    /// One `memcmp`, not a generic `elementsEqual` of a slice against an array slice.
    private static func same(_ bytes: UnsafeBufferPointer<UInt8>, _ read: ArraySlice<UInt8>) -> Bool {
        read.withUnsafeBytes { UnsafeRawBufferPointer(bytes).hasSameBytes(as: $0) }
    }

    /// The stamp for an answer about to be read from the database: as read, numbers that were
    /// missing created first.
    static func currentStamp(of key: String, in reads: CacheReads, client: MemcachedClient) throws -> String {
        stamp(try current(key, read: reads[key], client: client), try current(epochKey, read: reads[epochKey], client: client))
    }

    /// The stamp of an entry that outlives minor steps: `<major part>M@<epoch>` (the `M`: never
    /// mistaken for a whole generation's stamp).
    static func currentMajorStamp(of key: String, in reads: CacheReads, client: MemcachedClient) throws -> String {
        let generation = try current(key, read: reads[key], client: client)
        // memcached's own decimal text of a 64-bit counter: a number, unless written by hand
        guard let value = UInt64(String(decoding: generation, as: UTF8.self)) else {
            throw CacheError.other(code: -1, message: "\(key) is not a number")
        }
        let epoch = try current(epochKey, read: reads[epochKey], client: client)
        return String(value >> minorBits) + "M@" + String(decoding: epoch, as: UTF8.self)
    }

    /// A minor step, or a major one (`major`); a missing number is created at random instead.
    static func bump(_ key: String, major: Bool = false, client: MemcachedClient) throws {
        if try client.increment(key, by: major ? 1 << minorBits : 1) == nil { _ = try current(key, read: nil, client: client) }
    }

    private static func current(_ key: String, read: ArraySlice<UInt8>?, client: MemcachedClient) throws -> ArraySlice<UInt8> {
        if let read { return read }
        _ = try client.add(key, Array(String(UInt64.random(in: 1...UInt64.max / 2)).utf8))
        guard let value = try client.get(key) else { throw CacheError.other(code: -1, message: "\(key) vanished") }
        return value[...]
    }

    /// `<generation>@<epoch>`, built in place: one allocation (it is made twice per cached read).
    private static func stamp(_ generation: ArraySlice<UInt8>, _ epoch: ArraySlice<UInt8>) -> String {
        String(unsafeUninitializedCapacity: generation.count + 1 + epoch.count) { buffer in
            let at = buffer.initialize(fromContentsOf: generation)
            buffer[at] = UInt8(ascii: "@")
            return buffer[(at + 1)...].initialize(fromContentsOf: epoch)  // an index of `buffer`: the length
        }
    }
}
