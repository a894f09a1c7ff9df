import Dispatch
import Foundation
import Security
import Synchronization

/// The password hasher behind a gate: scrypt at the production cost takes ~100 ms of CPU and
/// 32 MiB per call, so a burst of logins on 64 worker threads would queue on the CPUs anyway
/// while holding gigabytes. At most two hashes per core run at once; a few more may wait their
/// turn; past that the request is refused at once (`503`, `Retry-After`) instead of parking
/// worker threads that other requests need.
public final class PasswordService: Sendable {
    private let hasher: PasswordHasher
    private let gate: DispatchSemaphore
    /// Callers inside `gated`: hashing, or waiting at the gate.
    private let admitted = Mutex(0)
    private let maximumAdmitted: Int

    init(cost: PasswordHashingCost, concurrentHashes: Int = 2 * ProcessInfo.processInfo.activeProcessorCount) {
        hasher = PasswordHasher(cost: cost)
        let running = max(1, concurrentHashes)
        gate = DispatchSemaphore(value: running)
        maximumAdmitted = 4 * running
    }

    /// Refused at the gate: too many hashes running or waiting (`503`, `Retry-After: 1`).
    public struct Busy: Error, Equatable {}

    public func hash(password: String) throws -> String {
        try gated { try hasher.hash(password: password) }
    }

    public func verify(password: String, against stored: String) throws -> Bool {
        try gated { hasher.verify(password: password, against: stored) }
    }

    /// The same work as a failed `verify`, for an unknown account.
    public func verifyDummy(password: String) throws {
        try gated { _ = hasher.verifyDummy(password: password) }
    }

    public func needsRehash(_ stored: String) -> Bool {
        hasher.needsRehash(stored)
    }

    private func gated<T>(_ work: () throws -> T) throws -> T {
        let entered = admitted.withLock { admitted in
            guard admitted < maximumAdmitted else { return false }
            admitted += 1
            return true
        }
        guard entered else { throw Busy() }
        gate.wait()
        defer {
            gate.signal()
            admitted.withLock { $0 -= 1 }
        }
        return try work()
    }
}
