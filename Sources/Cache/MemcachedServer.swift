/// One memcached server: `host:port` (IPv6 as `[::1]:11211`, port 11211 when left out) or the
/// absolute path of a Unix socket.
public enum MemcachedServer: Hashable, Sendable, CustomStringConvertible {
    case tcp(host: String, port: UInt16)
    case unixSocket(path: String)

    public static let defaultPort: UInt16 = 11211

    /// Parses one entry of `MEMCACHED_SERVERS`.
    public init(parsing entry: String) throws {
        let text = entry.trimmingWhitespace()
        guard !text.isEmpty else { throw CacheError.invalidConfiguration("empty server entry") }
        if text.hasPrefix("/") {
            // sockaddr_un.sun_path holds 108 bytes, NUL included.
            guard text.utf8.count < 108 else { throw CacheError.invalidConfiguration("socket path too long: \(text)") }
            self = .unixSocket(path: text)
            return
        }
        var host = Substring(text)
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw CacheError.invalidConfiguration("bad IPv6 entry: \(text)") }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { throw CacheError.invalidConfiguration("bad IPv6 entry: \(text)") }
                portText = rest.dropFirst()
            }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == ":" && !text.hasPrefix("[") }) else {
            throw CacheError.invalidConfiguration("bad server entry: \(text)")
        }
        var port = MemcachedServer.defaultPort
        if let portText {
            guard let parsed = UInt16(portText), parsed > 0 else {
                throw CacheError.invalidConfiguration("bad port in server entry: \(text)")
            }
            port = parsed
        }
        self = .tcp(host: String(host), port: port)
    }

    /// Parses a comma-separated list such as `MEMCACHED_SERVERS` (empty entries are ignored).
    public static func parseList(_ list: String) throws -> [MemcachedServer] {
        try list.split(separator: ",").map(String.init)
            .filter { !$0.trimmingWhitespace().isEmpty }
            .map(MemcachedServer.init(parsing:))
    }

    public var description: String {
        switch self {
        case let .tcp(host, port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case let .unixSocket(path): return path
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
