import FuzzSupport
import HTTPTypes
@testable import LibraryApp

/// The request headers the application reads, as `Name: value` lines. Properties: nothing traps;
/// a header sent on several lines is one list in order; the rate-limit key taken from
/// `X-Forwarded-For` behind a trusted proxy is the nearest untrusted hop (its /64 for IPv6); the request id is always well formed; the bearer token is one space-free word;
/// the queue wait read from `REQUEST_START` is within its bounds.
private let proxy = "10.0.0.1"
private let trustedProxies: Set<String> = [proxy, "10.0.0.2", "::1"]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHeaders(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var received: [(name: String, value: String)] = []
    for line in String(decoding: fuzzInput(data, count), as: UTF8.self).split(separator: "\n") {
        let parts = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        received.append((String(parts[0]), parts.count == 2 ? parts[1].trimmingSpaces() : ""))
    }
    let headers = HTTPFields(received: received)
    check(headers.count == received.filter { HTTPField.Name($0.name) != nil }.count, "a field with a token name was dropped")
    for field in headers {
        field.withUnsafeBytesOfValue { value in
            check(!value.contains(0x0D) && !value.contains(0x0A) && !value.contains(0), "CR, LF or NUL in a value")
        }
    }

    let forwardedLines = headers.filter { $0.name == .xForwardedFor }.map { $0.value }
    let forwardedFor = headers[.xForwardedFor]
    check(forwardedFor == (forwardedLines.isEmpty ? nil : forwardedLines.joined(separator: ", ")), "lines not joined in order")
    let client = ClientAddress.resolve(remoteAddress: proxy, forwardedFor: forwardedFor, trustedProxies: trustedProxies)
    let hops = (forwardedFor ?? "").split(separator: ",").map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
    // The key is an address as given, or an IPv6 client's /64 (`limitKey`).
    check(client == proxy || hops.map(ClientAddress.limitKey).contains(client), "key \(client) is neither the peer nor a hop")
    check(!client.contains(","), "key \(client) holds several hops")
    if let nearestUntrusted = hops.last(where: { !trustedProxies.contains($0) }) {
        check(client == ClientAddress.limitKey(nearestUntrusted), "key \(client), not the nearest untrusted hop \(nearestUntrusted)")
    }
    check(
        ClientAddress.resolve(remoteAddress: "192.0.2.9", forwardedFor: forwardedFor, trustedProxies: trustedProxies) == "192.0.2.9",
        "an untrusted peer's X-Forwarded-For was believed")

    let requestID = RequestID.resolve(incoming: headers.firstValue(.xRequestID))
    check(RequestID.isWellFormed(requestID), "request id \(requestID) is not well formed")

    if let token = BearerAuthenticator.bearerToken(in: headers.firstValue(.authorization)) {
        check(!token.isEmpty && !token.utf8.contains(0x20), "bearer token \(token) is empty or holds a space")
    }
    _ = MediaType.isJSON(headers.firstValue(.contentType) ?? "")
    if let waited = QueueWait.seconds(since: headers.firstValue(HTTPField.Name("Request-Start")!)) {
        check(waited >= 0 && waited < QueueWait.implausibleSeconds, "queue wait \(waited)")
        _ = QueueWait.overloaded(waited: waited)
    }
    return 0
}

runLibFuzzer(fuzzHeaders)
