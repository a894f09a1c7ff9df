import FuzzSupport
@testable import LibraryApp
import Foundation
import Models

/// Entries read back from memcached, which whoever reaches memcached can write: a cached token
/// check (`AuthCache`, length-prefixed fields) and a cached answer (`ResponseCache`). The first
/// byte picks the decoder. Properties: nothing traps; what decodes, encoded again, decodes to
/// the same entry.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCacheEntry(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = fuzzInput(data, count)
    guard let kind = bytes.first else { return 0 }
    let entry = Array(bytes.dropFirst())
    if kind & 1 == 0 {
        guard let (generation, user) = AuthCache.decode(entry) else { return 0 }
        // createdAt goes through a Double of seconds: exact only within 2^53 microseconds.
        guard abs(user.createdAt.timeIntervalSince1970) < 1e9 else { return 0 }
        guard let again = AuthCache.decode(AuthCache.encode(user, generation: generation)) else {
            fatalError("re-encoded token check of \(user) does not decode")
        }
        check(again.generation == generation && again.user == user, "token check changed: \(user) → \(again.user)")
    } else {
        guard let decoded = ResponseCache.decode(entry) else { return 0 }
        check(ResponseCache.decode(ResponseCache.encode(decoded)) == decoded, "cached answer changed when encoded again")
    }
    return 0
}

runLibFuzzer(fuzzCacheEntry)
