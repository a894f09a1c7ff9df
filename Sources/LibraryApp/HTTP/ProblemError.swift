public import HTTPTypes
import JSON

/// An error a handler throws to answer with an RFC 9457 problem (`application/problem+json`).
/// `type` is always `about:blank`, so `title` is the status phrase.
public struct ProblemError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var detail: String
    /// Field-level validation messages: `{"email": ["Not a valid email address."]}`.
    public var errors: [String: [String]]
    public var headers: HTTPFields

    public init(
        _ status: HTTPResponse.Status, detail: String, errors: [String: [String]] = [:], headers: HTTPFields = HTTPFields()
    ) {
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    public var response: Response {
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        var writer = JSONWriter()
        writer.object { json in
            json.key("type"); json.string("about:blank")
            json.key("title"); json.string(status.reasonPhrase)
            json.key("status"); json.integer(status.code)
            json.key("detail"); json.string(detail)
            if !errors.isEmpty {
                json.key("errors")
                json.object { fields in
                    for name in errors.keys.sorted() {
                        fields.key(name)
                        fields.array { list in errors[name]!.forEach { list.string($0) } }
                    }
                }
            }
        }
        return Response(status: status, headers: headers, body: writer.bytes)
    }
}
