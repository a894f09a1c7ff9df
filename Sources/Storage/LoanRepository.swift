package import Foundation
package import Models

/// What a borrow did: lent the copy, or found no such user or book. A borrow a rule refuses
/// throws the `LoanPolicy.Refusal`.
package enum BorrowOutcome: Equatable {
    case borrowed(Loan)
    case noSuchUser
    case noSuchBook
}

/// The filters of a list of loans; nil is no filter.
package struct LoanListFilter: Sendable, Equatable {
    package var status: Loan.Status?
    package var userID: Int64?
    package var bookID: Int64?

    package init(status: Loan.Status? = nil, userID: Int64? = nil, bookID: Int64? = nil) {
        self.status = status
        self.userID = userID
        self.bookID = bookID
    }
}

/// Loans, and the copy counts that move with them (`LoanStore` on MariaDB; an in-memory one in
/// the tests). A refused borrow, return or renewal throws a `LoanPolicy.Refusal`.
package protocol LoanRepository {
    func find(id: Int64) throws -> Loan?
    /// A page of loans and the size of the whole filtered list; `now` decides active vs overdue.
    func list(_ filter: LoanListFilter, paging: Paging, now: Date) throws -> (loans: [Loan], total: Int)
    /// Lends one copy (the one set aside for the user's ready hold, if any), or throws the
    /// `LoanPolicy.Refusal` that stops it, counts untouched.
    func borrow(userID: Int64, bookID: Int64, policy: LoanPolicy, now: Date) throws -> BorrowOutcome
    /// Marks the loan returned; its copy goes to the first waiting hold, else to the shelf.
    /// `LoanPolicy.Refusal.alreadyReturned` when it was returned already.
    func giveBack(loanID: Int64, bookID: Int64, now: Date) throws
    /// Extends an active, not overdue loan with renewals left while no hold waits for its book;
    /// false when the loan no longer qualifies.
    func renew(loanID: Int64, policy: LoanPolicy, now: Date) throws -> Bool
}
