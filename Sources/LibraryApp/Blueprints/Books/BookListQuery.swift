import HTTPTypes
import Storage

/// The query of `GET /books`: pagination, `q`, `author`, `genre`, `available`, `sort`.
/// Every value outside its set is a `400` naming the parameter; an empty text filter is no filter.
struct BookListQuery {
    /// The `sort` values (their SQL is `Storage`'s).
    typealias Sort = BookSort

    static let maximumSearchLength = 255
    /// The parameters besides pagination; `read` reads nothing else.
    static let filterNames = ["q", "author", "genre", "available", "sort"]
    static let parameterNames = filterNames + Pagination.parameterNames

    var pagination: Pagination
    var search: BookSearch?
    /// Exact matches under the column collation (utf8mb4_unicode_ci): case- and accent-insensitive.
    var author: String?
    var genre: String?
    var available: Bool?
    var sort: Sort = .id

    /// The filters as the store takes them.
    var filter: BookListFilter {
        BookListFilter(search: search, author: author, genre: genre, available: available)
    }

    static func read(from query: QueryParameters) throws(ProblemError) -> BookListQuery {
        var errors: [String: [String]] = [:]
        let pagination = Pagination.read(from: query, errors: &errors)
        var result = BookListQuery(pagination: pagination)

        func text(_ name: String, maximumLength: Int) -> String? {
            guard let value = query[name], !value.isEmpty else { return nil }
            guard value.count <= maximumLength else {
                errors[name, default: []].append("Longer than maximum length \(maximumLength).")
                return nil
            }
            return value
        }

        if let q = text("q", maximumLength: maximumSearchLength) {
            let search = BookSearch(q)
            if BookSearch.words(in: q).count > BookSearch.maximumWords {
                errors["q", default: []].append("At most \(BookSearch.maximumWords) words.")
            } else if !search.isEmpty {
                result.search = search
            }
        }
        result.author = text("author", maximumLength: 255)
        result.genre = text("genre", maximumLength: 100)
        if let value = query["available"] {
            switch value.lowercased() {
            case "true": result.available = true
            case "false": result.available = false
            default: errors["available", default: []].append("Must be true or false.")
            }
        }
        if let value = query["sort"] {
            if let sort = Sort(rawValue: value) {
                result.sort = sort
            } else {
                errors["sort", default: []].append("Must be one of: \(Sort.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
        }
        guard errors.isEmpty else { throw ProblemError(.badRequest, detail: "Invalid query parameters", errors: errors) }
        return result
    }
}
