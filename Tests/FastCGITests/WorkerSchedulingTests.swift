import Foundation
import Glibc
import Synchronization
import Testing

@testable import FastCGI

/// The policy is applied to the calling thread only, and `inherit` changes nothing. Each case
/// runs on a thread of its own: the policy stays with a thread for its life.
@Suite struct WorkerSchedulingTests {
    private static let schedBatch: Int32 = 3  // <sched.h>

    /// The policy of a fresh thread after `scheduling` was applied on it, and its creator's.
    private func policies(after scheduling: WorkerScheduling) -> (thread: Int32, creator: Int32, error: Int32?) {
        let result = Mutex<(Int32, Int32?)>((-1, nil))
        let done = DispatchSemaphore(value: 0)
        Thread {
            let error = scheduling.applyToCallingThread()
            result.withLock { $0 = (sched_getscheduler(0), error) }
            done.signal()
        }.start()
        done.wait()
        let (thread, error) = result.withLock { $0 }
        return (thread, sched_getscheduler(0), error)
    }

    @Test func batchMakesTheCallingThreadSchedBatch() {
        let seen = policies(after: .batch)
        #expect(seen.error == nil)
        #expect(seen.thread == Self.schedBatch)
        #expect(seen.creator != Self.schedBatch)
    }

    @Test func inheritKeepsThePolicyTheThreadStartedWith() {
        let seen = policies(after: .inherit)
        #expect(seen.error == nil)
        #expect(seen.thread == seen.creator)
    }
}
