import COpenSSL

/// HMAC-SHA256 through OpenSSL's one-shot `HMAC()`.
public enum HMACSHA256 {
    public static let digestLength = 32

    public static func authenticate(_ message: [UInt8], key: [UInt8]) -> [UInt8] {
        var mac = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var macLength: UInt32 = 0
        // An empty Swift array may have a nil base address; OpenSSL wants a real pointer
        // even for zero-length input, so substitute a one-byte buffer with length 0.
        let one: [UInt8] = [0]
        let result = withNonNullBytes(key, fallback: one) { keyPtr, keyLen in
            withNonNullBytes(message, fallback: one) { msgPtr, msgLen in
                mac.withUnsafeMutableBufferPointer { out in
                    HMAC(EVP_sha256(), keyPtr, Int32(keyLen), msgPtr, msgLen, out.baseAddress, &macLength)
                }
            }
        }
        // HMAC only fails on allocation failure or a broken libcrypto; a wrong MAC would
        // silently reject or (worse) accept tokens, so stop instead.
        guard result != nil, Int(macLength) == digestLength else { fatalError("HMAC-SHA256 failed") }
        return Array(mac.prefix(digestLength))
    }

    private static func withNonNullBytes<R>(
        _ bytes: [UInt8], fallback: [UInt8],
        _ body: (UnsafePointer<UInt8>, Int) -> R
    ) -> R {
        let source = bytes.isEmpty ? fallback : bytes
        return source.withUnsafeBufferPointer { buf in body(buf.baseAddress!, bytes.count) }
    }
}
