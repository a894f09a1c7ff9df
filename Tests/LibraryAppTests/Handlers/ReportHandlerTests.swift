import Foundation
import JSON
import Models
import Storage
import StorageInMemory
import Testing

@testable import LibraryApp

/// The reports' handlers, in process against the in-memory library (no server).
@Suite struct ReportHandlerTests {
    let day: TimeInterval = 86_400

    /// A loan of `bookID` to `userID` made `daysAgo` days ago, straight through the repository
    /// (the HTTP borrow lends now).
    func lend(_ bookID: Int64, to userID: Int64, daysAgo: Double, in app: InMemoryApp) throws -> Int64 {
        let outcome = try app.library.session().loans.borrow(
            userID: userID, bookID: bookID, policy: LoanPolicy(loanPeriodDays: 14), now: Date().addingTimeInterval(-daysAgo * day))
        guard case let .borrowed(loan) = outcome else { throw Refused(outcome: outcome) }
        return loan.id
    }

    struct Refused: Error {
        let outcome: BorrowOutcome
    }

    @Test func overdueIsForAdminsMostOverdueFirst() throws {
        let app = try InMemoryApp()
        let admin = try app.user("admin", role: .admin).token
        let (readerID, reader) = try app.user("reader")
        let (otherID, _) = try app.user("other")
        let dune = try app.book("Dune", isbn: "0441172717", copies: 3, admin: admin)
        let anathem = try app.book("Anathem", isbn: "0306406152", copies: 3, admin: admin)
        // A reader's later loans first: an overdue loan at the time of a borrow refuses it.
        _ = try lend(anathem, to: readerID, daysAgo: 1, in: app)  // not due yet
        let slightly = try lend(dune, to: readerID, daysAgo: 20, in: app)  // due 6 days ago
        let most = try lend(anathem, to: otherID, daysAgo: 40, in: app)  // due 26 days ago

        let refused = app.call("GET", "/reports/overdue", token: reader)
        #expect(refused.status == 403)
        #expect(app.call("GET", "/reports/overdue").status == 401)

        let report = app.call("GET", "/reports/overdue", token: admin)
        #expect(report.status == 200 && report.headers["X-Total-Count"] == "2")
        let lines = try #require(report.json?.array)
        #expect(lines.map { $0["id"]?.integer } == [most, slightly])
        #expect(lines.map { $0["days_overdue"]?.integer } == [26, 6])
        #expect(lines.first?["user"]?["username"]?.string == "other")
        #expect(lines.first?["user"]?["email"]?.string == "other@example.org")

        let second = app.call("GET", "/reports/overdue?page=2&per_page=1", token: admin)
        #expect(second.json?.array?.map { $0["id"]?.integer } == [slightly])
    }

    @Test func popularIsMostLoansInTheWindowFirstThenByBookID() throws {
        let app = try InMemoryApp()
        let admin = try app.user("admin", role: .admin).token
        let readers = try (1...3).map { try app.user("reader\($0)") }
        let dune = try app.book("Dune", isbn: "0441172717", copies: 5, admin: admin)
        let anathem = try app.book("Anathem", isbn: "0306406152", copies: 5, admin: admin)
        let solaris = try app.book("Solaris", isbn: "0156027607", copies: 5, admin: admin)
        // In the last 30 days: Dune 1, Anathem 2, Solaris 2 (a tie, broken by id); Dune's two
        // older loans fall outside the window. A reader's later loans first (an overdue loan at
        // the time of a borrow refuses it).
        _ = try lend(dune, to: readers[0].id, daysAgo: 3, in: app)
        _ = try lend(anathem, to: readers[0].id, daysAgo: 5, in: app)
        _ = try lend(solaris, to: readers[1].id, daysAgo: 2, in: app)
        _ = try lend(anathem, to: readers[1].id, daysAgo: 29, in: app)
        _ = try lend(dune, to: readers[1].id, daysAgo: 31, in: app)
        _ = try lend(solaris, to: readers[2].id, daysAgo: 10, in: app)
        _ = try lend(dune, to: readers[2].id, daysAgo: 45, in: app)

        let report = app.call("GET", "/reports/popular?days=30", token: readers[2].token)
        #expect(report.status == 200)
        let lines = try #require(report.json?.array)
        #expect(lines.map { $0["book"]?["id"]?.integer } == [anathem, solaris, dune])
        #expect(lines.map { $0["loans"]?.integer } == [2, 2, 1])
        #expect(lines.first?["book"]?["title"]?.string == "Anathem")

        let longer = app.call("GET", "/reports/popular?days=60&limit=2", token: readers[0].token)
        #expect(longer.json?.array?.map { $0["book"]?["id"]?.integer } == [dune, anathem])
        #expect(app.call("GET", "/reports/popular?days=0", token: readers[0].token).status == 400)
    }
}
