import CFastCGI
import Glibc

/// One connection from the web server and the libfcgi request object that reads it. The
/// request lives at a fixed address for the connection's whole life (libfcgi's streams point
/// back into it). Between requests the connection waits in the poller, not on a thread.
final class WebConnection {
    let request: UnsafeMutablePointer<FCGX_Request>
    /// Told -1 when the connection is closed (the count of open connections, a gauge).
    private let closed: (@Sendable (Int) -> Void)?

    /// Takes over `fd`, a socket just accepted from the listener.
    init(fd: Int32, closed: (@Sendable (Int) -> Void)? = nil) {
        self.closed = closed
        request = .allocate(capacity: 1)
        // No listening socket of its own (-1): should libfcgi ever try to accept for this
        // request (after a protocol error) it fails at once instead of blocking. The
        // connection counts as kept until the first request says otherwise: FCGX_Accept_r
        // begins by finishing the "previous" request, which would otherwise close the socket.
        FCGX_InitRequest(request, -1, 0)
        request.pointee.ipcFd = fd
        request.pointee.keepConnection = 1
    }

    deinit {
        // Closed here rather than by libfcgi, which would wait for the peer's end first.
        let fd = request.pointee.ipcFd
        FCGX_Free(request, 0)
        if fd >= 0 { close(fd) }
        request.deallocate()
        closed?(-1)
    }

    var fd: Int32 { request.pointee.ipcFd }

    /// Reads the next request (parameters, then the body as it is read). False when the
    /// connection ended or broke instead; it is closed then.
    func readRequest() -> Bool {
        FCGX_Accept_r(request) >= 0 && request.pointee.ipcFd >= 0
    }

    /// Flushes the response. True while the web server keeps the connection for another request.
    func finishRequest(keep: Bool) -> Bool {
        if !keep { request.pointee.keepConnection = 0 }
        FCGX_Finish_r(request)
        return request.pointee.ipcFd >= 0
    }

    /// The opaque token the poller carries for this connection (retained until `release`).
    func retainedToken() -> UnsafeMutableRawPointer {
        Unmanaged.passRetained(self).toOpaque()
    }

    static func from(token: UnsafeMutableRawPointer) -> WebConnection {
        Unmanaged<WebConnection>.fromOpaque(token).takeUnretainedValue()
    }

    static func release(token: UnsafeMutableRawPointer) {
        Unmanaged<WebConnection>.fromOpaque(token).release()
    }
}
