import Basics

/// The `X-Request-Id` of a request: the client's own when it is well formed, else a new one.
public enum RequestID {
    /// 1–128 characters of `A-Z a-z 0-9 - _ . :` — enough for UUIDs, ULIDs and nginx's
    /// `$request_id`, and nothing that could forge a log line or a header.
    public static func isWellFormed(_ candidate: String) -> Bool {
        let bytes = candidate.utf8
        guard (1...128).contains(bytes.count) else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                UInt8(ascii: "."), UInt8(ascii: ":"):
                return true
            default:
                return false
            }
        }
    }

    /// 128 random bits as 32 lowercase hex digits.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return generate(using: &generator)
    }

    static func generate(using generator: inout some RandomNumberGenerator) -> String {
        let high = generator.next() as UInt64, low = generator.next() as UInt64
        // One string written in place (not two joined): a request id is made per request.
        return String(unsafeUninitializedCapacity: 32) { buffer in
            for index in 0..<16 {
                let shift = 60 - 4 * UInt64(index)
                buffer[index] = Hex.digit(UInt8(truncatingIfNeeded: high >> shift))
                buffer[16 + index] = Hex.digit(UInt8(truncatingIfNeeded: low >> shift))
            }
            return 32
        }
    }

    static func resolve(incoming: String?) -> String {
        var generator = SystemRandomNumberGenerator()
        return resolve(incoming: incoming, generator: &generator)
    }

    static func resolve(incoming: String?, generator: inout some RandomNumberGenerator) -> String {
        if let incoming, isWellFormed(incoming) { return incoming }
        return generate(using: &generator)
    }
}
