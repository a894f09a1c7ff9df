/// Unpadded base64, strict in both alphabets:
/// * `Base64URL` (RFC 4648 §5) for JWT parts, which RFC 7515 requires without padding;
/// * `Base64Unpadded` (standard alphabet) for the PHC-style password hash strings.
/// Decoding rejects padding, whitespace, foreign characters, impossible lengths and
/// non-zero trailing bits, so every byte string has exactly one accepted encoding and a
/// token cannot be altered without changing what it decodes to.
struct Base64Codec: Sendable {
    private let alphabet: [UInt8]
    private let reverse: [UInt8]  // 0xFF = not in the alphabet

    init(_ symbols: String) {
        alphabet = Array(symbols.utf8)
        precondition(alphabet.count == 64)
        var rev = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { rev[Int(c)] = UInt8(i) }
        reverse = rev
    }

    func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(alphabet[Int(n >> 6 & 63)])
            out.append(alphabet[Int(n & 63)])
            i += 3
        }
        switch bytes.count - i {
        case 1:
            let n = UInt32(bytes[i]) << 16
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
        case 2:
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(alphabet[Int(n >> 6 & 63)])
        default:
            break
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The decoded bytes, or nil if `text` is not a canonical unpadded encoding.
    func decode<S: StringProtocol>(_ text: S) -> [UInt8]? {
        let input = Array(text.utf8)
        if input.count % 4 == 1 { return nil }  // 6 bits cannot make a byte
        var out = [UInt8]()
        out.reserveCapacity(input.count * 3 / 4)
        var acc: UInt32 = 0
        var bits = 0
        for c in input {
            let v = reverse[Int(c)]
            if v == 0xFF { return nil }
            acc = acc << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
                acc &= (1 << UInt32(bits)) - 1
            }
        }
        if acc != 0 { return nil }  // leftover bits must be zero (canonical form)
        return out
    }
}

/// RFC 4648 §5 base64url without padding (JWT, RFC 7515 §2).
public enum Base64URL {
    static let codec = Base64Codec("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    public static func encode(_ bytes: [UInt8]) -> String { codec.encode(bytes) }
    public static func decode<S: StringProtocol>(_ text: S) -> [UInt8]? { codec.decode(text) }
}

/// Standard-alphabet base64 without padding, as in the PHC string format (password hashes).
enum Base64Unpadded {
    static let codec = Base64Codec("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
    static func encode(_ bytes: [UInt8]) -> String { codec.encode(bytes) }
    static func decode<S: StringProtocol>(_ text: S) -> [UInt8]? { codec.decode(text) }
}
