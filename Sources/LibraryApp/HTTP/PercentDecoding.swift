/// Percent-decoding of URL path segments and query components (RFC 3986), producing UTF-8 text.
enum PercentDecoding {
    enum Failure: Error { case badEscape, invalidUTF8 }

    /// Decodes `%XX` escapes; with `plusAsSpace` also `+` (form encoding, for query strings).
    /// Text with nothing to decode (most path segments and query values) is already valid
    /// UTF-8: it is taken as it is, without a byte buffer and a second validation.
    static func decode(_ text: Substring.UTF8View, plusAsSpace: Bool) throws(Failure) -> String {
        let hasEscape = text.contains { $0 == UInt8(ascii: "%") || (plusAsSpace && $0 == UInt8(ascii: "+")) }
        return hasEscape ? try decodeEscapes(text, plusAsSpace: plusAsSpace) : String(Substring(text))
    }

    /// A path segment's bytes, cut from a valid string: taken as they are when they hold no
    /// `%` (they are valid UTF-8 already), else decoded.
    static func decode(_ segment: UnsafeBufferPointer<UInt8>) throws(Failure) -> String {
        guard segment.contains(UInt8(ascii: "%")) else { return String(decoding: segment, as: UTF8.self) }
        return try decodeEscapes(segment, plusAsSpace: false)
    }

    static func decode<S: Sequence>(_ bytes: S, plusAsSpace: Bool) throws(Failure) -> String where S.Element == UInt8 {
        try decodeEscapes(bytes, plusAsSpace: plusAsSpace)
    }

    private static func decodeEscapes<S: Sequence>(_ bytes: S, plusAsSpace: Bool) throws(Failure) -> String where S.Element == UInt8 {
        var output: [UInt8] = []
        var iterator = bytes.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    throw .badEscape
                }
                output.append(high << 4 | low)
            case UInt8(ascii: "+") where plusAsSpace:
                output.append(UInt8(ascii: " "))
            default:
                output.append(byte)
            }
        }
        guard let text = String(validating: output, as: UTF8.self) else { throw .invalidUTF8 }
        return text
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
