import Glibc

/// The address rate limits are keyed by: `REMOTE_ADDR` as the web server passes it, or, when
/// that peer is a trusted proxy, the nearest untrusted address in `X-Forwarded-For` (walking
/// from the right, so a client cannot forge its way past the proxies). Then reduced to what one
/// client controls (`limitKey`).
enum ClientAddress {
    static func resolve(remoteAddress: String, forwardedFor: @autoclosure () -> String?, trustedProxies: Set<String>) -> String {
        limitKey(hop(remoteAddress: remoteAddress, forwardedFor: forwardedFor(), trustedProxies: trustedProxies))
    }

    private static func hop(remoteAddress: String, forwardedFor: @autoclosure () -> String?, trustedProxies: Set<String>) -> String {
        guard trustedProxies.contains(remoteAddress), let forwardedFor = forwardedFor() else { return remoteAddress }
        let hops = forwardedFor.split(separator: ",").map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
        for hop in hops.reversed() where !trustedProxies.contains(hop) {
            return hop
        }
        return hops.first ?? remoteAddress
    }

    /// IPv4: the address. IPv6: its /64, written `2001:db8:1:2::/64` — one subscriber is given a
    /// whole /64 (RFC 6177) and picks any of its 2^64 addresses at will, so counting per address
    /// would be no limit at all. An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, what a
    /// dual-stack socket reports) is its IPv4 address. Anything else (not an address) as it is.
    static func limitKey(_ address: String) -> String {
        guard address.utf8.contains(UInt8(ascii: ":")) else { return address }
        var text = Substring(address)
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {  // `[addr]` or `[addr]:port`
            text = text[text.index(after: text.startIndex)..<close]
        }
        if let zone = text.firstIndex(of: "%") { text = text[..<zone] }  // fe80::1%eth0
        var bytes = in6_addr()
        guard inet_pton(AF_INET6, String(text), &bytes) == 1 else { return address }
        return withUnsafeMutableBytes(of: &bytes) { raw -> String in
            let isMapped = raw[0..<10].allSatisfy { $0 == 0 } && raw[10] == 0xFF && raw[11] == 0xFF
            if isMapped { return "\(raw[12]).\(raw[13]).\(raw[14]).\(raw[15])" }
            for index in 8..<16 { raw[index] = 0 }
            var written = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            guard inet_ntop(AF_INET6, raw.baseAddress, &written, socklen_t(written.count)) != nil else { return address }
            let text = written.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }  // up to the NUL
            return String(decoding: text, as: UTF8.self) + "/64"
        }
    }
}
