import COpenSSL

/// Byte-array equality whose running time does not depend on where the arrays differ
/// (CRYPTO_memcmp), so signatures and password hashes cannot be guessed byte by byte.
/// Lengths are not secret here (digest sizes are public), so a length mismatch returns at once.
public func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    guard !a.isEmpty else { return true }
    return a.withUnsafeBytes { pa in
        b.withUnsafeBytes { pb in
            CRYPTO_memcmp(pa.baseAddress, pb.baseAddress, pa.count) == 0
        }
    }
}

/// The same, over memory the caller holds (no arrays to build on a hot path).
public func constantTimeEquals(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    guard a.count == b.count else { return false }
    guard a.count > 0 else { return true }
    return CRYPTO_memcmp(a.baseAddress, b.baseAddress, a.count) == 0
}
