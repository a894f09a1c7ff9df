/// The bytes a JSON string must escape (below 0x20, `"` and `\`), looked for eight bytes a step:
/// the text of a page of books is nearly all bytes that need none.
enum JSONEscapes {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    /// Whether any byte of `word` needs an escape: the "hasless" and "haszero" tests of Bit
    /// Twiddling Hacks, exact for the word as a whole.
    @inline(__always)
    static func anyNeedsEscape(in word: UInt64) -> Bool {
        let control = (word &- ones &* 0x20) & ~word
        let quote = word ^ (ones &* UInt64(UInt8(ascii: "\"")))
        let backslash = word ^ (ones &* UInt64(UInt8(ascii: "\\")))
        return (control | ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)) & highBits != 0
    }

    /// The first index from `start` that may need an escape: past every whole eight bytes that
    /// need none. The caller looks at the rest byte by byte.
    static func skipPlain(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var index = start
        while index + 8 <= bytes.count {
            if anyNeedsEscape(in: UnsafeRawBufferPointer(bytes).loadUnaligned(fromByteOffset: index, as: UInt64.self)) { break }
            index += 8
        }
        return index
    }
}
