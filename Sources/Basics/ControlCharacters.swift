/// Control characters (below 0x20, and DEL), looked for eight bytes a step: header values, log
/// lines and memcached keys are checked for them with every request, and nearly never hold one.
public enum ControlCharacters {
    /// Whether any byte of `word` is below `limit` (at most 0x80) or is 0x7F: with 0x20, a
    /// control character; with 0x21, a control character or a space (what a memcached key cannot
    /// hold). Exact, not a hint.
    @inlinable @inline(__always)
    public static func anyBelow(_ limit: UInt8, orDeleteIn word: UInt64) -> Bool {
        ByteWords.below(limit, in: word) | ByteWords.equal(to: 0x7F, in: word) != 0
    }

    /// The first index from `start` that may hold a control character (or, with `limit`, any
    /// byte below it): past every whole eight bytes that hold none (`ByteWords.skip`).
    public static func skipClean(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, below limit: UInt8 = 0x20) -> Int {
        ByteWords.skip(bytes, from: start) { anyBelow(limit, orDeleteIn: $0) }
    }
}
