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
        return Router(blueprints: [books])
    }()

    func resolve(_ method: String, _ path: String) -> Router.Resolution {
        router.resolve(method: method, pathSegments: path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init))
    }

    @Test func matchesLiteralAndTypedSegments() {
        guard case let .matched(route, parameters) = resolve("GET", "/books/42") else {
            Issue.record("expected a match"); return
        }
        #expect(route.pattern.description == "/books/{id}")
        #expect(parameters.id() == 42)
        guard case let .matched(renew, renewParameters) = resolve("POST", "/books/7/renew") else {
            Issue.record("expected a match"); return
        }
        #expect(renew.method == "POST")
        #expect(renewParameters.id() == 7)
    }

    @Test(arguments: ["/books/abc", "/books/0", "/books/-1", "/books/007", "/books/+5", "/books/1.0",
                      "/books/99999999999999999999", "/books/", "/books/1/", "/nowhere", "/books/1/renew/x", "/"])
    func nonMatchingPathsAreNotFound(path: String) {
        guard case .notFound = resolve("GET", path) else {
            Issue.record("\(path) should be 404"); return
        }
    }

    @Test func wrongMethodListsAllowedMethodsWithHeadForGet() {
        guard case let .methodNotAllowed(allow) = resolve("PUT", "/books/3") else {
            Issue.record("expected 405"); return
        }
        #expect(allow == ["GET", "HEAD", "DELETE"])
        guard case let .methodNotAllowed(renewAllow) = resolve("GET", "/books/3/renew") else {
            Issue.record("expected 405"); return
        }
        #expect(renewAllow == ["POST"])
    }

    @Test func headIsServedByGet() {
        guard case let .matched(route, _) = resolve("HEAD", "/books") else {
            Issue.record("expected HEAD to match GET"); return
        }
        #expect(route.method == "GET")
    }

    @Test func largestIdStillMatches() {
        guard case let .matched(_, parameters) = resolve("GET", "/books/9223372036854775807") else {
            Issue.record("expected a match"); return
        }
        #expect(parameters.id() == Int64.max)
    }
}
