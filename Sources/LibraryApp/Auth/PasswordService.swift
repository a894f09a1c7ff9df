import Dispatch
import Foundation
import Security

/// The password hasher behind a gate: scrypt at the production cost takes ~100 ms of CPU and
/// 32 MiB per call, so a burst of logins on 64 worker threads would queue on the CPUs anyway
/// while holding gigabytes. At most two hashes per core run at once; the rest wait their turn.
public final class PasswordService: Sendable {
    private let hasher: PasswordHasher
    private let gate: DispatchSemaphore

    init(cost: PasswordHashingCost, concurrentHashes: Int = 2 * ProcessInfo.processInfo.activeProcessorCount) {
        hasher = PasswordHasher(cost: cost)
        gate = DispatchSemaphore(value: max(1, concurrentHashes))
    }

    public func hash(password: String) throws -> String {
        try gated { try hasher.hash(password: password) }
    }

    public func verify(password: String, against stored: String) -> Bool {
        gated { hasher.verify(password: password, against: stored) }
    }

    /// The same work as a failed `verify`, for an unknown account.
    public func verifyDummy(password: String) {
        gated { _ = hasher.verifyDummy(password: password) }
    }

    public func needsRehash(_ stored: String) -> Bool {
        hasher.needsRehash(stored)
    }

    private func gated<T>(_ work: () throws -> T) rethrows -> T {
        gate.wait()
        defer { gate.signal() }
        return try work()
    }
}
