public import HTTPTypes
public import JSON

/// An HTTP request as the web server passed it over FastCGI, decoded and bounded.
public struct Request: Sendable {
    public let method: HTTPRequest.Method
    /// The percent-decoded path segments of the request target (`/books/7` → `["books", "7"]`).
    public let pathSegments: [String]
    /// The path as received, undecoded, without the query (for logs and `Location`-style links).
    public let rawPath: String
    public let query: QueryParameters
    public let headers: HTTPFields
    /// The client address as the web server saw it (`REMOTE_ADDR`).
    public let remoteAddress: String
    public let body: [UInt8]
    public let requestID: String
    /// Typed values captured from the route pattern, e.g. `{id}`.
    public internal(set) var pathParameters: PathParameters = PathParameters()
    /// The caller, set before the handler runs on every route that is not open to everyone.
    public internal(set) var principal: Principal?
    /// What the request's one memcached round trip read (its cached answer's stamp and the
    /// route's `companionKeys`), for a cached route's handler.
    var cacheReads = CacheReads()

    /// The caller of a route declared `user`, `admin` or `ownerOrAdmin`.
    public func requirePrincipal() throws(ProblemError) -> Principal {
        guard let principal else { throw BearerAuthenticator.unauthorized("Token is missing", challenge: BearerAuthenticator.challenge) }
        return principal
    }

    public init(
        method: HTTPRequest.Method, pathSegments: [String], rawPath: String, query: QueryParameters = QueryParameters(),
        headers: HTTPFields = HTTPFields(), remoteAddress: String = "127.0.0.1", body: [UInt8] = [],
        requestID: String = RequestID.generate()
    ) {
        self.method = method
        self.pathSegments = pathSegments
        self.rawPath = rawPath
        self.query = query
        self.headers = headers
        self.remoteAddress = remoteAddress
        self.body = body
        self.requestID = requestID
    }

    /// The body as a JSON object, enforcing the body rules of the contract: `415` unless the
    /// content type is JSON, `400` for malformed JSON or a JSON value that is not an object.
    public func jsonObject() throws(ProblemError) -> [String: JSONValue] {
        guard let contentType = headers.firstValue(.contentType), MediaType.isJSON(contentType) else {
            throw ProblemError(.unsupportedMediaType, detail: "The request body must be JSON, sent with Content-Type: application/json")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(body)
        } catch {
            throw ProblemError(.badRequest, detail: "The request body is not valid JSON: \(error.description)")
        }
        guard case let .object(members) = value else {
            throw ProblemError(
                .badRequest,
                detail: "The request body must be a JSON object, not \(value.typeName == "array" ? "an" : "a") \(value.typeName)")
        }
        return members
    }
}

/// Path parameters captured by a route pattern. Only positive integer ids exist in this API.
public struct PathParameters: Sendable {
    /// A route has one or two ids: a list searched in order costs less than hashing into a dictionary.
    private var values: [Captured] = []

    /// A struct, not a tuple: an array of tuples is destroyed through the runtime's generic
    /// tuple code, element by element (with every request).
    private struct Captured {
        let name: String
        var value: Int64
    }

    public init() {}

    mutating func set(_ name: String, _ value: Int64) {
        if let index = values.firstIndex(where: { $0.name == name }) {
            values[index].value = value
        } else {
            values.append(Captured(name: name, value: value))
        }
    }

    /// A handler asked for a `{name}` its route's pattern does not have: a programming error,
    /// answered `500` (and logged), never a silent id 0.
    public struct UnknownName: Error, CustomStringConvertible {
        public let name: String
        public var description: String { "the route's path has no {\(name)}" }
    }

    /// The value of `{name}`: present whenever the route's pattern names it, since routes only
    /// run when their pattern matched.
    public func id(_ name: String = "id") throws(UnknownName) -> Int64 {
        guard let value = values.first(where: { $0.name == name })?.value else { throw UnknownName(name: name) }
        return value
    }
}

enum MediaType {
    private static let json = Array("application/json".utf8)

    /// `application/json`, with or without parameters such as `; charset=utf-8`, spaces and tabs
    /// around it, in any ASCII case. Read on the bytes: every request with a JSON body asks (a
    /// split, two reversals and a `String` built by `Character` were 3 % of the app's samples in
    /// borrow+return, docs/performance.md).
    static func isJSON(_ contentType: String) -> Bool {
        var contentType = contentType
        return contentType.withUTF8 { bytes in
            var end = bytes.firstIndex(of: UInt8(ascii: ";")) ?? bytes.endIndex
            var start = bytes.startIndex
            while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
            while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
            guard end - start == json.count else { return false }
            for (offset, expected) in json.enumerated() where asciiLowercased(bytes[start + offset]) != expected {
                return false
            }
            return true
        }
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
