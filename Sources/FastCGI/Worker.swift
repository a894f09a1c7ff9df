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
            let shouldStop = lock.withLock { () -> Bool in
                if stopping { return true }
                phase = .waiting
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
