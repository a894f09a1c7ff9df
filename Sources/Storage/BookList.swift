package import Database

/// The filters of a list of books; nil is no filter.
package struct BookListFilter: Sendable, Equatable {
    package var search: BookSearch?
    /// Exact matches under the column collation (utf8mb4_unicode_ci): case- and accent-insensitive.
    package var author: String?
    package var genre: String?
    package var available: Bool?

    package init(search: BookSearch? = nil, author: String? = nil, genre: String? = nil, available: Bool? = nil) {
        self.search = search
        self.author = author
        self.genre = genre
        self.available = available
    }
}

/// The orders of a list of books. `id` breaks ties in the same direction, so an index serves
/// the order, read either way. The raw values are the `sort` values of `GET /books`.
package enum BookSort: String, CaseIterable, Sendable {
    case title, titleDescending = "-title"
    case publishedYear = "published_year", publishedYearDescending = "-published_year"
    case id, idDescending = "-id"
}

/// The sort key of one row of a list: the sort column's value (unused for the id sorts) and id.
package struct BookListAnchor: Sendable, Equatable {
    package let value: DatabaseValue
    package let id: Int64

    package init(value: DatabaseValue, id: Int64) {
        self.value = value
        self.id = id
    }
}

/// Where a page starts: at `anchor`, after skipping `skip` more rows of the list.
package struct BookListStart: Sendable, Equatable {
    package let anchor: BookListAnchor
    package let skip: Int

    package init(anchor: BookListAnchor, skip: Int) {
        self.anchor = anchor
        self.skip = skip
    }
}
