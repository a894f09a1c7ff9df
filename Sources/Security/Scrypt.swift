import COpenSSL

/// scrypt key derivation through OpenSSL's EVP_PBE_scrypt.
enum Scrypt {
    /// nil only if OpenSSL refuses (allocation failure); costs are validated beforehand.
    static func derive(password: [UInt8], salt: [UInt8], cost: PasswordHashingCost, length: Int) -> [UInt8]? {
        var key = [UInt8](repeating: 0, count: length)
        // Non-nil pointers even for empty input (an empty Swift array may have none).
        let pass = password.isEmpty ? [0] : password
        let saltBytes = salt.isEmpty ? [0] : salt
        let ok = pass.withUnsafeBytes { passBuf in
            saltBytes.withUnsafeBufferPointer { saltBuf in
                key.withUnsafeMutableBufferPointer { out in
                    EVP_PBE_scrypt(
                        passBuf.baseAddress!.assumingMemoryBound(to: CChar.self), password.count,
                        saltBuf.baseAddress, salt.count,
                        cost.n, UInt64(cost.r), UInt64(cost.p),
                        cost.memoryBytes + 64 * 1024,  // maxmem: what it needs, plus slack
                        out.baseAddress, length)
                }
            }
        }
        return ok == 1 ? key : nil
    }
}
