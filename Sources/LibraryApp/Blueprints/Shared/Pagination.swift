/// `page` and `per_page` of a list endpoint (docs/api.md, Pagination), and the headers that tell a
/// client where it is: `X-Total-Count` and an RFC 8288 `Link` with first/prev/next/last.
struct Pagination: Sendable, Equatable {
    static let defaultPerPage = 10
    static let perPageRange = 1...100

    let page: Int
    let perPage: Int

    var offset: Int { (page - 1) * perPage }

    /// Reads the two parameters; any other value than the allowed ones is a `400` naming it.
    static func read(from query: QueryParameters, errors: inout [String: [String]]) -> Pagination {
        var page = 1
        var perPage = defaultPerPage
        if let text = query["page"] {
            if let value = Int(text), value >= 1, value <= 1_000_000_000 { page = value } else {
                errors["page", default: []].append("Must be an integer of at least 1.")
            }
        }
        if let text = query["per_page"] {
            if let value = Int(text), perPageRange.contains(value) { perPage = value } else {
                errors["per_page", default: []].append("Must be an integer between 1 and 100.")
            }
        }
        return Pagination(page: page, perPage: perPage)
    }

    /// The list headers for `total` items at `path`, keeping the other query parameters.
    func headers(total: Int, path: String, query: QueryParameters) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.set("X-Total-Count", String(total))
        let lastPage = max(1, (total + perPage - 1) / perPage)
        var links: [String] = []
        func link(_ page: Int, _ relation: String) {
            links.append("<\(url(page: page, path: path, query: query))>; rel=\"\(relation)\"")
        }
        link(1, "first")
        if page > 1 { link(min(page - 1, lastPage), "prev") }
        if page < lastPage { link(page + 1, "next") }
        link(lastPage, "last")
        headers.set("Link", links.joined(separator: ", "))
        return headers
    }

    private func url(page: Int, path: String, query: QueryParameters) -> String {
        var pairs = query.pairs.filter { $0.name != "page" && $0.name != "per_page" }
        pairs.append(("page", String(page)))
        pairs.append(("per_page", String(perPage)))
        return path + "?" + pairs.map { "\(Self.encode($0.name))=\(Self.encode($0.value))" }.joined(separator: "&")
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters.
    static func encode(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                output += "%\(hex[Int(byte >> 4)])\(hex[Int(byte & 0xF)])"
            }
        }
        return output
    }
}
