import Foundation
import JSON
import Models
import Storage
import StorageInMemory
import Testing

@testable import LibraryApp

/// The users handlers' rules, in process against the in-memory library (no server).
@Suite struct UserHandlerTests {
    @Test func registerLoginAndTakenFields() throws {
        let app = try InMemoryApp()
        let registered = app.call(
            "POST", "/users/register", body: #"{"username": "ada", "email": "Ada@Example.org", "password": "correct horse 1"}"#)
        #expect(registered.status == 201 && registered["email"]?.string == "ada@example.org" && registered["role"]?.string == "user")

        let email = app.call(
            "POST", "/users/register", body: #"{"username": "ada2", "email": "ada@example.org", "password": "correct horse 1"}"#)
        #expect(email.status == 409 && email.detail == "That email is already taken")
        #expect(email["errors"] == .object(["email": .array([.string("Already taken.")])]))
        let name = app.call(
            "POST", "/users/register", body: #"{"username": "ADA", "email": "b@example.org", "password": "correct horse 1"}"#)
        #expect(name.status == 409 && name.detail == "That username is already taken")

        let login = app.call("POST", "/users/login", body: #"{"email": "ada@example.org", "password": "correct horse 1"}"#)
        #expect(login.status == 200)
        let token = try #require(login["token"]?.string)
        #expect(app.call("GET", "/users/me", token: token)["username"]?.string == "ada")
        #expect(app.call("POST", "/users/login", body: #"{"email": "ada@example.org", "password": "wrong horse 1"}"#).status == 401)

        #expect(app.call("POST", "/users/logout", token: token).status == 204)
        #expect(app.call("GET", "/users/me", token: token).status == 401)
    }

    @Test func theLastAdminStays() throws {
        let app = try InMemoryApp()
        let (adminID, admin) = try app.user("admin", role: .admin)
        let last = app.call("DELETE", "/users/\(adminID)", token: admin)
        #expect(last.status == 409 && last.detail == "User \(adminID) is the last admin; make another user admin first")
        let own = app.call("PATCH", "/users/\(adminID)", token: admin, body: #"{"role": "user"}"#)
        #expect(own.status == 409 && own.detail == "Admins cannot change their own role; ask another admin")

        let (otherID, other) = try app.user("other", role: .admin)
        let demoted = app.call("PATCH", "/users/\(otherID)", token: admin, body: #"{"role": "user"}"#)
        #expect(demoted.status == 200 && demoted["role"]?.string == "user")
        let refused = app.call("PATCH", "/users/\(adminID)", token: other, body: #"{"role": "user"}"#)
        #expect(refused.status == 403)  // a token's role is checked again: other is no admin now
        #expect(app.call("DELETE", "/users/me", token: admin).status == 409)
    }

    @Test func aUserWithBooksOnLoanStays() throws {
        let app = try InMemoryApp()
        let admin = try app.user("admin", role: .admin).token
        let (readerID, reader) = try app.user("reader")
        let id = try app.book("Dune", isbn: "0441172717", admin: admin)
        let loan = try #require(app.call("POST", "/loans", token: reader, body: #"{"book_id": \#(id)}"#)["id"]?.integer)

        let refused = app.call("DELETE", "/users/\(readerID)", token: admin)
        #expect(refused.status == 409 && refused.detail == "User \(readerID) has active loans; they must be returned first")
        _ = app.call("POST", "/loans/\(loan)/return", token: reader)
        #expect(app.call("DELETE", "/users/me", token: reader).status == 204)
        #expect(app.call("GET", "/users/\(readerID)", token: admin).status == 404)
        #expect(app.call("DELETE", "/users/\(readerID)", token: admin).status == 404)
    }

    @Test func profileChangesAndTheirRules() throws {
        let app = try InMemoryApp()
        let (adminID, admin) = try app.user("admin", role: .admin)
        let (readerID, reader) = try app.user("reader")
        let named = app.call("PATCH", "/users/me", token: reader, body: #"{"first_name": "Ada"}"#)
        #expect(named.status == 200 && named["first_name"]?.string == "Ada")
        let noPassword = app.call("PATCH", "/users/me", token: reader, body: #"{"email": "new@example.org"}"#)
        #expect(noPassword.status == 400)
        let taken = app.call("PATCH", "/users/\(readerID)", token: admin, body: #"{"email": "admin@example.org"}"#)
        #expect(taken.status == 409 && taken.detail == "That email is already taken")
        #expect(app.call("GET", "/users/\(adminID)", token: reader).status == 404)  // not theirs
        #expect(app.call("GET", "/users?q=read", token: admin).headers["X-Total-Count"] == "1")
    }
}
