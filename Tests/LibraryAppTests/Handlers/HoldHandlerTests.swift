import Foundation
import JSON
import Models
import Storage
import StorageInMemory
import Testing

@testable import LibraryApp

/// The holds handlers' rules, in process against the in-memory library (no server).
@Suite struct HoldHandlerTests {
    @Test func theQueueHandsTheReturnedCopyToTheFirstHold() throws {
        let app = try InMemoryApp()
        let admin = try app.user("admin", role: .admin).token
        let reader = try app.user("reader").token
        let (firstID, first) = try app.user("first")
        let second = try app.user("second").token
        let id = try app.book("Dune", isbn: "0441172717", admin: admin)

        let available = app.call("POST", "/holds", token: first, body: #"{"book_id": \#(id)}"#)
        #expect(available.status == 409 && available.detail == "A copy of this book is available; borrow it instead")

        let loan = try #require(app.call("POST", "/loans", token: reader, body: #"{"book_id": \#(id)}"#)["id"]?.integer)
        let placed = app.call("POST", "/holds", token: first, body: #"{"book_id": \#(id)}"#)
        #expect(placed.status == 201 && placed["status"]?.string == "waiting" && placed["position"]?.integer == 1)
        let hold = try #require(placed["id"]?.integer)
        #expect(app.call("POST", "/holds", token: second, body: #"{"book_id": \#(id)}"#)["position"]?.integer == 2)
        let twice = app.call("POST", "/holds", token: first, body: #"{"book_id": \#(id)}"#)
        #expect(twice.status == 409 && twice.detail == "The user already has an active hold on this book")
        #expect(app.call("GET", "/books/\(id)", token: reader)["holds_waiting"]?.integer == 2)

        #expect(app.call("POST", "/loans/\(loan)/return", token: reader).status == 200)
        let ready = app.call("GET", "/holds/\(hold)", token: first)
        #expect(ready["status"]?.string == "ready" && ready["expires_at"]?.string != nil)
        let book = app.call("GET", "/books/\(id)", token: reader)
        #expect(book["copies_available"]?.integer == 0 && book["holds_waiting"]?.integer == 1)

        // the set-aside copy is the holder's alone
        let notYours = app.call("POST", "/loans", token: second, body: #"{"book_id": \#(id)}"#)
        #expect(notYours.status == 409 && notYours.detail == "No copy of this book is available")
        let borrowed = app.call("POST", "/loans", token: first, body: #"{"book_id": \#(id)}"#)
        #expect(borrowed.status == 201 && borrowed["user_id"]?.integer == firstID)
        #expect(app.call("GET", "/holds/\(hold)", token: first)["status"]?.string == "fulfilled")
    }

    @Test func cancellingAReadyHoldPassesTheCopyOn() throws {
        let app = try InMemoryApp()
        let admin = try app.user("admin", role: .admin).token
        let reader = try app.user("reader").token
        let first = try app.user("first").token
        let second = try app.user("second").token
        let id = try app.book("Dune", isbn: "0441172717", admin: admin)
        let loan = try #require(app.call("POST", "/loans", token: reader, body: #"{"book_id": \#(id)}"#)["id"]?.integer)
        let hold = try #require(app.call("POST", "/holds", token: first, body: #"{"book_id": \#(id)}"#)["id"]?.integer)
        let next = try #require(app.call("POST", "/holds", token: second, body: #"{"book_id": \#(id)}"#)["id"]?.integer)
        _ = app.call("POST", "/loans/\(loan)/return", token: reader)

        #expect(app.call("DELETE", "/holds/\(hold)", token: second).status == 404)  // not theirs
        #expect(app.call("DELETE", "/holds/\(hold)", token: first).status == 204)
        let gone = app.call("DELETE", "/holds/\(hold)", token: first)
        #expect(gone.status == 409 && gone.detail == "This hold is no longer active")
        #expect(app.call("GET", "/holds/\(next)", token: second)["status"]?.string == "ready")
        let queue = app.call("GET", "/books/\(id)/holds", token: admin)
        #expect(queue.status == 200 && queue.headers["X-Total-Count"] == "1")
        #expect(app.call("GET", "/books/999/holds", token: admin).status == 404)
    }

    @Test func theHoldLimitAndABorrowedBook() throws {
        let app = try InMemoryApp { $0.holdPolicy.maximumActiveHolds = 1 }
        let admin = try app.user("admin", role: .admin).token
        let reader = try app.user("reader").token
        let holder = try app.user("holder").token
        let dune = try app.book("Dune", isbn: "0441172717", admin: admin)
        let anathem = try app.book("Anathem", isbn: "0306406152", admin: admin)
        _ = app.call("POST", "/loans", token: reader, body: #"{"book_id": \#(dune)}"#)
        _ = app.call("POST", "/loans", token: reader, body: #"{"book_id": \#(anathem)}"#)

        let own = app.call("POST", "/holds", token: reader, body: #"{"book_id": \#(dune)}"#)
        #expect(own.status == 409 && own.detail == "The user already has this book on loan")
        #expect(app.call("POST", "/holds", token: holder, body: #"{"book_id": \#(dune)}"#).status == 201)
        let limit = app.call("POST", "/holds", token: holder, body: #"{"book_id": \#(anathem)}"#)
        #expect(limit.status == 409 && limit.detail == "The user already has the maximum of 1 active holds")
        #expect(app.call("POST", "/holds", token: holder, body: #"{"book_id": 999}"#).status == 404)
    }
}
