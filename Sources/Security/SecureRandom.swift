import COpenSSL

/// Cryptographically secure random bytes from OpenSSL's CSPRNG (RAND_bytes).
public enum SecureRandom {
    /// `count` random bytes. RAND_bytes only fails when the OS entropy source is unusable;
    /// continuing then would mean predictable salts and token ids, so that is a fatal error.
    public static func bytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0, "negative byte count")
        var out = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return out }
        let ok = out.withUnsafeMutableBufferPointer { buf in
            RAND_bytes(buf.baseAddress, Int32(buf.count))
        }
        guard ok == 1 else { fatalError("RAND_bytes failed: no secure randomness available") }
        return out
    }
}
