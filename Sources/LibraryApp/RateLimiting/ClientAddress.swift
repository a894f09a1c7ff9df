/// The address rate limits are keyed by: `REMOTE_ADDR` as the web server passes it, or, when
/// that peer is a trusted proxy, the nearest untrusted address in `X-Forwarded-For` (walking
/// from the right, so a client cannot forge its way past the proxies).
enum ClientAddress {
    static func resolve(remoteAddress: String, forwardedFor: @autoclosure () -> String?, trustedProxies: Set<String>) -> String {
        guard trustedProxies.contains(remoteAddress), let forwardedFor = forwardedFor() else { return remoteAddress }
        let hops = forwardedFor.split(separator: ",").map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
        for hop in hops.reversed() where !trustedProxies.contains(hop) {
            return hop
        }
        return hops.first ?? remoteAddress
    }
}
