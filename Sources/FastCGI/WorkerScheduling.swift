import Glibc

/// How the kernel schedules the worker threads.
///
/// `batch` (the default) runs them as `SCHED_BATCH`: the same CPU share as normal threads, but
/// a worker woken by a request (or by memcached's or MariaDB's answer) does not preempt the
/// thread that woke it. Where nginx, memcached and the workers share a few cores, a preempted
/// nginx worker stops forwarding the other requests it has read, and the workers sleep in
/// `epoll_wait` for them one at a time: at 512 connections the app's CPU per request rose by a
/// half and its context switches per request doubled (docs/performance.md, "The
/// 512-connection row"). `inherit` leaves the threads with the policy the process started with.
public enum WorkerScheduling: String, Sendable, CaseIterable {
    case batch
    case inherit

    /// `SCHED_BATCH` of <sched.h> (Linux ABI); Glibc's Swift module does not import it.
    private static let schedBatch: Int32 = 3

    /// Applies the policy to the calling thread; the `errno` when the kernel refused it. A
    /// thread that already has it (systemd's `CPUSchedulingPolicy=batch`, whose seccomp filter
    /// refuses `sched_setscheduler`) is left alone.
    func applyToCallingThread() -> Int32? {
        guard self == .batch, sched_getscheduler(0) != Self.schedBatch else { return nil }
        var parameters = sched_param()
        parameters.sched_priority = 0  // the only priority SCHED_BATCH has
        return sched_setscheduler(0, Self.schedBatch, &parameters) == 0 ? nil : errno
    }
}
