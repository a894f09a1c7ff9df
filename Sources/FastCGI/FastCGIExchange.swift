import CFastCGI
import Glibc

/// One FastCGI request as libfcgi hands it to a worker thread: its parameters, its body and the
/// stream the response is written to. Valid only while the worker is serving that request.
public final class FastCGIExchange {
    private let request: UnsafeMutablePointer<FCGX_Request>

    init(request: UnsafeMutablePointer<FCGX_Request>) {
        self.request = request
    }

    /// The CGI variables the application uses (see `CGIParameters`). Each request header is
    /// handed to `header` as it is read, in order, with its HTTP name and its value's bytes (valid
    /// only during the call; `CGIParameters.text` decodes them): the caller keeps them in its own
    /// form, and no list of them is made and freed in between.
    public func parameters(header: (_ name: String, _ value: UnsafeBufferPointer<UInt8>) -> Void) -> CGIParameters {
        var parameters = CGIParameters()
        guard var cursor = request.pointee.envp else { return parameters }
        while let entry = cursor.pointee {
            let pair = UnsafeBufferPointer(start: UnsafeRawPointer(entry).assumingMemoryBound(to: UInt8.self), count: strlen(entry))
            if let equals = pair.firstIndex(of: UInt8(ascii: "=")) {
                parameters.take(
                    name: UnsafeBufferPointer(rebasing: pair[..<equals]),
                    value: UnsafeBufferPointer(rebasing: pair[(equals + 1)...]), header: header)
            }
            cursor += 1
        }
        return parameters
    }

    /// Reads the request body up to `limit` bytes. Returns `nil` when the body is longer than
    /// `limit`; the rest is then left unread.
    public func readBody(limit: Int) -> [UInt8]? {
        var body: [UInt8] = []
        // A scratch buffer that is neither zeroed nor on the heap: most requests have no body,
        // and this runs for each of them.
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16 * 1024) { chunk -> [UInt8]? in
            while true {
                let count = chunk.withMemoryRebound(to: CChar.self) { chars in
                    FCGX_GetStr(chars.baseAddress, Int32(chars.count), request.pointee.in)
                }
                if count <= 0 { return body }
                if body.count + Int(count) > limit { return nil }
                body.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[..<Int(count)]))
            }
        }
    }

    /// Reads and throws away up to `limit` bytes of body. True when the body ended within it,
    /// so the connection is clean for the next request.
    public func discardBody(limit: Int) -> Bool {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64 * 1024) { chunk in
            var total = 0
            while total <= limit {
                let count = FCGX_GetStr(chunk.baseAddress, Int32(chunk.count), request.pointee.in)
                if count <= 0 { return true }
                total += Int(count)
            }
            return false
        }
    }

    /// Appends bytes to the response stream (CGI headers, blank line, body): libfcgi copies
    /// them into its buffer, which goes out as a record when it fills or the response ends, so
    /// a response written in many small pieces still makes one send.
    public func write(_ bytes: UnsafeRawBufferPointer) {
        guard let start = bytes.baseAddress, !bytes.isEmpty else { return }
        _ = FCGX_PutStr(start.assumingMemoryBound(to: CChar.self), Int32(bytes.count), request.pointee.out)
    }

    /// Asks libfcgi to close this web-server connection once the response is sent, instead of
    /// keeping it for the next request (used when unread body bytes would poison it).
    public func closeConnectionAfterResponse() {
        request.pointee.keepConnection = 0
    }
}
