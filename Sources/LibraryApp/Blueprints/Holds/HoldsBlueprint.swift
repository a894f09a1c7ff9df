import Foundation
import Models
import HTTPTypes
import JSON
import Storage

/// `/holds`: the queue for books that are out. Users see and cancel their own holds (another
/// user's hold is `404`); admins every hold, and each book's queue (`GET /books/{id}/holds`).
enum HoldsBlueprint {
    static func make() -> Blueprint {
        var holds = Blueprint("holds", prefix: "/holds")
        // A hold placed or cancelled changes its book's holds_waiting or copies_available.
        holds.post("", access: .user, invalidates: .books, place)
        holds.get("", access: .user, list)
        holds.get("/{id}", access: .ownerOrAdmin, show)
        holds.delete("/{id}", access: .ownerOrAdmin, invalidates: .books, cancel)
        return holds
    }

    @Sendable static func place(_ request: Request, _ context: Context) throws -> Response {
        let caller = try request.requirePrincipal()
        let input = try HoldSchemas.place(request.jsonObject())
        let userID = input.userID ?? caller.userID
        if userID != caller.userID && !caller.isAdmin {
            throw ProblemError(.forbidden, detail: "Only admins may place a hold for another user")
        }
        let store = try context.storage().holds
        switch try store.place(userID: userID, bookID: input.bookID) {
        case let .placed(id):
            guard let hold = try store.find(id: id) else { throw notFound(id) }
            return .created(at: "/holds/\(id)") { HoldSchemas.write(hold, to: &$0) }
        case .noSuchUser:
            throw UsersBlueprint.notFound(userID)
        case .noSuchBook:
            throw BooksBlueprint.notFound(input.bookID)
        }
    }

    @Sendable static func list(_ request: Request, _ context: Context) throws -> Response {
        let query = try HoldListQuery.read(from: request.query, caller: request.requirePrincipal())
        let store = try context.storage().holds
        try store.expireDue(bookID: query.bookID)
        let page = try store.list(query.filter, paging: query.pagination.paging)
        return .json(
            headers: query.pagination.headers(total: page.total, path: "/holds", query: request.query, filters: HoldListQuery.filterNames)
        ) { json in
            json.array { list in page.holds.forEach { HoldSchemas.write($0, to: &list) } }
        }
    }

    @Sendable static func show(_ request: Request, _ context: Context) throws -> Response {
        let store = try context.storage().holds
        var hold = try callersHold(request, store: store)
        if try store.expireDue(bookID: hold.book.id) > 0, let current = try store.find(id: hold.id) { hold = current }
        return .json { HoldSchemas.write(hold, to: &$0) }
    }

    @Sendable static func cancel(_ request: Request, _ context: Context) throws -> Response {
        let store = try context.storage().holds
        let hold = try callersHold(request, store: store)
        guard try store.cancel(hold) else { throw HoldPolicy.Refusal.notActive }
        return .noContent()
    }

    /// `GET /books/{id}/holds` (a route of the books blueprint).
    @Sendable static func forBook(_ request: Request, _ context: Context) throws -> Response {
        var errors: [String: [String]] = [:]
        let pagination = Pagination.read(from: request.query, errors: &errors)
        guard errors.isEmpty else { throw ProblemError(.badRequest, detail: "Invalid query parameters", errors: errors) }
        let id = try request.pathParameters.id()
        let storage = try context.storage()
        guard try storage.books.find(id: id) != nil else { throw BooksBlueprint.notFound(id) }
        try storage.holds.expireDue(bookID: id)
        let page = try storage.holds.active(bookID: id, paging: pagination.paging)
        return .json(headers: pagination.headers(total: page.total, path: "/books/\(id)/holds", query: request.query, filters: [])) {
            json in
            json.array { list in page.holds.forEach { HoldSchemas.write($0, to: &list) } }
        }
    }

    // MARK: helpers

    /// The hold of the path, if the caller may see it: its holder or an admin; `404` to anyone else.
    private static func callersHold(_ request: Request, store: any HoldRepository) throws -> Hold {
        let caller = try request.requirePrincipal()
        let id = try request.pathParameters.id()
        guard let hold = try store.find(id: id) else { throw notFound(id) }
        try caller.requireOwnerOrAdmin(ownerID: hold.userID, notFound: notFound(id))
        return hold
    }

    static func notFound(_ id: Int64) -> ProblemError {
        ProblemError(.notFound, detail: "Hold \(id) not found")
    }
}
