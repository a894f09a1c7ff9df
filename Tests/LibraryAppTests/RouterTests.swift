import Logging
import HTTPTypes
import Testing
@testable import LibraryApp

@Suite struct RouterTests {
    let router: Router = {
        var books = Blueprint("books", prefix: "/books")
        books.get("", access: .everyone) { _, _ in Response(status: .ok) }
        books.post("", access: .everyone) { _, _ in Response(status: .created) }
        books.get("/{id}", access: .everyone) { _, _ in Response(status: .ok) }
        books.delete("/{id}", access: .everyone) { _, _ in Response(status: .noContent) }
        books.post("/{id}/renew", access: .everyone) { _, _ in Response(status: .ok) }
        return try! Router(blueprints: [books])
    }()

    func resolve(_ method: String, _ path: String) -> Router.Resolution {
        router.resolve(
            method: HTTPRequest.Method(method)!,
            pathSegments: path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init))
    }

    @Test func matchesLiteralAndTypedSegments() throws {
        guard case let .matched(route, parameters) = resolve("GET", "/books/42") else {
            Issue.record("expected a match"); return
        }
        #expect(route.pattern.description == "/books/{id}")
        #expect(try parameters.id() == 42)
        guard case let .matched(renew, renewParameters) = resolve("POST", "/books/7/renew") else {
            Issue.record("expected a match"); return
        }
        #expect(renew.method == .post)
        #expect(try renewParameters.id() == 7)
    }

    @Test(arguments: [
        "/books/abc", "/books/0", "/books/-1", "/books/007", "/books/+5", "/books/1.0",
        "/books/99999999999999999999", "/books/", "/books/1/", "/nowhere", "/books/1/renew/x", "/",
    ])
    func nonMatchingPathsAreNotFound(path: String) {
        guard case .notFound = resolve("GET", path) else {
            Issue.record("\(path) should be 404"); return
        }
    }

    @Test func wrongMethodListsAllowedMethodsWithHeadForGet() {
        guard case let .methodNotAllowed(allow) = resolve("PUT", "/books/3") else {
            Issue.record("expected 405"); return
        }
        #expect(allow == [.get, .head, .delete])
        guard case let .methodNotAllowed(renewAllow) = resolve("GET", "/books/3/renew") else {
            Issue.record("expected 405"); return
        }
        #expect(renewAllow == [.post])
    }

    @Test func headIsServedByGet() {
        guard case let .matched(route, _) = resolve("HEAD", "/books") else {
            Issue.record("expected HEAD to match GET"); return
        }
        #expect(route.method == .get)
    }

    @Test func largestIdStillMatches() throws {
        guard case let .matched(_, parameters) = resolve("GET", "/books/9223372036854775807") else {
            Issue.record("expected a match"); return
        }
        #expect(try parameters.id() == Int64.max)
    }

    @Test func aMisspelledParameterNameThrowsInsteadOfGivingZero() {
        guard case let .matched(_, parameters) = resolve("GET", "/books/42") else {
            Issue.record("expected a match"); return
        }
        #expect(throws: (any Error).self) { try parameters.id("book_id") }
    }

    static let ok: Handler = { _, _ in Response(status: .ok) }

    /// A route registered twice would be dead (the first answers every request): start-up stops.
    @Test func aRouteRegisteredTwiceIsRefused() {
        var books = Blueprint("books", prefix: "/books")
        books.get("/{id}", access: .everyone, Self.ok)
        var more = Blueprint("more", prefix: "/books")
        more.get("/{book}", access: .admin, Self.ok)
        #expect(throws: (any Error).self) { try Router(blueprints: [books, more]) }
        #expect(throws: (any Error).self) { try Router(blueprints: [books, books]) }
    }

    /// A route that an earlier one always answers first can never run.
    @Test func aRouteShadowedByAnEarlierOneIsRefused() {
        var books = Blueprint("books", prefix: "/books")
        books.get("/{id}", access: .everyone, Self.ok)
        books.get("/5", access: .everyone, Self.ok)
        #expect(throws: (any Error).self) { try Router(blueprints: [books]) }
    }

    @Test func routesThatMerelyOverlapAreAccepted() {
        var books = Blueprint("books", prefix: "/books")
        books.get("/5", access: .everyone, Self.ok)  // more specific first: both reachable
        books.get("/{id}", access: .everyone, Self.ok)
        books.post("/{id}", access: .everyone, Self.ok)  // another method
        books.get("/search", access: .everyone, Self.ok)  // not an id: never matched by {id}
        books.get("/{id}/renew", access: .everyone, Self.ok)
        #expect(throws: Never.self) { try Router(blueprints: [books]) }
    }

    /// The router looks routes up by segment count and first segment: a pattern that starts
    /// with an `{id}` must still be tried for every path of its length, in table order.
    @Test func routesStartingWithAnIdAreTriedBesideLiteralOnesInTableOrder() throws {
        var root = Blueprint("root", prefix: "")
        root.get("/books/{id}", access: .everyone) { _, _ in Response(status: .ok) }
        root.get("/{id}/{book}", access: .everyone) { _, _ in Response(status: .accepted) }
        root.delete("/{id}/{book}", access: .everyone) { _, _ in Response(status: .noContent) }
        root.get("/5/mine", access: .everyone) { _, _ in Response(status: .created) }
        let router = try Router(blueprints: [root])
        func resolve(_ method: HTTPRequest.Method, _ segments: [String]) -> Router.Resolution {
            router.resolve(method: method, pathSegments: segments)
        }
        guard case let .matched(book, _) = resolve(.get, ["books", "3"]) else { Issue.record("expected a match"); return }
        #expect(book.pattern.description == "/books/{id}")
        for first in ["5", "6"] {  // with and without a literal pattern starting so
            guard case let .matched(pair, parameters) = resolve(.get, [first, "3"]) else { Issue.record("expected a match"); return }
            #expect(pair.pattern.description == "/{id}/{book}")
            #expect(try parameters.id() == Int64(first)! && parameters.id("book") == 3)
        }
        guard case let .matched(mine, _) = resolve(.get, ["5", "mine"]) else { Issue.record("expected a match"); return }
        #expect(mine.pattern.description == "/5/mine")
        guard case let .methodNotAllowed(allow) = resolve(.put, ["5", "3"]) else { Issue.record("expected 405"); return }
        #expect(allow == [.get, .head, .delete])
        guard case .notFound = resolve(.get, ["books", "3", "x"]) else { Issue.record("expected 404"); return }
        guard case .notFound = resolve(.get, ["x", "3"]) else { Issue.record("expected 404"); return }
    }

    @Test func theApplicationsOwnRouteTableIsValid() {
        for environment in Configuration.Environment.allCases {
            let configuration = Configuration(environment: environment, secretKey: String(repeating: "k", count: 32))
            #expect(throws: Never.self) { try Application(configuration: configuration, logger: .init(label: "test")) }
        }
    }
}
