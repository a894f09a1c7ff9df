import Foundation
import JSON
import Models
import Storage
import StorageInMemory
import Testing

@testable import LibraryApp

/// The loans handlers' rules, in process against the in-memory library (no server).
@Suite struct LoanHandlerTests {
    @Test func borrowReturnAndTheRefusals() throws {
        let app = try InMemoryApp()
        let admin = try app.user("admin", role: .admin).token
        let (readerID, reader) = try app.user("reader")
        let other = try app.user("other").token
        let id = try app.book("Dune", isbn: "0441172717", admin: admin)

        let borrowed = app.call("POST", "/loans", token: reader, body: #"{"book_id": \#(id)}"#)
        #expect(borrowed.status == 201)
        let loan = try #require(borrowed["id"]?.integer)
        #expect(borrowed["user_id"]?.integer == readerID && borrowed["status"]?.string == "active")
        #expect(app.call("GET", "/books/\(id)", token: reader)["copies_available"]?.integer == 0)

        let twice = app.call("POST", "/loans", token: reader, body: #"{"book_id": \#(id)}"#)
        #expect(twice.status == 409 && twice.detail == "The user already has this book on loan")
        let none = app.call("POST", "/loans", token: other, body: #"{"book_id": \#(id)}"#)
        #expect(none.status == 409 && none.detail == "No copy of this book is available")
        let missing = app.call("POST", "/loans", token: reader, body: #"{"book_id": 999}"#)
        #expect(missing.status == 404 && missing.detail == "Book 999 not found")

        #expect(app.call("POST", "/loans/\(loan)/return", token: other).status == 404)  // not theirs
        let returned = app.call("POST", "/loans/\(loan)/return", token: reader)
        #expect(returned.status == 200 && returned["status"]?.string == "returned")
        let again = app.call("POST", "/loans/\(loan)/return", token: admin)
        #expect(again.status == 409 && again.detail == "This loan has already been returned")
        #expect(app.call("GET", "/books/\(id)", token: reader)["copies_available"]?.integer == 1)
    }

    @Test func theActiveLoanLimit() throws {
        let app = try InMemoryApp { $0.loanPolicy.maximumActiveLoans = 1 }
        let admin = try app.user("admin", role: .admin).token
        let reader = try app.user("reader").token
        let first = try app.book("Dune", isbn: "0441172717", admin: admin)
        let second = try app.book("Anathem", isbn: "0306406152", admin: admin)
        #expect(app.call("POST", "/loans", token: reader, body: #"{"book_id": \#(first)}"#).status == 201)
        let refused = app.call("POST", "/loans", token: reader, body: #"{"book_id": \#(second)}"#)
        #expect(refused.status == 409 && refused.detail == "The user already has the maximum of 1 active loans")
    }

    @Test func onlyAdminsLendForOthersAndListEveryLoan() throws {
        let app = try InMemoryApp()
        let admin = try app.user("admin", role: .admin).token
        let (readerID, reader) = try app.user("reader")
        let (otherID, other) = try app.user("other")
        let id = try app.book("Dune", isbn: "0441172717", copies: 3, admin: admin)

        let forbidden = app.call("POST", "/loans", token: reader, body: #"{"book_id": \#(id), "user_id": \#(otherID)}"#)
        #expect(forbidden.status == 403 && forbidden.detail == "Only admins may lend a book for another user")
        #expect(app.call("POST", "/loans", token: admin, body: #"{"book_id": \#(id), "user_id": \#(otherID)}"#).status == 201)
        #expect(app.call("POST", "/loans", token: reader, body: #"{"book_id": \#(id)}"#).status == 201)

        #expect(app.call("GET", "/loans", token: other).headers["X-Total-Count"] == "1")
        #expect(app.call("GET", "/loans", token: admin).headers["X-Total-Count"] == "2")
        #expect(app.call("GET", "/loans?user_id=\(readerID)", token: admin).headers["X-Total-Count"] == "1")
        #expect(app.call("GET", "/loans?user_id=\(readerID)", token: other).status == 403)
        #expect(app.call("GET", "/loans?status=returned", token: admin).headers["X-Total-Count"] == "0")
    }

    @Test func renewalsUntilTheLimitOrAWaitingHold() throws {
        let app = try InMemoryApp { $0.loanPolicy.maximumRenewals = 1 }
        let admin = try app.user("admin", role: .admin).token
        let reader = try app.user("reader").token
        let other = try app.user("other").token
        let dune = try app.book("Dune", isbn: "0441172717", admin: admin)
        let anathem = try app.book("Anathem", isbn: "0306406152", admin: admin)
        let first = try #require(app.call("POST", "/loans", token: reader, body: #"{"book_id": \#(dune)}"#)["id"]?.integer)
        let second = try #require(app.call("POST", "/loans", token: reader, body: #"{"book_id": \#(anathem)}"#)["id"]?.integer)

        let renewed = app.call("POST", "/loans/\(first)/renew", token: reader)
        #expect(renewed.status == 200 && renewed["renewals"]?.integer == 1)
        let limit = app.call("POST", "/loans/\(first)/renew", token: reader)
        #expect(limit.status == 409 && limit.detail == "This loan has already been renewed the maximum of 1 times")

        #expect(app.call("POST", "/holds", token: other, body: #"{"book_id": \#(anathem)}"#).status == 201)
        let wanted = app.call("POST", "/loans/\(second)/renew", token: reader)
        #expect(wanted.status == 409 && wanted.detail == "Another reader is waiting for this book; the loan cannot be renewed")
    }
}
