package import Foundation
package import Models

/// An overdue loan as the report shows it: the loan, and who has it.
package struct OverdueLoan: Sendable, Equatable {
    package var loan: Loan
    package var username: String
    package var email: String

    package init(loan: Loan, username: String, email: String) {
        self.loan = loan
        self.username = username
        self.email = email
    }
}

/// A line of the popular report: a book and its loans in the window.
package struct PopularBook: Sendable, Equatable {
    package var book: Loan.BookSummary
    package var loans: Int

    package init(book: Loan.BookSummary, loans: Int) {
        self.book = book
        self.loans = loans
    }
}

/// The reports' reads (`ReportStore` on MariaDB; an in-memory one in the tests).
package protocol ReportRepository {
    /// How many loans are out past their due date at `now`.
    func overdueCount(now: Date) throws -> Int
    /// A page of those loans, most overdue first, then by id.
    func overdue(paging: Paging, now: Date) throws -> [OverdueLoan]
    /// The `limit` books with the most loans made in `window` (loans that still exist), most
    /// first, then by id; books without such a loan are not listed.
    func popular(in window: PopularWindow, limit: Int, now: Date) throws -> [PopularBook]
}
