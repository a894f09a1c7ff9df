import FuzzSupport
import HTTPTypes
import JSON
@testable import LibraryApp

/// A JSON request body through `Request.jsonObject()` and every schema reader of the API
/// (registration, login, profile and admin updates, books, loans): none needs a database.
/// Properties: nothing traps; a refused body is a `400` (or `415`) whose problem+json body is
/// itself valid JSON and names every field it complains about.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestBody(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let request = Request(
        method: .post, pathSegments: ["fuzz"], rawPath: "/fuzz", headers: [.contentType: "application/json"],
        body: fuzzInput(data, count), requestID: "fuzz")
    let object: [String: JSONValue]
    do {
        object = try request.jsonObject()
    } catch {
        checkProblem(error)
        return 0
    }
    let readers: [() throws -> Void] = [
        { _ = try UserSchemas.registration(object) },
        { _ = try UserSchemas.login(object) },
        { _ = try UserSchemas.profileUpdate(object) },
        { _ = try UserSchemas.adminUpdate(object) },
        { _ = try BookSchemas.fullBook(object, currentYear: 2026) },
        { _ = try BookSchemas.changes(object, currentYear: 2026) },
        { _ = try LoanSchemas.borrow(object) },
    ]
    for read in readers {
        do {
            try read()
        } catch let problem as ProblemError {
            checkProblem(problem)
        } catch {
            fatalError("a schema threw \(error), not a problem")
        }
    }
    return 0
}

private func checkProblem(_ problem: ProblemError) {
    check([400, 415].contains(problem.status.code), "refused with \(problem.status.code)")
    let response = problem.response
    guard case let .object(members)? = try? JSONParser.parse(response.body) else {
        fatalError("problem body is not a JSON object: \(String(decoding: response.body, as: UTF8.self))")
    }
    if case let .object(fields)? = members["errors"] {
        check(Set(fields.keys) == Set(problem.errors.keys), "errors lost a field")
    }
}

runLibFuzzer(fuzzRequestBody)
