import Database
import HTTPTypes

/// The query of `GET /books`: pagination, `q`, `author`, `genre`, `available`, `sort`.
/// Every value outside its set is a `400` naming the parameter; an empty text filter is no filter.
struct BookListQuery {
    /// The `sort` values, each with its ORDER BY clause (fixed text, never built from input).
    /// `id` breaks ties in the same direction, so an index serves the order, read either way.
    enum Sort: String, CaseIterable {
        case title, titleDescending = "-title"
        case publishedYear = "published_year", publishedYearDescending = "-published_year"
        case id, idDescending = "-id"

        var orderBy: String {
            switch self {
            case .title: return "title ASC, id ASC"
            case .titleDescending: return "title DESC, id DESC"
            case .publishedYear: return "published_year ASC, id ASC"
            case .publishedYearDescending: return "published_year DESC, id DESC"
            case .id: return "id ASC"
            case .idDescending: return "id DESC"
            }
        }

        /// The column the order is by before `id` (`id` itself for the id sorts).
        var keyColumn: String {
            switch self {
            case .title, .titleDescending: return "title"
            case .publishedYear, .publishedYearDescending: return "published_year"
            case .id, .idDescending: return "id"
            }
        }

        /// The rows from `anchor` on, in this order, as a condition a range scan of the sort
        /// index serves (`PageAnchors`). NULL years come first ascending, last descending.
        func rows(from anchor: PageAnchors.Anchor) -> (String, [DatabaseValue]) {
            let id = DatabaseValue.int(anchor.id)
            let value = anchor.value
            switch self {
            case .id: return ("id >= ?", [id])
            case .idDescending: return ("id <= ?", [id])
            case .title: return ("(title > ? OR (title = ? AND id >= ?))", [value, value, id])
            case .titleDescending: return ("(title < ? OR (title = ? AND id <= ?))", [value, value, id])
            case .publishedYear where value.isNull:
                return ("((published_year IS NULL AND id >= ?) OR published_year IS NOT NULL)", [id])
            case .publishedYear:
                return ("(published_year > ? OR (published_year = ? AND id >= ?))", [value, value, id])
            case .publishedYearDescending where value.isNull:
                return ("(published_year IS NULL AND id <= ?)", [id])
            case .publishedYearDescending:
                return ("(published_year < ? OR (published_year = ? AND id <= ?) OR published_year IS NULL)", [value, value, id])
            }
        }
    }

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
