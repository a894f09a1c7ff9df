/// Tests on the eight bytes of a word at once, for scans that look for rare bytes eight bytes a
/// step (control characters in header values and memcached keys, JSON's escapes): the "hasless"
/// and "haszero" tests of Bit Twiddling Hacks. Each mask is nonzero exactly when some byte of
/// the word matches; which bits it sets does not say exactly which byte.
public enum ByteWords {
    @usableFromInline static let ones: UInt64 = 0x0101_0101_0101_0101
    @usableFromInline static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// Nonzero when a byte of `word` is below `limit` (at most 0x80).
    @inlinable @inline(__always)
    public static func below(_ limit: UInt8, in word: UInt64) -> UInt64 {
        (word &- ones &* UInt64(limit)) & ~word & highBits
    }

    /// Nonzero when a byte of `word` is `byte`.
    @inlinable @inline(__always)
    public static func equal(to byte: UInt8, in word: UInt64) -> UInt64 {
        let difference = word ^ (ones &* UInt64(byte))
        return (difference &- ones) & ~difference & highBits
    }

    /// The first index from `start` whose eight bytes `matches` flags, past every whole eight
    /// bytes it does not: what is left (at most the last seven bytes, or from the first eight
    /// flagged on) is for the caller to look at byte by byte.
    @inlinable
    public static func skip(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, untilAny matches: (UInt64) -> Bool
    ) -> Int {
        var index = start
        while index + 8 <= bytes.count {
            if matches(UnsafeRawBufferPointer(bytes).loadUnaligned(fromByteOffset: index, as: UInt64.self)) { break }
            index += 8
        }
        return index
    }
}
