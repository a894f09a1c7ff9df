import Basics
import HTTPTypes
import Storage

/// `page` and `per_page` of a list endpoint (docs/api.md, Pagination), and the headers that tell a
/// client where it is: `X-Total-Count` and an RFC 8288 `Link` with first/prev/next/last.
struct Pagination: Sendable, Equatable {
    static let defaultPerPage = 10
    static let perPageRange = 1...100
    /// The longest `Link` header sent. A response's headers must fit the web server's FastCGI
    /// header buffer (nginx's `fastcgi_buffer_size`: one 4 KiB page by default; lighttpd's is
    /// larger) or the client gets a `502`; the other headers take well under 1 KiB. A `Link`
    /// that would be longer (long `q` or `author` values, percent-encoded, four times over) is
    /// left out: the links are a convenience, `page` and `per_page` say the same.
    static let maximumLinkLength = 2048
    /// The two parameters `read` reads.
    static let parameterNames = ["page", "per_page"]

    let page: Int
    let perPage: Int

    var offset: Int { (page - 1) * perPage }

    /// The rows of the page, as the stores take them.
    var paging: Paging { Paging(offset: offset, limit: perPage) }

    /// Reads the two parameters; any other value than the allowed ones is a `400` naming it.
    static func read(from query: QueryParameters, errors: inout [String: [String]]) -> Pagination {
        var page = 1
        var perPage = defaultPerPage
        if let text = query["page"] {
            if let value = Int(text), value >= 1, value <= 1_000_000_000 {
                page = value
            } else {
                errors["page", default: []].append("Must be an integer of at least 1.")
            }
        }
        if let text = query["per_page"] {
            if let value = Int(text), perPageRange.contains(value) {
                perPage = value
            } else {
                errors["per_page", default: []].append("Must be an integer between 1 and 100.")
            }
        }
        return Pagination(page: page, perPage: perPage)
    }

    /// The list headers for `total` items at `path`. The links keep the first value of each of
    /// `filters` (the list's other parameters) and nothing else: a parameter the list does not
    /// know changes nothing in its answer, so it is not repeated back.
    func headers(total: Int, path: String, query: QueryParameters, filters: [String]) -> HTTPFields {
        var headers = HTTPFields()
        headers[.xTotalCount] = String(total)
        let lastPage = max(1, (total + perPage - 1) / perPage)
        // The links differ in their page number only: the rest of each is encoded once, not
        // once per link (a never-cached list page builds them on every request).
        let head = "<" + urlHead(path: path, query: query, filters: filters) + "page="
        let tail = "&per_page=" + String(perPage) + ">; rel=\""
        var link = ""
        link.reserveCapacity(4 * (head.utf8.count + tail.utf8.count + 16))
        func add(_ page: Int, _ relation: String) {
            if !link.isEmpty { link += ", " }
            link += head
            link += String(page)
            link += tail
            link += relation
            link += "\""
        }
        add(1, "first")
        if page > 1 { add(min(page - 1, lastPage), "prev") }
        if page < lastPage { add(page + 1, "next") }
        add(lastPage, "last")
        if link.utf8.count <= Self.maximumLinkLength { headers[.link] = link }
        return headers
    }

    /// `path?`, then `name=value&` for the first value of each of `filters` present, encoded.
    private func urlHead(path: String, query: QueryParameters, filters: [String]) -> String {
        var head = path + "?"
        for name in filters {
            guard let value = query[name] else { continue }
            head += Self.encode(name)
            head += "="
            head += Self.encode(value)
            head += "&"
        }
        return head
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters.
    /// Text of unreserved characters only (most names and values) is returned as it is.
    static func encode(_ text: String) -> String {
        func isUnreserved(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                return true
            default:
                return false
            }
        }
        if text.utf8.allSatisfy(isUnreserved) { return text }
        var output: [UInt8] = []
        output.reserveCapacity(3 * text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) {
                output.append(byte)
            } else {
                output.append(UInt8(ascii: "%"))
                Hex.append(byte, to: &output, uppercase: true)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
