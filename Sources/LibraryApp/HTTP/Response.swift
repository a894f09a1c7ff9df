import Basics
public import HTTPTypes
public import JSON

/// An HTTP response: status, headers and the exact body bytes.
public struct Response: Sendable {
    public var status: HTTPResponse.Status
    public var headers: HTTPFields
    public var body: [UInt8]

    public init(status: HTTPResponse.Status, headers: HTTPFields = HTTPFields(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON response written by `write`; `capacity`, the bytes it will likely take, saves a
    /// large body (a list page) the buffer's regrowths.
    public static func json(
        _ status: HTTPResponse.Status = .ok, headers: HTTPFields = HTTPFields(), capacity: Int = 256,
        _ write: (inout JSONWriter) -> Void
    ) -> Response {
        var writer = JSONWriter(capacity: capacity)
        write(&writer)
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: writer.bytes)
    }

    /// `201 Created` with the new resource's `Location`, its JSON written by `write`.
    public static func created(at location: String, _ write: (inout JSONWriter) -> Void) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        return .json(.created, headers: headers, write)
    }

    public static func noContent(headers: HTTPFields = HTTPFields()) -> Response {
        Response(status: .noContent, headers: headers)
    }

    /// The CGI response the web server expects on FastCGI stdout, handed to `write` in two
    /// parts: the head (`cgiHead`) made in `headBuffer`, which the caller keeps from one
    /// response to the next (emptied here: no array made and freed per response), then the
    /// body straight from `body` (a cached list page's ~5 KB is not copied behind the head
    /// first), left out for `HEAD` with the `GET` length kept.
    func writeCGI(omitBody: Bool, headBuffer: inout [UInt8], to write: ([UInt8]) -> Void) {
        headBuffer.removeAll(keepingCapacity: true)
        appendCGIHead(to: &headBuffer)
        write(headBuffer)
        if !omitBody, !body.isEmpty { write(body) }
    }

    /// The CGI response as one byte array (`writeCGI`'s parts joined).
    func cgiBytes(omitBody: Bool) -> [UInt8] {
        var output: [UInt8] = []
        var head: [UInt8] = []
        writeCGI(omitBody: omitBody, headBuffer: &head) { output.append(contentsOf: $0) }
        return output
    }

    /// A `Status` line, the headers and the blank line.
    func cgiHead() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        appendCGIHead(to: &output)
        return output
    }

    /// `cgiHead` appended to `output`: a worker writes each response's head into one buffer it
    /// keeps, rather than into an array made and freed per response.
    func appendCGIHead(to output: inout [UInt8]) {
        // Numbers appended as digits, not interpolated: no String made and freed per response.
        output.append(contentsOf: "Status: ".utf8)
        DecimalDigits.append(status.code, to: &output)
        output.append(0x20)
        output.append(contentsOf: status.reasonPhrase.utf8)
        output.append(contentsOf: "\r\n".utf8)
        for field in headers {
            output.append(contentsOf: field.name.rawName.utf8)
            output.append(contentsOf: ": ".utf8)
            output.append(contentsOf: field.value.utf8)
            output.append(contentsOf: "\r\n".utf8)
        }
        if status != .noContent && status != .notModified {
            output.append(contentsOf: "Content-Length: ".utf8)
            DecimalDigits.append(body.count, to: &output)
            output.append(contentsOf: "\r\n".utf8)
        }
        output.append(contentsOf: "\r\n".utf8)
    }
}
