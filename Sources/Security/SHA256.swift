import COpenSSL

/// SHA-256 through OpenSSL's one-shot `EVP_Digest` (the cache shortens over-long keys with it).
public enum SHA256 {
    public static let digestLength = 32

    public static func hash(_ message: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        // OpenSSL wants a real pointer even for empty input; an empty array may have none.
        let source = message.isEmpty ? [0] : message
        let status = source.withUnsafeBytes { input in
            digest.withUnsafeMutableBufferPointer { output in
                EVP_Digest(input.baseAddress, message.count, output.baseAddress, &length, EVP_sha256(), nil)
            }
        }
        // Fails only on allocation failure or a broken libcrypto: a wrong digest would let two
        // long cache keys collide, so stop instead.
        guard status == 1, Int(length) == digestLength else { fatalError("SHA-256 failed") }
        return Array(digest.prefix(digestLength))
    }
}
