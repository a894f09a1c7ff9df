import Database
import Logging
import HTTPTypes
import Models
import Testing
@testable import LibraryApp
import JSON

/// The dispatch pipeline without a socket: routing outcomes, body rules and error containment.
@Suite struct ApplicationTests {
    struct Boom: Error {}

    let application = try! Application(
        configuration: Configuration(environment: .testing, secretKey: String(repeating: "k", count: 32)),
        logger: Logger(label: "test"))

    func request(_ method: String, _ path: String, headers: [(String, String)] = [], body: String = "") -> Request {
        Request(
            method: HTTPRequest.Method(method)!,
            pathSegments: path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init),
            rawPath: path, headers: HTTPFields(headers.map { HTTPField(name: HTTPField.Name($0.0)!, value: $0.1) }), body: Array(body.utf8),
            requestID: "test-id")
    }

    @Test func healthWithoutADatabaseIs503WithRetryAfter() throws {
        let response = application.handle(request("GET", "/health"), context: application.makeContext())
        #expect(response.status == .serviceUnavailable)
        #expect(response.headers[.retryAfter] == "5")
        #expect(
            try JSONParser.parse(response.body)
                == .object([
                    "status": .string("unavailable"), "database": .string("unavailable"), "cache": .string("unavailable"),
                ]))
    }

    @Test func protectedRoutesWantATokenBeforeAnyDatabaseWork() throws {
        let response = application.handle(request("GET", "/users/me"), context: application.makeContext())
        #expect(response.status == .unauthorized)
        #expect(response.headers[.wwwAuthenticate] == "Bearer")
        let forged = application.handle(
            request("GET", "/users/me", headers: [("Authorization", "Bearer a.b.c")]),
            context: application.makeContext())
        #expect(forged.status == .unauthorized)
        #expect(forged.headers[.wwwAuthenticate] == #"Bearer error="invalid_token""#)
    }

    @Test func unknownPathIs404AndWrongMethodIs405WithAllow() {
        let context = application.makeContext()
        #expect(application.handle(request("GET", "/nope"), context: context).status == .notFound)
        let wrong = application.handle(request("POST", "/health"), context: context)
        #expect(wrong.status == .methodNotAllowed)
        #expect(wrong.headers[.allow] == "GET, HEAD")
    }

    @Test func jsonBodyRules() {
        let json = [("Content-Type", "application/json; charset=utf-8")]
        #expect(throws: Never.self) { try request("POST", "/x", headers: json, body: #"{"a":1}"#).jsonObject() }
        #expect(problemStatus { try request("POST", "/x", headers: [("Content-Type", "text/plain")], body: "{}").jsonObject() } == 415)
        #expect(problemStatus { try request("POST", "/x", body: "{}").jsonObject() } == 415)
        #expect(problemStatus { try request("POST", "/x", headers: json, body: "{bad json").jsonObject() } == 400)
        #expect(problemStatus { try request("POST", "/x", headers: json, body: "[1,2]").jsonObject() } == 400)
        #expect(problemStatus { try request("POST", "/x", headers: json, body: "").jsonObject() } == 400)
    }

    @Test func jsonMediaTypeIsReadAsTheContractSays() {
        for accepted in [
            "application/json", "Application/JSON", "application/json; charset=utf-8", " \tapplication/json \t;x",
            "application/json;", "APPLICATION/JSON ",
        ] {
            #expect(MediaType.isJSON(accepted), "\(accepted)")
        }
        for refused in [
            "", ";application/json", "text/plain", "application/jsonx", "application/json-seq", "application/jso",
            "application json", "application\u{0F}json", "x application/json", "application/json x", "applicatio\u{E9}/json",
            "application/jsön", "application\u{2F}\u{301}json",
        ] {
            #expect(!MediaType.isJSON(refused), "\(refused)")
        }
    }

    func problemStatus(_ body: () throws -> [String: JSONValue]) -> Int? {
        do { _ = try body(); return nil } catch let problem as ProblemError { return problem.status.code } catch { return -1 }
    }

    @Test func thrownErrorsBecomeProblemsWithoutInternals() throws {
        var blueprint = Blueprint("boom")
        blueprint.get("/boom", access: .everyone) { _, _ in throw Boom() }
        blueprint.get("/conflict", access: .everyone) { _, _ in throw ProblemError(.conflict, detail: "Already returned") }
        let app = try Application(configuration: application.configuration, logger: Logger(label: "test"), blueprints: [blueprint])
        let context = app.makeContext()

        let response = app.handle(request("GET", "/boom"), context: context)
        #expect(response.status == .internalServerError)
        #expect(response.headers[.contentType] == "application/problem+json")
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(text.contains("test-id"))
        #expect(!text.contains("Boom"))
        #expect(!text.contains("ApplicationTests"))
        #expect(app.handle(request("GET", "/conflict"), context: context).status == .conflict)
    }

    /// A domain error thrown by a handler renders itself (`ProblemRepresentable`): the handler
    /// maps nothing, dispatch's one catch gives its status, message, field errors and headers.
    @Test func domainErrorsRenderThemselves() throws {
        var blueprint = Blueprint("domain", prefix: "/domain")
        blueprint.post("/isbn", access: .everyone) { _, _ in throw BookConflict.duplicateISBN }
        blueprint.post("/admin", access: .everyone) { _, _ in throw UserConflict.lastAdmin(userID: 7) }
        blueprint.post("/loan", access: .everyone) { _, _ in throw LoanPolicy.Refusal.noCopyAvailable }
        blueprint.post("/busy", access: .everyone) { _, _ in throw PasswordService.Busy() }
        let app = try Application(configuration: application.configuration, logger: Logger(label: "test"), blueprints: [blueprint])
        let context = app.makeContext()

        let isbn = app.handle(request("POST", "/domain/isbn"), context: context)
        #expect(isbn.status == .conflict && isbn.headers[.contentType] == "application/problem+json")
        #expect(
            try JSONParser.parse(isbn.body)
                == .object([
                    "type": .string("about:blank"), "title": .string("Conflict"), "status": .integer(409),
                    "detail": .string("Another book already has that ISBN"),
                    "errors": .object(["isbn": .array([.string("Already taken.")])]),
                ]))
        let admin = app.handle(request("POST", "/domain/admin"), context: context)
        #expect(admin.status == .conflict)
        #expect(String(decoding: admin.body, as: UTF8.self).contains("User 7 is the last admin; make another user admin first"))
        let loan = app.handle(request("POST", "/domain/loan"), context: context)
        #expect(loan.status == .conflict && String(decoding: loan.body, as: UTF8.self).contains("No copy of this book is available"))
        let busy = app.handle(request("POST", "/domain/busy"), context: context)
        #expect(busy.status == .serviceUnavailable && busy.headers[.retryAfter] == "1")
    }

    @Test func aDeadlockPastItsRetriesIs503WithRetryAfter() throws {
        var blueprint = Blueprint("contended")
        blueprint.post("/contended", access: .everyone) { _, _ in throw DatabaseError.deadlock(code: 1213) }
        let app = try Application(configuration: application.configuration, logger: Logger(label: "test"), blueprints: [blueprint])

        // Rolled back, nothing written: the client may simply try again (not a 500).
        let response = app.handle(request("POST", "/contended"), context: app.makeContext())
        #expect(response.status == .serviceUnavailable)
        #expect(response.headers[.retryAfter] == "1")
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(!text.contains("1213") && !text.lowercased().contains("deadlock"))
    }

    /// A misspelled path parameter is a programming error answered `500`, never the id 0.
    @Test func aMisspelledPathParameterIsAnInternalErrorNotIdZero() throws {
        var blueprint = Blueprint("things", prefix: "/things")
        blueprint.get("/{id}", access: .everyone) { request, _ in
            let id = try request.pathParameters.id("thing_id")
            return Response(status: id == 0 ? .ok : .noContent)
        }
        let app = try Application(configuration: application.configuration, logger: Logger(label: "test"), blueprints: [blueprint])
        #expect(app.handle(request("GET", "/things/5"), context: app.makeContext()).status == .internalServerError)
    }

    /// A write refused before its handler ran (here: the rate limiter failing closed) changed
    /// nothing, so it must not invalidate the cache (which, with memcached away, would distrust it).
    @Test func aWriteRefusedBeforeItsHandlerDoesNotInvalidate() throws {
        var configuration = Configuration(
            environment: .testing, secretKey: String(repeating: "k", count: 32),
            memcachedServers: ["/nonexistent/library-test/memcached.sock"])
        configuration.rateLimits.failClosed = true
        var blueprint = Blueprint("writes", prefix: "/writes")
        blueprint.post("", access: .everyone, invalidates: .books) { _, _ in Response(status: .created) }
        let app = try Application(configuration: configuration, logger: Logger(label: "test"), blueprints: [blueprint])
        let response = app.handle(request("POST", "/writes"), context: app.makeContext())
        #expect(response.status == .serviceUnavailable)
        #expect(app.cacheCoordinator.cacheIsTrustworthy)
    }
}
