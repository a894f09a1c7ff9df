import CFastCGI
import Glibc

/// The signals that ask the process to shut down gracefully. They are blocked in every thread
/// and collected by one thread with `sigwait`, so no handler ever runs in the middle of a request.
public enum ShutdownSignals {
    static let numbers: [Int32] = [SIGTERM, SIGINT, SIGUSR1, SIGHUP]

    /// Also for a thread the application starts beside the server's (started before it, a
    /// thread would inherit no mask, and a shutdown signal could be delivered to it instead).
    public static func blockInCallingThread() {
        var set = sigset_t()
        sigemptyset(&set)
        for number in numbers + [WakeSignal.number] { sigaddset(&set, number) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Blocks until one of the shutdown signals arrives; returns its number.
    static func wait() -> Int32 {
        var set = sigset_t()
        sigemptyset(&set)
        for number in numbers { sigaddset(&set, number) }
        var received: Int32 = 0
        while sigwait(&set, &received) != 0 {}
        return received
    }
}

/// SIGUSR2, sent by the server to its own waiting workers to interrupt a blocking
/// `accept()` or `read()` at shutdown. Its handler does nothing; the interruption is the point.
enum WakeSignal {
    static let number = SIGUSR2

    static func installHandler() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0  // no SA_RESTART: the blocked call must return EINTR
        sigaction(number, &action, nil)
    }

    static func allowDelivery() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, number)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}
