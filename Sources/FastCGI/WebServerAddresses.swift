import Foundation
import Glibc

/// The web servers allowed to connect over TCP: libfcgi's `FCGI_WEB_SERVER_ADDRS`, a
/// comma-separated list of addresses (IPv4, and here also IPv6). Unset or empty: any peer.
/// Connections over a unix socket are always admitted: the socket's file mode guards them.
struct WebServerAddresses: Sendable {
    /// Each allowed address as bytes: 4 for IPv4, 16 for IPv6.
    private(set) var allowed: [[UInt8]]?

    init(list: String?) {
        guard let list, !list.isEmpty else { return }
        allowed = list.split(separator: ",").compactMap { Self.parse($0.trimmingCharacters(in: .whitespaces)) }
    }

    static func fromEnvironment() -> WebServerAddresses {
        WebServerAddresses(list: getenv("FCGI_WEB_SERVER_ADDRS").map { String(cString: $0) })
    }

    func admits(_ peer: sockaddr_storage) -> Bool {
        guard let allowed else { return true }
        var peer = peer
        let bytes: [UInt8]
        switch Int32(peer.ss_family) {
        case AF_INET:
            bytes = withUnsafeBytes(of: &peer) { raw in
                withUnsafeBytes(of: raw.load(as: sockaddr_in.self).sin_addr) { Array($0) }
            }
        case AF_INET6:
            let address = withUnsafeBytes(of: &peer) { raw in
                withUnsafeBytes(of: raw.load(as: sockaddr_in6.self).sin6_addr) { Array($0) }
            }
            // ::ffff:a.b.c.d is an IPv4 peer on a dual-stack socket.
            bytes = address.prefix(12) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] ? Array(address.suffix(4)) : address
        default:
            return true  // AF_UNIX
        }
        return allowed.contains(bytes)
    }

    private static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: v6) { Array($0) } }
        return nil
    }
}
