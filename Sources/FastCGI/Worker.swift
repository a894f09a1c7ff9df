import CFastCGI
import Foundation
import Glibc
import Logging
import Synchronization

/// One worker thread. Workers share the process's poller and take turns at it: whichever
/// worker is waiting takes the next ready connection (or the listener's new connections) and
/// serves that request itself. A connection kept open by the web server between requests
/// waits in the poller, so idle connections pin no thread, and however many connections the
/// web server opens, the threads only ever number the requests being served.
final class Worker: Sendable {
    enum Phase { case starting, waiting, busy, finished }

    /// What the worker's thread and the shutdown thread share.
    private struct State {
        var phase = Phase.starting
        var stopping = false
        /// The worker has seen `stopping` and waits with a timeout from then on: no more signals.
        var stopSeen = false
        var thread: pthread_t?
        /// When the last failed accept was logged (only the worker's thread touches it).
        var lastAcceptWarning: time_t = 0
    }

    let index: Int
    private let state = Mutex(State())

    /// After shutdown begins, a worker keeps serving requests that arrive on connections
    /// already open, and leaves once none has arrived for this long.
    static let quietPeriodMilliseconds: Int32 = 100

    private let connectionsChanged: (@Sendable (Int) -> Void)?

    init(index: Int, connectionsChanged: (@Sendable (Int) -> Void)? = nil) {
        self.index = index
        self.connectionsChanged = connectionsChanged
    }

    func run(listener: ListenSocket, poller: ReadinessPoller, responder: any FastCGIResponder, logger: Logger) {
        WakeSignal.allowDelivery()
        state.withLock { $0.thread = pthread_self() }
        while true {
            let stoppingNow = state.withLock { state in
                state.phase = .waiting
                state.stopSeen = state.stopping
                return state.stopping
            }
            let outcome = poller.wait(timeoutMilliseconds: stoppingNow ? Self.quietPeriodMilliseconds : -1)
            state.withLock { $0.phase = .busy }
            switch outcome {
            case .timedOut where stoppingNow:
                state.withLock { $0.phase = .finished }
                return
            case .timedOut, .interrupted:
                continue
            case let .failed(code):
                logger.critical("waiting for requests failed", metadata: ["error": "\(String(cString: strerror(code)))"])
                usleep(100_000)
            case let .ready(event):
                switch event.source {
                case .listener:
                    acceptPending(listener, poller: poller, logger: logger)
                case let .connection(token):
                    serve(token, hangUp: event.hangUp, poller: poller, responder: responder)
                }
            }
        }
    }

    /// Takes the connections waiting on the listener into the poller, then re-arms it.
    private func acceptPending(_ listener: ListenSocket, poller: ReadinessPoller, logger: Logger) {
        defer {
            if !state.withLock({ $0.stopping }) {
                do {
                    try poller.rearmListener(listener.fileDescriptor)
                } catch {
                    logger.critical("cannot watch the listening socket: no new connections", metadata: ["error": "\(error)"])
                }
            }
        }
        for _ in 0..<64 {
            switch listener.acceptConnection() {
            case let .accepted(fd):
                let connection = WebConnection(fd: fd, closed: connectionsChanged)
                connectionsChanged?(1)
                let token = connection.retainedToken()
                do {
                    try poller.watchConnection(fd, token: token)
                } catch {
                    logger.error("cannot watch a new connection", metadata: ["error": "\(error)"])
                    WebConnection.release(token: token)
                }
            case .refused:
                continue
            case .none:
                return
            case let .failed(code):
                // e.g. EMFILE: back off (the listener stays un-armed meanwhile), and say so at
                // most once a second per worker.
                let now = time(nil)
                let due = state.withLock { state in
                    defer { state.lastAcceptWarning = now }
                    return now != state.lastAcceptWarning
                }
                if due {
                    logger.error("accept failed", metadata: ["error": "\(String(cString: strerror(code)))", "worker": "\(index)"])
                }
                usleep(100_000)
                return
            }
        }
    }

    /// Serves the request that has arrived on a connection, then puts the connection back in
    /// the poller (or closes it: the web server asked so, or shutdown has begun).
    private func serve(_ token: UnsafeMutableRawPointer, hangUp: Bool, poller: ReadinessPoller, responder: any FastCGIResponder) {
        let connection = WebConnection.from(token: token)
        guard !hangUp, connection.readRequest() else {
            poller.forget(connection.fd)
            WebConnection.release(token: token)
            return
        }
        responder.respond(to: FastCGIExchange(request: connection.request))
        let keep = !state.withLock { $0.stopping }
        guard connection.finishRequest(keep: keep) else {
            WebConnection.release(token: token)  // libfcgi has closed it (the web server's choice)
            return
        }
        do {
            try poller.rearmConnection(connection.fd, token: token)
        } catch {
            poller.forget(connection.fd)
            WebConnection.release(token: token)
        }
    }

    /// Marks the worker to stop once no request has arrived for the quiet period.
    func requestStop() {
        state.withLock { $0.stopping = true }
    }

    /// Interrupts the worker if it is waiting without a time limit, so that it sees the stop; a
    /// busy worker is left alone (a signal could break the I/O of its request), and so is one
    /// already counting its quiet period (a signal would restart it). Returns false once the
    /// worker has finished.
    func wakeIfWaiting() -> Bool {
        state.withLock { state in
            switch state.phase {
            case .finished:
                return false
            case .waiting:
                if let thread = state.thread, !state.stopSeen { pthread_kill(thread, WakeSignal.number) }
                return true
            case .starting, .busy:
                return true
            }
        }
    }
}
