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

    /// The CGI response the web server expects on FastCGI stdout, written to `output` piece by
    /// piece: the head (a `Status` line, the headers, the blank line), then the body straight
    /// from `body`, left out for `HEAD` with the `GET` length kept. Into libfcgi's stream, each
    /// piece is one copy into its buffer (sent as one record): no array is made for the head,
    /// and a cached list page's ~5 KB is not copied behind it first.
    func writeCGI<Output: CGIOutput>(omitBody: Bool, to output: inout Output) {
        // Numbers written as digits, not interpolated: no String made and freed per response.
        output.write("Status: ")
        output.write(decimal: status.code)
        output.write(" ")
        output.write(text: status.reasonPhrase)
        output.write("\r\n")
        for field in headers {
            output.write(text: field.name.rawName)
            output.write(": ")
            output.write(text: field.value)
            output.write("\r\n")
        }
        if status != .noContent && status != .notModified {
            output.write("Content-Length: ")
            output.write(decimal: body.count)
            output.write("\r\n")
        }
        output.write("\r\n")
        if !omitBody, !body.isEmpty { body.withUnsafeBytes { output.write($0) } }
    }

    /// The CGI response as one byte array (what `writeCGI` writes).
    func cgiBytes(omitBody: Bool) -> [UInt8] {
        var output = CGIBytes()
        writeCGI(omitBody: omitBody, to: &output)
        return output.bytes
    }
}
