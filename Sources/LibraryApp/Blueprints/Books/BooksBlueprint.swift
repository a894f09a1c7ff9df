import Basics
import Models
import HTTPTypes
import JSON
import Storage

/// `/books`: the catalogue. Anyone signed in reads it; only admins change it.
enum BooksBlueprint {
    static func make() -> Blueprint {
        var books = Blueprint("books", prefix: "/books")
        books.get(
            "", access: .user, cache: .books, query: BookListQuery.parameterNames,
            companionKeys: { [ListCountCache.key(for: $0.query)] }, list)
        books.post("", access: .admin, invalidates: .catalogue, create)
        books.get("/{id}", access: .user, cache: .books, show)
        books.put("/{id}", access: .admin, invalidates: .catalogue, replace)
        books.patch("/{id}", access: .admin, invalidates: .catalogue, update)
        books.delete("/{id}", access: .admin, invalidates: .catalogue, delete)
        books.get("/{id}/holds", access: .admin, HoldsBlueprint.forBook)
        return books
    }

    @Sendable static func list(_ request: Request, _ context: Context) throws -> Response {
        let query = try BookListQuery.read(from: request.query)
        let counts = context.cache.map {
            ListCountCache(
                client: $0, seal: context.cacheSeal, timeoutSeconds: context.configuration.cacheTimeoutSeconds,
                query: request.query)
        }
        let cached = counts?.read(from: request.cacheReads)
        let store = try context.storage().books
        let total = try cached?.count ?? store.count(query.filter)
        if let counts, let cached, cached.count == nil { counts.store(total, stamp: cached.stamp) }
        var books: [Book] = []
        if query.pagination.offset < total {  // past the end the page is empty: no query
            var start: PageAnchors.Start?
            if let counts, let stamp = cached?.stamp, query.search == nil {
                start = try context.pageAnchors.start(
                    of: counts.key + "&sort=" + query.sort.rawValue,
                    offset: query.pagination.offset, total: total, stamp: stamp
                ) {
                    try store.anchors(query.filter, sort: query.sort, every: PageAnchors.spacing)
                }
            }
            books = try store.page(query.filter, sort: query.sort, paging: query.pagination.paging, from: start)
        }
        return .json(
            headers: query.pagination.headers(total: total, path: "/books", query: request.query, filters: BookListQuery.filterNames),
            capacity: 2 + books.count * BookSchemas.typicalSize
        ) { json in
            json.array { list in books.forEach { BookSchemas.write($0, to: &list) } }
        }
    }

    @Sendable static func show(_ request: Request, _ context: Context) throws -> Response {
        let id = try request.pathParameters.id()
        guard let book = try context.storage().books.find(id: id) else { throw notFound(id) }
        return ok(book)
    }

    @Sendable static func create(_ request: Request, _ context: Context) throws -> Response {
        let fields = try BookSchemas.fullBook(request.jsonObject(), currentYear: UTCDateTime.currentYear())
        let book = try context.storage().books.insert(fields)
        return .created(at: "/books/\(book.id)") { BookSchemas.write(book, to: &$0) }
    }

    @Sendable static func replace(_ request: Request, _ context: Context) throws -> Response {
        try conditionally(request, context) {
            let fields = try BookSchemas.fullBook(request.jsonObject(), currentYear: UTCDateTime.currentYear())
            return try apply(BookChanges(replacingWith: fields), to: request.pathParameters.id(), context: context)
        }
    }

    @Sendable static func update(_ request: Request, _ context: Context) throws -> Response {
        try conditionally(request, context) {
            let changes = try BookSchemas.changes(request.jsonObject(), currentYear: UTCDateTime.currentYear())
            return try apply(changes, to: request.pathParameters.id(), context: context)
        }
    }

    @Sendable static func delete(_ request: Request, _ context: Context) throws -> Response {
        try conditionally(request, context) { try deleting(try request.pathParameters.id(), context: context) }
    }

    /// A write with `If-Match` (docs/api.md, Conditional writes) runs in one transaction that
    /// first locks the book's row and compares its current `ETag` (that of `GET /books/{id}`'s
    /// body) with the header: `404` before `412`, and `412` before the body is even read, so
    /// before any `400` or `409`. Without the header the write runs as it always did.
    private static func conditionally(_ request: Request, _ context: Context, _ write: () throws -> Response) throws -> Response {
        guard let condition = request.headers.firstValue(.ifMatch) else { return try write() }
        let id = try request.pathParameters.id()
        return try context.storage().books.withLockedBook(id: id) { book in
            guard let book else { throw notFound(id) }
            guard ResponseCache.matches(ifMatch: condition, etag: ResponseCache.etag(of: ok(book).body)) else {
                throw ProblemError(.preconditionFailed, detail: "Book \(id) has changed: its ETag no longer matches If-Match")
            }
            return try write()
        }
    }

    private static func deleting(_ id: Int64, context: Context) throws -> Response {
        guard try context.storage().books.delete(id: id) else { throw notFound(id) }
        return .noContent()
    }

    // MARK: helpers

    private static func apply(_ changes: BookChanges, to id: Int64, context: Context) throws -> Response {
        guard let book = try context.storage().books.update(id: id, changes) else { throw notFound(id) }
        var response = ok(book)
        response.headers[.eTag] = ResponseCache.etag(of: response.body)  // the new one
        return response
    }

    private static func ok(_ book: Book) -> Response {
        .json { BookSchemas.write(book, to: &$0) }
    }

    static func notFound(_ id: Int64) -> ProblemError {
        ProblemError(.notFound, detail: "Book \(id) not found")
    }
}
