import Basics
import Glibc

/// The last sealed cache entries this worker thread opened, by key: the bytes read, their
/// expiry, and what they decoded to. A cached read mostly finds the very value it found the
/// last time (the same token's check, the same popular page). Bytes identical to a value this
/// thread already checked under the same key have the same tag, so neither the HMAC (for a list
/// page, over ~5 KB) nor the decoding is done again: one `memcmp` instead. The expiry is still
/// checked, and so is everything the caller checks after (generations, the user's id). Bytes
/// that differ in anything go through `CacheEntrySeal.open` as before, where a forged value is
/// refused and counted. Per thread (`Context`), so no lock; a few slots, the oldest replaced.
struct OpenedEntries<Decoded> {
    static var capacity: Int { 8 }

    private struct Slot {
        let key: String
        let sealed: [UInt8]
        let expiry: Int64
        let decoded: Decoded
    }

    private var slots: [Slot] = []
    private var oldest = 0

    init() {}

    /// What `sealed`, read under `key`, decodes to; nil when it is absent, expired, forged, or
    /// does not decode. `decode` runs only for bytes not opened here before.
    mutating func open(
        _ read: ArraySlice<UInt8>?, key: String, seal: CacheEntrySeal, now: Int64 = Int64(time(nil)),
        decode: (ArraySlice<UInt8>) -> Decoded?
    ) -> Decoded? {
        guard let read else { return nil }
        // Byte for byte, as the seal covers the key: String's == would equate canonically
        // equivalent keys with different bytes.
        let known = slots.firstIndex { $0.key.hasSameUTF8(as: key) }
        if let known, Self.identical(slots[known].sealed, read) {
            return slots[known].expiry >= now ? slots[known].decoded : nil
        }
        let sealed = Array(read)  // the slot keeps these bytes (a value that fails to open is copied too: rare)
        guard let payload = seal.open(sealed, key: key), let decoded = decode(payload) else { return nil }
        let slot = Slot(key: key, sealed: sealed, expiry: CacheEntrySeal.expiry(of: sealed), decoded: decoded)
        if let known {
            slots[known] = slot  // the key's newer value: one slot per key
        } else if slots.count < Self.capacity {
            slots.append(slot)
        } else {
            slots[oldest] = slot
            oldest = (oldest + 1) % Self.capacity
        }
        return decoded
    }

    private static func identical(_ a: [UInt8], _ b: ArraySlice<UInt8>) -> Bool {
        a.count == b.count && !a.isEmpty
            && a.withUnsafeBytes { a in b.withUnsafeBytes { b in memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 } }
    }
}
