import CFastCGI
import Glibc

/// An epoll instance shared by every worker thread of the process: it watches the listening
/// socket and every idle web-server connection, and hands each readiness event to exactly one
/// waiting worker (leader/follower: the worker that takes an event serves it itself, so a
/// request costs no hand-off between threads).
///
/// Every registration is one-shot: once an event is delivered, that socket is silent until
/// the worker that took it re-arms it, so two workers never serve one connection at once.
final class ReadinessPoller: @unchecked Sendable {  // the epoll fd is safe to share between threads
    /// What an event is about: the listening socket, or one connection (its token).
    enum Source {
        case listener
        case connection(UnsafeMutableRawPointer)
    }

    struct Event {
        let source: Source
        /// The connection is gone (reset, or both directions closed). A peer that only closed
        /// its sending side reads as an end of input instead.
        let hangUp: Bool
    }

    enum Outcome {
        case ready(Event)
        case timedOut
        /// A signal interrupted the wait (shutdown wakes waiting workers this way).
        case interrupted
        case failed(errno: Int32)
    }

    private let descriptor: Int32
    /// `data.u64` of the listening socket; connection tokens are heap addresses, never 0.
    private static let listenerToken: UInt64 = 0

    init() throws(PollerError) {
        descriptor = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard descriptor >= 0 else { throw PollerError(operation: "epoll_create1", code: errno) }
    }

    deinit { close(descriptor) }

    func watchListener(_ fd: Int32) throws(PollerError) {
        try control(EPOLL_CTL_ADD, fd, token: Self.listenerToken, events: EPOLLIN.rawValue)
    }

    func rearmListener(_ fd: Int32) throws(PollerError) {
        try control(EPOLL_CTL_MOD, fd, token: Self.listenerToken, events: EPOLLIN.rawValue)
    }

    /// Stops watching `fd` (the listener at shutdown, a connection before it is closed).
    func forget(_ fd: Int32) {
        var unused = epoll_event()
        _ = epoll_ctl(descriptor, EPOLL_CTL_DEL, fd, &unused)
    }

    func watchConnection(_ fd: Int32, token: UnsafeMutableRawPointer) throws(PollerError) {
        try control(EPOLL_CTL_ADD, fd, token: UInt64(UInt(bitPattern: token)), events: Self.connectionEvents)
    }

    func rearmConnection(_ fd: Int32, token: UnsafeMutableRawPointer) throws(PollerError) {
        try control(EPOLL_CTL_MOD, fd, token: UInt64(UInt(bitPattern: token)), events: Self.connectionEvents)
    }

    /// The next event; `timeoutMilliseconds` -1 waits without limit.
    func wait(timeoutMilliseconds: Int32) -> Outcome {
        var event = epoll_event()
        let count = epoll_wait(descriptor, &event, 1, timeoutMilliseconds)
        if count == 0 { return .timedOut }
        guard count == 1 else { return errno == EINTR ? .interrupted : .failed(errno: errno) }
        let hangUp = event.events & (EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0
        let token = event.data.u64
        guard token != Self.listenerToken, let pointer = UnsafeMutableRawPointer(bitPattern: UInt(token)) else {
            return .ready(Event(source: .listener, hangUp: hangUp))
        }
        return .ready(Event(source: .connection(pointer), hangUp: hangUp))
    }

    /// Readable (a request, or the end of the connection); one delivery per arming.
    private static let connectionEvents = EPOLLIN.rawValue | EPOLLONESHOT.rawValue

    private func control(_ operation: Int32, _ fd: Int32, token: UInt64, events: UInt32) throws(PollerError) {
        var event = epoll_event()
        event.events = events | (operation == EPOLL_CTL_DEL ? 0 : EPOLLONESHOT.rawValue)
        event.data.u64 = token
        guard epoll_ctl(descriptor, operation, fd, &event) == 0 else {
            throw PollerError(operation: "epoll_ctl", code: errno)
        }
    }
}

struct PollerError: Error, CustomStringConvertible {
    let operation: String
    let code: Int32

    var description: String { "\(operation) failed: \(String(cString: strerror(code)))" }
}
