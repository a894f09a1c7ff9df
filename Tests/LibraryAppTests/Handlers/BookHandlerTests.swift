import Foundation
import JSON
import Models
import Storage
import StorageInMemory
import Testing

@testable import LibraryApp

/// The books handlers' rules, in process against the in-memory library (no server).
@Suite struct BookHandlerTests {
    @Test func createShowAndATakenISBN() throws {
        let app = try InMemoryApp()
        let admin = try app.user("admin", role: .admin).token
        let created = app.call(
            "POST", "/books", token: admin, body: #"{"title": "Dune", "author": "Frank Herbert", "isbn": "0-441-17271-7"}"#)
        #expect(created.status == 201)
        let id = try #require(created["id"]?.integer)
        #expect(created.headers["Location"] == "/books/\(id)")
        #expect(created["isbn"]?.string == (try ISBN(parsing: "0-441-17271-7")).digits && created["copies_available"]?.integer == 1)
        #expect(app.call("GET", "/books/\(id)", token: admin)["title"]?.string == "Dune")

        let again = app.call("POST", "/books", token: admin, body: #"{"title": "Dune 2", "author": "F. H.", "isbn": "0441172717"}"#)
        #expect(again.status == 409)
        #expect(again.headers["Content-Type"] == "application/problem+json")
        #expect(again.detail == "Another book already has that ISBN")
        #expect(again["errors"] == .object(["isbn": .array([.string("Already taken.")])]))
    }

    @Test func onlyAdminsChangeTheCatalogue() throws {
        let app = try InMemoryApp()
        let reader = try app.user("reader").token
        let answer = app.call("POST", "/books", token: reader, body: #"{"title": "T", "author": "A", "isbn": "0-441-17271-7"}"#)
        #expect(answer.status == 403)
        #expect(app.call("GET", "/books/1", token: reader).status == 404)
    }

    @Test func copiesCannotGoBelowTheCopiesOnLoan() throws {
        let app = try InMemoryApp()
        let admin = try app.user("admin", role: .admin).token
        let reader = try app.user("reader").token
        let id = try app.book("Dune", isbn: "0441172717", copies: 2, admin: admin)
        #expect(app.call("POST", "/loans", token: reader, body: #"{"book_id": \#(id)}"#).status == 201)

        let below = app.call("PATCH", "/books/\(id)", token: admin, body: #"{"copies": 0}"#)
        #expect(below.status == 409)
        #expect(below.detail == "Book \(id) has 1 copies on loan or set aside for holds; copies cannot go below that")
        #expect(below["errors"] == .object(["copies": .array([.string("Must be at least the 1 copies on loan or set aside.")])]))

        let down = app.call("PATCH", "/books/\(id)", token: admin, body: #"{"copies": 1, "genre": "SF"}"#)
        #expect(down.status == 200)
        #expect(down["copies_total"]?.integer == 1 && down["copies_available"]?.integer == 0 && down["genre"]?.string == "SF")
        #expect(app.call("PATCH", "/books/999", token: admin, body: #"{"copies": 1}"#).status == 404)
    }

    @Test func aPutResetsOmittedFieldsAndATakenISBNIsAConflict() throws {
        let app = try InMemoryApp()
        let admin = try app.user("admin", role: .admin).token
        let first = try app.book("Dune", isbn: "0441172717", admin: admin)
        let second = try app.book("Other", isbn: "0306406152", admin: admin)
        _ = app.call("PATCH", "/books/\(second)", token: admin, body: #"{"genre": "SF"}"#)
        let put = app.call("PUT", "/books/\(second)", token: admin, body: #"{"title": "New", "author": "B", "isbn": "0306406152"}"#)
        #expect(put.status == 200 && put["genre"] == .null && put["title"]?.string == "New")
        let taken = app.call("PATCH", "/books/\(first)", token: admin, body: #"{"isbn": "0306406152"}"#)
        #expect(taken.status == 409 && taken.detail == "Another book already has that ISBN")
    }

    @Test func aBookOnLoanOrHeldCannotBeDeleted() throws {
        let app = try InMemoryApp()
        let admin = try app.user("admin", role: .admin).token
        let (_, reader) = try app.user("reader")
        let (_, other) = try app.user("other")
        let id = try app.book("Dune", isbn: "0441172717", admin: admin)
        let loan = try #require(app.call("POST", "/loans", token: reader, body: #"{"book_id": \#(id)}"#)["id"]?.integer)

        let onLoan = app.call("DELETE", "/books/\(id)", token: admin)
        #expect(onLoan.status == 409 && onLoan.detail == "Book \(id) has copies on loan; they must be returned first")

        let hold = try #require(app.call("POST", "/holds", token: other, body: #"{"book_id": \#(id)}"#)["id"]?.integer)
        #expect(app.call("POST", "/loans/\(loan)/return", token: reader).status == 200)
        let held = app.call("DELETE", "/books/\(id)", token: admin)
        #expect(held.status == 409)
        #expect(held.detail == "Book \(id) has active holds; they must be fulfilled, cancelled or expire first")

        #expect(app.call("DELETE", "/holds/\(hold)", token: other).status == 204)
        #expect(app.call("DELETE", "/books/\(id)", token: admin).status == 204)
        #expect(app.call("GET", "/books/\(id)", token: admin).status == 404)
        #expect(app.call("DELETE", "/books/\(id)", token: admin).status == 404)
    }

    @Test func aStaleIfMatchIs412BeforeTheBodyIsRead() throws {
        let app = try InMemoryApp()
        let admin = try app.user("admin", role: .admin).token
        let id = try app.book("Dune", isbn: "0441172717", admin: admin)
        let stale = app.call("PATCH", "/books/\(id)", token: admin, body: "{not json", headers: [("If-Match", #""stale""#)])
        #expect(stale.status == 412)
        let etag = try #require(app.call("GET", "/books/\(id)", token: admin).headers["ETag"])
        let current = app.call("PATCH", "/books/\(id)", token: admin, body: #"{"copies": 3}"#, headers: [("If-Match", etag)])
        #expect(current.status == 200 && current["copies_total"]?.integer == 3)
        #expect(app.call("DELETE", "/books/\(id)", token: admin, headers: [("If-Match", etag)]).status == 412)
        #expect(app.call("DELETE", "/books/999", token: admin, headers: [("If-Match", "*")]).status == 404)
    }

    @Test func listsFilterSortAndCount() throws {
        let app = try InMemoryApp()
        let admin = try app.user("admin", role: .admin).token
        let reader = try app.user("reader").token
        let dune = try app.book("Dune", isbn: "0441172717", admin: admin)
        _ = try app.book("Anathem", isbn: "0306406152", admin: admin)
        _ = app.call("POST", "/loans", token: reader, body: #"{"book_id": \#(dune)}"#)

        let all = app.call("GET", "/books?sort=title", token: reader)
        #expect(all.status == 200 && all.headers["X-Total-Count"] == "2")
        #expect(all.json?.array?.compactMap { $0["title"]?.string } == ["Anathem", "Dune"])
        let out = app.call("GET", "/books?available=false", token: reader)
        #expect(out.headers["X-Total-Count"] == "1" && out.json?.array?.first?["id"]?.integer == dune)
        #expect(app.call("GET", "/books?q=dun", token: reader).json?.array?.count == 1)
        #expect(app.call("GET", "/books?sort=nope", token: reader).status == 400)
    }
}
