import Foundation
import Models
import Testing
@testable import LibraryApp
import HTTPTypes
import JSON

/// Loans request validation, the loan list query, and the circulation settings.
@Suite struct LoanSchemaTests {
    func errors(_ body: () throws -> Void) -> [String: [String]] {
        do { try body(); return [:] } catch let problem as ProblemError { return problem.errors } catch { return ["?": []] }
    }

    @Test func borrowNeedsAPositiveBookID() throws {
        #expect(try LoanSchemas.borrow(["book_id": .integer(7)]).bookID == 7)
        #expect(try LoanSchemas.borrow(["book_id": .integer(7), "user_id": .integer(3)]).userID == 3)
        #expect(errors { _ = try LoanSchemas.borrow([:]) } == ["book_id": [SchemaReader.missing]])
        #expect(
            Set(errors { _ = try LoanSchemas.borrow(["book_id": .integer(0), "user_id": .string("1"), "due_at": .null]) }.keys)
                == ["book_id", "user_id", "due_at"])
    }

    let user = Self.principal(id: 5, role: .user)
    let admin = Self.principal(id: 1, role: .admin)

    static func principal(id: Int64, role: User.Role) -> Principal {
        Principal(
            user: User(
                id: id, username: "u\(id)", email: "u\(id)@example.com", firstName: nil, lastName: nil,
                role: role, createdAt: Date()),
            tokenID: "t", tokenExpiresAt: 0)
    }

    func query(_ pairs: [(String, String)]) -> QueryParameters {
        QueryParameters(pairs: pairs.map { (name: $0.0, value: $0.1) })
    }

    @Test func aUsersListIsAlwaysTheirOwn() throws {
        let read = try LoanListQuery.read(from: query([("status", "overdue")]), caller: user)
        #expect(read.userID == 5 && read.status == .overdue)
        do {
            _ = try LoanListQuery.read(from: query([("user_id", "6")]), caller: user)
            Issue.record("a user may not filter by user_id")
        } catch {
            #expect(error.status == .forbidden)
        }
    }

    @Test func adminFiltersAndBadValues() throws {
        let read = try LoanListQuery.read(from: query([("user_id", "6"), ("book_id", "9")]), caller: admin)
        #expect(read.userID == 6 && read.bookID == 9 && read.status == nil)
        #expect(
            Set(
                errors {
                    _ = try LoanListQuery.read(
                        from: query([("status", "late"), ("user_id", "0"), ("book_id", "x")]),
                        caller: admin)
                }.keys) == ["status", "user_id", "book_id"])
    }

    @Test func circulationSettingsComeFromTheEnvironment() throws {
        let defaults = try Configuration.fromEnvironment([:]).loanPolicy
        #expect(defaults == LoanPolicy(loanPeriodDays: 14, maximumActiveLoans: 5, maximumRenewals: 2))
        let set = try Configuration.fromEnvironment(["LOAN_PERIOD_DAYS": "21", "MAX_ACTIVE_LOANS": "3", "MAX_RENEWALS": "0"])
        #expect(set.loanPolicy == LoanPolicy(loanPeriodDays: 21, maximumActiveLoans: 3, maximumRenewals: 0))
        #expect(set.loggableDescription.contains("loan_period_days=21 max_active_loans=3 max_renewals=0"))
        for (name, value) in [("LOAN_PERIOD_DAYS", "0"), ("MAX_ACTIVE_LOANS", "x"), ("MAX_RENEWALS", "-1")] {
            #expect(throws: Configuration.Invalid.self) { try Configuration.fromEnvironment([name: value]) }
        }
    }
}
