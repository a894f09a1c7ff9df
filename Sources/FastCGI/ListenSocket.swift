import CFastCGI
import Glibc

/// The socket a FastCGI process accepts web-server connections on.
public struct ListenSocket: Sendable {
    public let fileDescriptor: Int32
    public let description: String
    /// `FCGI_WEB_SERVER_ADDRS`, as libfcgi reads it: the web servers allowed to connect over TCP.
    var allowedPeers = WebServerAddresses.fromEnvironment()

    init(fileDescriptor: Int32, description: String) {
        self.fileDescriptor = fileDescriptor
        self.description = description
    }

    static let ioTimeoutSeconds = 30

    enum Acceptance {
        case accepted(Int32)
        /// A peer not in `FCGI_WEB_SERVER_ADDRS`: closed at once.
        case refused
        /// Nothing waiting (another worker or process took it).
        case none
        case failed(errno: Int32)
    }

    /// Accepts one waiting connection without blocking (the socket is non-blocking, see
    /// `makeNonBlocking`). The accepted socket itself blocks: a request is read and its
    /// response written in one go, as libfcgi expects.
    func acceptConnection() -> Acceptance {
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(fileDescriptor, $0, &length) }
        }
        guard fd >= 0 else {
            switch errno {
            case EAGAIN, EWOULDBLOCK, EINTR, ECONNABORTED, EPROTO: return .none
            default: return .failed(errno: errno)
            }
        }
        guard allowedPeers.admits(address) else {
            close(fd)
            return .refused
        }
        var yes: Int32 = 1
        if Int32(address.ss_family) == AF_INET || Int32(address.ss_family) == AF_INET6 {
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
        }
        // A request is read and answered in one go once the poller says it has begun: a peer
        // that stops half-way must not hold a worker for ever (web servers buffer the body
        // before they send it, so a live one never pauses this long).
        var limit = timeval(tv_sec: Self.ioTimeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        return .accepted(fd)
    }

    /// Workers accept from the poller's events; two processes sharing the socket (spawn-fcgi
    /// with multiwatch) may both be woken for one connection, and the loser must not block.
    func makeNonBlocking() {
        let flags = fcntl(fileDescriptor, F_GETFL)
        if flags >= 0 { _ = fcntl(fileDescriptor, F_SETFL, flags | O_NONBLOCK) }
    }

    public enum Failure: Error, CustomStringConvertible {
        case noInheritedSocket
        case cannotOpen(String, errno: Int32)

        public var description: String {
            switch self {
            case .noInheritedSocket:
                return "standard input is not a listening socket: start the app under spawn-fcgi, or pass --socket PATH or --socket HOST:PORT"
            case let .cannotOpen(address, code):
                return "cannot listen on \(address): \(String(cString: strerror(code)))"
            }
        }
    }

    /// The FastCGI convention: a process manager (spawn-fcgi) hands over the listening socket as fd 0.
    public static func inherited() throws -> ListenSocket {
        var accepting: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) == 0, accepting != 0 else {
            throw Failure.noInheritedSocket
        }
        return ListenSocket(fileDescriptor: 0, description: "inherited socket (fd 0)")
    }

    /// Opens a socket of our own: a filesystem path for a Unix socket, or `HOST:PORT` / `:PORT` for TCP.
    /// A stale Unix socket file left by a previous run is replaced.
    public static func open(_ address: String, backlog: Int32 = 1024) throws -> ListenSocket {
        guard FastCGILibrary.initialize() else { throw Failure.cannotOpen(address, errno: errno) }
        let isUnixPath = address.contains("/") || !address.contains(":")
        if isUnixPath {
            var status = stat()
            if lstat(address, &status) == 0, (status.st_mode & S_IFMT) == S_IFSOCK {
                unlink(address)
            }
        }
        let fd = FCGX_OpenSocket(address, backlog)
        guard fd >= 0 else { throw Failure.cannotOpen(address, errno: errno) }
        if isUnixPath {
            // The web server runs as another user; the socket's folder is what guards access.
            chmod(address, 0o666)
        }
        return ListenSocket(fileDescriptor: fd, description: address)
    }
}

/// libfcgi's one-time process initialisation.
enum FastCGILibrary {
    private static let initialized: Bool = FCGX_Init() == 0

    static func initialize() -> Bool { initialized }
}
