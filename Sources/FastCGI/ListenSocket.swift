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
        case cannotResolve(String, reason: String)
        case unknownGroup(String)
        case groupNeedsUnixSocket

        public var description: String {
            switch self {
            case .noInheritedSocket:
                return
                    "standard input is not a listening socket: start the app under spawn-fcgi, or pass --socket PATH or --socket HOST:PORT"
            case let .cannotOpen(address, code):
                return "cannot listen on \(address): \(String(cString: strerror(code)))"
            case let .cannotResolve(address, reason):
                return "cannot listen on \(address): \(reason)"
            case let .unknownGroup(name):
                return "no such group '\(name)' for the socket (--socket-group, APP_SOCKET_GROUP)"
            case .groupNeedsUnixSocket:
                return "--socket-group (APP_SOCKET_GROUP) applies to a Unix socket the app makes itself (--socket PATH)"
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

    /// Opens a socket of our own. A Unix socket is made `0660`, in `group` when given (the web
    /// server's, e.g. `www-data`), else in the process's group: only the web server connects.
    /// A stale Unix socket file left by a previous run is replaced. TCP listens where the
    /// address says (`:PORT` is loopback, see `ListenAddress`).
    public static func open(_ address: ListenAddress, group: String? = nil, backlog: Int32 = 1024) throws -> ListenSocket {
        guard FastCGILibrary.initialize() else { throw Failure.cannotOpen(address.description, errno: errno) }
        switch address {
        case let .unix(path):
            let groupID = try group.map(groupID(named:))
            return try openUnix(path, groupID: groupID, backlog: backlog)
        case let .tcp(host, port):
            guard group == nil else { throw Failure.groupNeedsUnixSocket }
            return try openTCP(host: host, port: port, backlog: backlog)
        }
    }

    static let unixSocketMode: mode_t = 0o660

    private static func openUnix(_ path: String, groupID: gid_t?, backlog: Int32) throws -> ListenSocket {
        var name = sockaddr_un()
        name.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: name.sun_path)
        guard path.utf8.count < capacity else { throw Failure.cannotOpen(path, errno: ENAMETOOLONG) }
        withUnsafeMutableBytes(of: &name.sun_path) { raw in
            raw.copyBytes(from: path.utf8)
            raw[path.utf8.count] = 0
        }
        var status = stat()
        if lstat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFSOCK {
            unlink(path)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure.cannotOpen(path, errno: errno) }
        // The file is born 0660 (bind applies the umask): never a moment open to everyone.
        // Still single-threaded here, so the process-wide umask is ours to borrow.
        let savedMask = umask(0o777 & ~unixSocketMode)
        let bound = withUnsafePointer(to: &name) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        let bindError = errno
        umask(savedMask)
        guard bound == 0 else { close(fd); throw Failure.cannotOpen(path, errno: bindError) }
        // Group before listen: no connection is queued before the web server's group can connect.
        if let groupID, chown(path, uid_t.max, groupID) != 0 || chmod(path, unixSocketMode) != 0 {
            let code = errno
            close(fd)
            unlink(path)
            throw Failure.cannotOpen(path, errno: code)
        }
        guard listen(fd, backlog) == 0 else {
            let code = errno
            close(fd)
            throw Failure.cannotOpen(path, errno: code)
        }
        return ListenSocket(fileDescriptor: fd, description: path)
    }

    private static func openTCP(host: String, port: UInt16, backlog: Int32) throws -> ListenSocket {
        let shown = ListenAddress.tcp(host: host, port: port).description
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        let code = getaddrinfo(host, String(port), &hints, &found)
        guard code == 0, let first = found else {
            throw Failure.cannotResolve(shown, reason: String(cString: gai_strerror(code)))
        }
        defer { freeaddrinfo(found) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { throw Failure.cannotOpen(shown, errno: errno) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0, listen(fd, backlog) == 0 else {
            let code = errno
            close(fd)
            throw Failure.cannotOpen(shown, errno: code)
        }
        return ListenSocket(fileDescriptor: fd, description: "\(shown) (port \(boundPort(fd)))")
    }

    /// The port actually bound: the one asked for, or the kernel's choice for port 0.
    static func boundPort(_ fd: Int32) -> UInt16 {
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let family = Int32(address.ss_family)
        return withUnsafeBytes(of: &address) { raw in
            switch family {
            case AF_INET: return UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port)
            case AF_INET6: return UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port)
            default: return 0
            }
        }
    }

    /// A group name, or a numeric id.
    static func groupID(named name: String) throws -> gid_t {
        if let number = gid_t(name) { return number }
        var entry = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        guard getgrnam_r(name, &entry, &buffer, buffer.count, &result) == 0, let result else {
            throw Failure.unknownGroup(name)
        }
        return result.pointee.gr_gid
    }
}

/// libfcgi's one-time process initialisation.
enum FastCGILibrary {
    private static let initialized: Bool = FCGX_Init() == 0

    static func initialize() -> Bool { initialized }
}
