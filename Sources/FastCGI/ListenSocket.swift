import CFastCGI
import Glibc

/// The socket a FastCGI process accepts web-server connections on.
public struct ListenSocket: Sendable {
    public let fileDescriptor: Int32
    public let description: String

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
