/// Hexadecimal digits, the one implementation for every module (cache keys, token ids, request
/// ids, entity tags, percent-encoding, JSON escapes). Inlinable: some callers are on the request
/// path, and the digit is computed rather than looked up, so no table is allocated.
public enum Hex {
    /// The hex digit of the low four bits of `value`.
    @inlinable
    public static func digit(_ value: UInt8, uppercase: Bool = false) -> UInt8 {
        let nibble = value & 0x0F
        return nibble < 10 ? UInt8(ascii: "0") + nibble : (uppercase ? UInt8(ascii: "A") : UInt8(ascii: "a")) + nibble - 10
    }

    /// Appends the two hex digits of `byte`, high nibble first.
    @inlinable
    public static func append(_ byte: UInt8, to bytes: inout [UInt8], uppercase: Bool = false) {
        bytes.append(digit(byte >> 4, uppercase: uppercase))
        bytes.append(digit(byte, uppercase: uppercase))
    }

    /// `bytes` as lowercase hex, two digits per byte.
    @inlinable
    public static func string(_ bytes: [UInt8]) -> String {
        String(unsafeUninitializedCapacity: 2 * bytes.count) { buffer in
            for (index, byte) in bytes.enumerated() {
                buffer[2 * index] = digit(byte >> 4)
                buffer[2 * index + 1] = digit(byte)
            }
            return 2 * bytes.count
        }
    }

    /// The 16 lowercase hex digits of `value`, zero-padded, most significant first.
    @inlinable
    public static func string(_ value: UInt64) -> String {
        String(unsafeUninitializedCapacity: 16) { buffer in
            for index in 0..<16 { buffer[index] = digit(UInt8(truncatingIfNeeded: value >> (60 - 4 * UInt64(index)))) }
            return 16
        }
    }
}
