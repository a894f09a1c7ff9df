import FuzzSupport
import HTTPTypes
@testable import LibraryApp
import Storage

/// The request target: the query string (`QUERY_STRING`) and the path segments, percent-decoded,
/// then the `GET /books` query read from them (pagination, `q`, filters) and the `Link` header
/// built back from it (bounded, or left out). Properties: decoding is total (a value or `MalformedQuery`, never a trap);
/// what decodes, encoded again the way `Link` encodes it, decodes to the same pairs; the full-text
/// query built from `q` holds no boolean operator but the `+word*` it adds.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzQuery(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let text = String(decoding: fuzzInput(data, count), as: UTF8.self)
    checkPath(text)

    guard let query = try? QueryParameters(parsing: Substring(text)) else { return 0 }
    let encoded = query.pairs.map { "\(Pagination.encode($0.name))=\(Pagination.encode($0.value))" }.joined(separator: "&")
    do {
        let again = try QueryParameters(parsing: Substring(encoded))
        check(
            again.pairs.map(\.name) == query.pairs.map(\.name) && again.pairs.map(\.value) == query.pairs.map(\.value),
            "re-encoded query \(encoded) decodes differently")
    } catch {
        fatalError("re-encoded query \(encoded) is malformed")
    }

    guard let books = try? BookListQuery.read(from: query) else { return 0 }
    if let search = books.search {
        check(search.wordStartPatterns.count <= BookSearch.maximumShortWords, "\(search.wordStartPatterns.count) REGEXP patterns")
        // Scalar by scalar: a word may begin with a combining mark, which joins the `+` into one Character.
        for word in (search.fullTextQuery ?? "").unicodeScalars.split(separator: " ") {
            check(
                word.first == "+" && word.last == "*"
                    && word.dropFirst().dropLast().allSatisfy { !"+-<>()~*\"@ ".unicodeScalars.contains($0) },
                "operator in full-text word \(String(String.UnicodeScalarView(word)))")
        }
    }
    let total = count * 37
    let headers = books.pagination.headers(total: total, path: "/books", query: query, filters: BookListQuery.filterNames)
    check(headers[.xTotalCount] == String(total), "X-Total-Count is \(headers[.xTotalCount] ?? "missing")")
    // Bounded whatever the query: the web servers' FastCGI header buffers are the limit.
    if let link = headers[.link] {
        check(link.utf8.count <= Pagination.maximumLinkLength && link.contains("rel=\"last\""), "Link of \(link.utf8.count) bytes")
    }
    return 0
}

/// The path as `FastCGIAdapter` decodes it: segments between `/`, `+` kept as is.
private func checkPath(_ path: String) {
    for segment in path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
        guard let decoded = try? PercentDecoding.decode(segment, plusAsSpace: false) else { continue }
        let again = try? PercentDecoding.decode(Pagination.encode(decoded).utf8, plusAsSpace: false)
        check(again == decoded, "segment \(decoded) does not survive encoding")
    }
}

runLibFuzzer(fuzzQuery)
