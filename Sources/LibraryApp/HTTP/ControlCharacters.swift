/// Control characters (below 0x20, and DEL), looked for eight bytes a step: header values and
/// log lines are checked for them with every request, and nearly never hold one.
enum ControlCharacters {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// Whether any byte of `word` is below 0x20 or is 0x7F. Exact, not a hint (the "hasless"
    /// and "haszero" tests of Bit Twiddling Hacks).
    @inline(__always)
    static func anyIn(_ word: UInt64) -> Bool {
        let control = (word &- ones &* 0x20) & ~word & highBits
        let delete = word ^ (ones &* 0x7F)
        return control | ((delete &- ones) & ~delete & highBits) != 0
    }

    /// The first index from `start` that may hold a control character: past every whole
    /// eight bytes that hold none. What is left (at most the last seven bytes, or from the first
    /// eight that hold one on) is for the caller to look at byte by byte.
    static func skipClean(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var index = start
        while index + 8 <= bytes.count {
            if anyIn(UnsafeRawBufferPointer(bytes).loadUnaligned(fromByteOffset: index, as: UInt64.self)) { break }
            index += 8
        }
        return index
    }
}
