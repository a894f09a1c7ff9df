import CFastCGI
import Foundation
import Glibc
import Logging

/// One worker thread: owns one `FCGX_Request` (libfcgi needs it at a fixed address) and loops
/// on `FCGX_Accept_r`. With `FCGI_KEEP_CONN` the same request object keeps the web server's
/// connection between requests.
final class Worker: @unchecked Sendable {
    enum Phase { case starting, waiting, busy, finished }

    let index: Int
    private let lock = NSLock()
    private var phase = Phase.starting
    private var stopping = false
    private var thread: pthread_t?

    init(index: Int) {
        self.index = index
    }

    func run(listenSocket: Int32, responder: FastCGIResponder, logger: Logger) {
        let request = UnsafeMutablePointer<FCGX_Request>.allocate(capacity: 1)
        defer { request.deallocate() }
        // FCGI_FAIL_ACCEPT_ON_INTR: a wake-up signal makes a waiting accept() return, so shutdown is prompt.
        FCGX_InitRequest(request, listenSocket, Int32(FCGI_FAIL_ACCEPT_ON_INTR))
        WakeSignal.allowDelivery()
        lock.withLock { thread = pthread_self() }

        while true {
            // On a kept connection, wait here for the next request rather than inside libfcgi:
            // a shutdown signal must never interrupt a request that has begun to arrive.
            var requestArriving = false
            if request.pointee.ipcFd >= 0 {
                switch waitForNextRequest(on: request) {
                case .arriving: requestArriving = true
                case .closed: break
                case .stopping: break
                }
            }
            let shouldStop = lock.withLock { () -> Bool in
                // A request already arriving is served, shutdown or not.
                if stopping && !requestArriving { return true }
                // Signals go only to a worker blocked in accept(), which has read nothing yet.
                phase = request.pointee.ipcFd >= 0 ? .busy : .waiting
                return false
            }
            if shouldStop { break }

            // Finishes the previous request (flushing it) and waits for the next one.
            let status = FCGX_Accept_r(request)
            let stopRequested = lock.withLock { () -> Bool in
                phase = .busy
                return stopping
            }
            if status < 0 {
                if stopRequested { break }
                if status != -EINTR {
                    logger.error("FCGX_Accept_r failed", metadata: ["status": "\(status)", "worker": "\(index)"])
                    usleep(10_000)  // e.g. EMFILE: back off instead of spinning
                }
                continue
            }
            responder.respond(to: FastCGIExchange(request: request))
            FCGX_Finish_r(request)
        }
        // Close a connection still kept open for the web server.
        FCGX_Free(request, 1)
        lock.withLock { phase = .finished }
    }

    enum KeptConnection { case arriving, closed, stopping }

    /// Waits until the web server sends on the kept connection, closes it, or shutdown begins
    /// with the connection idle. A closed connection is closed here too, and the worker goes
    /// back to accepting.
    private func waitForNextRequest(on request: UnsafeMutablePointer<FCGX_Request>) -> KeptConnection {
        let fd = request.pointee.ipcFd
        // POLLRDHUP tells a closed connection from a request without reading from it.
        var poller = pollfd(fd: fd, events: Int16(POLLIN) | pollReadHangUp, revents: 0)
        while true {
            poller.revents = 0
            let ready = poll(&poller, 1, 100)
            if ready == 0 || (ready < 0 && errno == EINTR) {
                if lock.withLock({ stopping }) { return .stopping }
                continue
            }
            let closed = pollReadHangUp | Int16(POLLHUP) | Int16(POLLERR) | Int16(POLLNVAL)
            if ready < 0 || poller.revents & closed != 0 {
                FCGX_Free(request, 1)  // closed by the web server (or broken): forget it
                return .closed
            }
            return .arriving
        }
    }

    /// Marks the worker to stop after the request it is serving, if any.
    func requestStop() {
        lock.withLock { stopping = true }
    }

    /// Interrupts the worker if it is waiting for a request; a busy worker is left to finish.
    /// Returns false once the worker has finished.
    func wakeIfWaiting() -> Bool {
        lock.withLock {
            switch phase {
            case .finished:
                return false
            case .waiting:
                if let thread { pthread_kill(thread, WakeSignal.number) }
                return true
            case .starting, .busy:
                return true
            }
        }
    }
}

/// Linux's POLLRDHUP (the peer closed its end), hidden from Swift behind _GNU_SOURCE in <poll.h>.
private let pollReadHangUp: Int16 = 0x2000
