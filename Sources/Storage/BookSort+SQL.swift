import Database

/// Each order's SQL: fixed text of a closed set, never built from input.
extension BookSort {
    var orderBy: SQLQuery {
        switch self {
        case .title: return "title ASC, id ASC"
        case .titleDescending: return "title DESC, id DESC"
        case .publishedYear: return "published_year ASC, id ASC"
        case .publishedYearDescending: return "published_year DESC, id DESC"
        case .id: return "id ASC"
        case .idDescending: return "id DESC"
        }
    }

    /// The columns of the deferred join's page (`page`): its ids and what they are ordered by.
    var pageColumns: SQLQuery {
        switch self {
        case .title, .titleDescending: return "id, title"
        case .publishedYear, .publishedYearDescending: return "id, published_year"
        case .id, .idDescending: return "id"
        }
    }

    /// `orderBy` over the page's columns: the outer query sorts the page's narrow rows, before
    /// they are joined to the wide ones (`BookStore.page`).
    var pageOrderBy: SQLQuery {
        switch self {
        case .title: return "page.title ASC, page.id ASC"
        case .titleDescending: return "page.title DESC, page.id DESC"
        case .publishedYear: return "page.published_year ASC, page.id ASC"
        case .publishedYearDescending: return "page.published_year DESC, page.id DESC"
        case .id: return "page.id ASC"
        case .idDescending: return "page.id DESC"
        }
    }

    /// The column the order is by before `id` (`id` itself for the id sorts).
    var keyColumn: StaticString {
        switch self {
        case .title, .titleDescending: return "title"
        case .publishedYear, .publishedYearDescending: return "published_year"
        case .id, .idDescending: return "id"
        }
    }

    /// The rows from `anchor` on, in this order, as a condition a range scan of the sort
    /// index serves (`PageAnchors`). NULL years come first ascending, last descending.
    func rows(from anchor: BookListAnchor) -> SQLQuery {
        let (value, id) = (anchor.value, anchor.id)
        switch self {
        case .id: return "id >= \(id)"
        case .idDescending: return "id <= \(id)"
        case .title: return "(title > \(value) OR (title = \(value) AND id >= \(id)))"
        case .titleDescending: return "(title < \(value) OR (title = \(value) AND id <= \(id)))"
        case .publishedYear where value.isNull:
            return "((published_year IS NULL AND id >= \(id)) OR published_year IS NOT NULL)"
        case .publishedYear:
            return "(published_year > \(value) OR (published_year = \(value) AND id >= \(id)))"
        case .publishedYearDescending where value.isNull:
            return "(published_year IS NULL AND id <= \(id))"
        case .publishedYearDescending:
            return "(published_year < \(value) OR (published_year = \(value) AND id <= \(id)) OR published_year IS NULL)"
        }
    }
}
