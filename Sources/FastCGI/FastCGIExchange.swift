import CFastCGI
import Glibc

/// One FastCGI request as libfcgi hands it to a worker thread: its parameters, its body and the
/// stream the response is written to. Valid only while the worker is serving that request.
public final class FastCGIExchange {
    private let request: UnsafeMutablePointer<FCGX_Request>

    init(request: UnsafeMutablePointer<FCGX_Request>) {
        self.request = request
    }

    /// Every FastCGI parameter (CGI variables such as `REQUEST_METHOD`, and `HTTP_*` headers).
    public func parameters() -> [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        result.reserveCapacity(32)
        guard var cursor = request.pointee.envp else { return result }
        while let entry = cursor.pointee {
            let pair = UnsafeBufferPointer(start: entry, count: strlen(entry))
            if let equals = pair.firstIndex(of: CChar(UInt8(ascii: "="))) {
                let name = decodeLatin1OrUTF8(UnsafeBufferPointer(rebasing: pair[..<equals]))
                let value = decodeLatin1OrUTF8(UnsafeBufferPointer(rebasing: pair[(equals + 1)...]))
                result.append((name, value))
            }
            cursor += 1
        }
        return result
    }

    /// Reads the request body up to `limit` bytes. Returns `nil` when the body is longer than
    /// `limit`; the rest is then left unread.
    public func readBody(limit: Int) -> [UInt8]? {
        var body: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { chars in
                    FCGX_GetStr(chars.baseAddress, Int32(chars.count), request.pointee.in)
                }
            }
            if count <= 0 { return body }
            if body.count + Int(count) > limit { return nil }
            body.append(contentsOf: chunk[0..<Int(count)])
        }
    }

    /// Reads and throws away up to `limit` bytes of body. True when the body ended within it,
    /// so the connection is clean for the next request.
    public func discardBody(limit: Int) -> Bool {
        var chunk = [CChar](repeating: 0, count: 64 * 1024)
        var total = 0
        while total <= limit {
            let count = FCGX_GetStr(&chunk, Int32(chunk.count), request.pointee.in)
            if count <= 0 { return true }
            total += Int(count)
        }
        return false
    }

    /// Appends bytes to the response stream (CGI headers, blank line, body).
    public func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                _ = FCGX_PutStr(chars.baseAddress, Int32(chars.count), request.pointee.out)
            }
        }
    }

    /// Asks libfcgi to close this web-server connection once the response is sent, instead of
    /// keeping it for the next request (used when unread body bytes would poison it).
    public func closeConnectionAfterResponse() {
        request.pointee.keepConnection = 0
    }
}

/// Header values are bytes; nginx passes them through untouched. Valid UTF-8 is kept, anything
/// else is read as Latin-1 so that no byte is lost and nothing traps.
private func decodeLatin1OrUTF8(_ bytes: UnsafeBufferPointer<CChar>) -> String {
    bytes.withMemoryRebound(to: UInt8.self) { raw in
        if let text = String(validating: raw, as: UTF8.self) { return text }
        return String(String.UnicodeScalarView(raw.map { Unicode.Scalar($0) }))
    }
}
