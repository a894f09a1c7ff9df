/// Where `serve --socket` listens: a Unix socket path, or a TCP `HOST:PORT`.
///
/// `:PORT` (no host) is loopback, `127.0.0.1`: the FastCGI socket is for the web server, and
/// whoever reaches it chooses `REMOTE_ADDR` (rate limits, the `/metrics` rule). Every interface
/// takes an explicit `0.0.0.0:PORT` (or `[::]:PORT`), best with `FCGI_WEB_SERVER_ADDRS`.
public enum ListenAddress: Equatable, Sendable, CustomStringConvertible {
    case unix(path: String)
    /// `host` is a numeric address or a name; an IPv6 address without its brackets.
    case tcp(host: String, port: UInt16)

    public static let defaultTCPHost = "127.0.0.1"

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case badPort(String)
        case badHost(String)

        public var description: String {
            switch self {
            case let .badPort(text): return "bad port in --socket \(text): expected 0-65535"
            case let .badHost(text): return "bad host in --socket \(text): use HOST:PORT, :PORT or [IPv6]:PORT"
            }
        }
    }

    /// A path (it holds `/`, or no `:`), else `HOST:PORT`, `:PORT` or `[IPv6]:PORT`.
    public init(parsing text: String) throws(ParseError) {
        if text.contains("/") || !text.contains(":") {
            self = .unix(path: text)
            return
        }
        let separator = text.lastIndex(of: ":")!
        var host = String(text[..<separator])
        let portText = text[text.index(after: separator)...]
        guard !portText.isEmpty, portText.allSatisfy(\.isASCII), let port = UInt16(portText) else {
            throw .badPort(text)
        }
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), host.count > 2 else { throw .badHost(text) }
            host = String(host.dropFirst().dropLast())
        } else if host.contains(":") {
            throw .badHost(text)  // an IPv6 address needs its brackets
        }
        self = .tcp(host: host.isEmpty ? Self.defaultTCPHost : host, port: port)
    }

    public var description: String {
        switch self {
        case let .unix(path): return path
        case let .tcp(host, port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }
}
