/// Control characters (below 0x20, and DEL), looked for eight bytes a step: header values, log
/// lines and memcached keys are checked for them with every request, and nearly never hold one.
public enum ControlCharacters {
    @usableFromInline static let ones: UInt64 = 0x0101_0101_0101_0101
    @usableFromInline static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// Whether any byte of `word` is below `limit` (at most 0x80) or is 0x7F: with 0x20, a
    /// control character; with 0x21, a control character or a space (what a memcached key cannot
    /// hold). Exact, not a hint (the "hasless" and "haszero" tests of Bit Twiddling Hacks).
    @inlinable @inline(__always)
    public static func anyBelow(_ limit: UInt8, orDeleteIn word: UInt64) -> Bool {
        let below = (word &- ones &* UInt64(limit)) & ~word & highBits
        let delete = word ^ (ones &* 0x7F)
        return below | ((delete &- ones) & ~delete & highBits) != 0
    }

    /// The first index from `start` that may hold a control character (or, with `limit`, any
    /// byte below it): past every whole eight bytes that hold none. What is left (at most the
    /// last seven bytes, or from the first eight that hold one on) is for the caller to look at
    /// byte by byte.
    public static func skipClean(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, below limit: UInt8 = 0x20) -> Int {
        var index = start
        while index + 8 <= bytes.count {
            if anyBelow(limit, orDeleteIn: UnsafeRawBufferPointer(bytes).loadUnaligned(fromByteOffset: index, as: UInt64.self)) { break }
            index += 8
        }
        return index
    }
}
