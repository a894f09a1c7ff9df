import Foundation
import HTTPTypes
import JSON
import Logging
import Models
import Security
import Storage
import StorageInMemory

@testable import LibraryApp

/// The real router, dispatch and handlers over an in-memory library: handler rules tested in
/// process, with no MariaDB and no memcached (rate limits off; nothing cached).
final class InMemoryApp {
    let library: InMemoryLibrary
    let application: Application
    let context: Context

    init(configure: (inout Configuration) -> Void = { _ in }) throws {
        var configuration = Configuration(environment: .testing, secretKey: String(repeating: "k", count: 32))
        configuration.rateLimits.enabled = false
        configuration.passwordHashingCost = .testing
        configure(&configuration)
        let library = InMemoryLibrary(holdPolicy: configuration.holdPolicy)
        self.library = library
        application = try Application(configuration: configuration, logger: Logger(label: "test"), storage: { _ in library.session() })
        context = application.makeContext()
    }

    struct Answer {
        let status: Int
        let headers: HTTPFields
        let json: JSONValue?

        subscript(key: String) -> JSONValue? { json?[key] }
        var detail: String? { self["detail"]?.string }
    }

    /// One request through `Application.handle`; `token` as a bearer token, `body` as JSON.
    func call(_ method: String, _ path: String, token: String? = nil, body: String? = nil, headers: [(String, String)] = []) -> Answer {
        let parts = path.split(separator: "?", maxSplits: 1)
        var fields = headers
        if let token { fields.append(("Authorization", "Bearer \(token)")) }
        if body != nil { fields.append(("Content-Type", "application/json")) }
        let request = Request(
            method: HTTPRequest.Method(method)!,
            pathSegments: parts[0].split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init),
            rawPath: String(parts[0]), query: parts.count > 1 ? (try! QueryParameters(parsing: parts[1])) : QueryParameters(),
            headers: HTTPFields(fields.map { HTTPField(name: HTTPField.Name($0.0)!, value: $0.1) }), body: Array((body ?? "").utf8),
            requestID: "test")
        let response = application.handle(request, context: context)
        return Answer(
            status: response.status.code, headers: response.headers,
            json: response.body.isEmpty ? nil : try? JSONParser.parse(response.body))
    }

    /// A user made in the library directly, and a token for them.
    func user(_ name: String, role: User.Role = .user) throws -> (id: Int64, token: String) {
        let user = try library.session().users.insert(
            NewUser(username: name, email: "\(name)@example.org", passwordHash: "unused", firstName: nil, lastName: nil, role: role))
        let claims = JWTClaims.issue(sub: String(user.id), role: role.rawValue, lifetime: 3600, sessionVersion: 0)
        return (user.id, context.tokens.sign(claims: claims))
    }

    /// A book made through `POST /books` by `admin`; its id.
    func book(_ title: String, isbn: String, copies: Int = 1, admin: String) throws -> Int64 {
        let answer = call(
            "POST", "/books", token: admin, body: #"{"title": "\#(title)", "author": "Someone", "isbn": "\#(isbn)", "copies": \#(copies)}"#)
        guard answer.status == 201, let id = answer["id"]?.integer else { throw Failure(answer: answer) }
        return id
    }

    struct Failure: Error {
        let answer: Answer
    }
}

extension HTTPFields {
    /// A field by the name the tests write ("X-Total-Count").
    subscript(_ name: String) -> String? {
        HTTPField.Name(name).flatMap { self[$0] }
    }
}

extension JSONValue {
    subscript(key: String) -> JSONValue? {
        if case let .object(fields) = self { return fields[key] }
        return nil
    }

    var integer: Int64? {
        if case let .integer(value) = self { return value }
        return nil
    }

    var string: String? {
        if case let .string(value) = self { return value }
        return nil
    }

    var array: [JSONValue]? {
        if case let .array(values) = self { return values }
        return nil
    }
}
