import Basics

/// The bytes a JSON string must escape (below 0x20, `"` and `\`), looked for eight bytes a step:
/// the text of a page of books is nearly all bytes that need none.
enum JSONEscapes {
    static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    /// The first index from `start` that may need an escape: past every whole eight bytes that
    /// need none. The caller looks at the rest byte by byte.
    static func skipPlain(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        ByteWords.skip(bytes, from: start) { word in
            ByteWords.below(0x20, in: word) | ByteWords.equal(to: UInt8(ascii: "\""), in: word)
                | ByteWords.equal(to: UInt8(ascii: "\\"), in: word) != 0
        }
    }
}
