import HTTPTypes
import Testing
@testable import LibraryApp
import JSON

@Suite struct ProblemResponseTests {
    func bodyObject(_ response: Response) throws -> [String: JSONValue] {
        guard case let .object(members) = try JSONParser.parse(response.body) else {
            Issue.record("problem body is not an object"); return [:]
        }
        return members
    }

    @Test func problemHasRFC9457ShapeAndContentType() throws {
        let response = ProblemError(.notFound, detail: "Book 42 not found").response
        #expect(response.status.code == 404)
        #expect(response.headers[.contentType] == "application/problem+json")
        #expect(
            try bodyObject(response) == [
                "type": .string("about:blank"), "title": .string("Not Found"), "status": .integer(404),
                "detail": .string("Book 42 not found"),
            ])
    }

    @Test func validationErrorsListEveryField() throws {
        let response = ProblemError(
            .badRequest, detail: "Invalid input",
            errors: ["email": ["Not a valid email address."], "role": ["Unknown field."]]
        ).response
        let body = try bodyObject(response)
        #expect(
            body["errors"]
                == .object([
                    "email": .array([.string("Not a valid email address.")]),
                    "role": .array([.string("Unknown field.")]),
                ]))
    }

    @Test func cgiResponseHasStatusHeadersLengthAndOptionalBody() {
        let response = Response(status: .ok, headers: [.contentType: "application/json"], body: Array("{}".utf8))
        #expect(
            String(decoding: response.cgiBytes(omitBody: false), as: UTF8.self)
                == "Status: 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
        #expect(
            String(decoding: response.cgiBytes(omitBody: true), as: UTF8.self)
                == "Status: 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n")
        #expect(String(decoding: Response.noContent().cgiBytes(omitBody: false), as: UTF8.self) == "Status: 204 No Content\r\n\r\n")
    }
}
