/// Decimal digits appended straight to a byte buffer: no `String` made and freed per number
/// (status codes, lengths and ids written on every response).
public enum DecimalDigits {
    @inlinable
    public static func append(_ value: Int, to bytes: inout [UInt8]) {
        withDigits(of: value) { bytes.append(contentsOf: $0) }
    }

    /// The digits as a `String`, as `String(value)` spells them, without the standard
    /// library's generic conversion (any radix, any integer type): a few per response.
    @inlinable
    public static func string(_ value: Int) -> String {
        withDigits(of: value) { String(decoding: $0, as: UTF8.self) }
    }

    /// Runs `body` over the digits of `value` (with its sign), written in a scratch buffer on
    /// the stack: for a writer that copies them on (a response head into libfcgi's stream).
    @inlinable
    public static func withDigits<Result>(of value: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        var magnitude = value.magnitude
        // 20 digits and a sign hold any Int; written from the right.
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 21) { digits in
            var start = 21
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                start -= 1
                digits[start] = UInt8(ascii: "-")
            }
            return body(UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }
}
