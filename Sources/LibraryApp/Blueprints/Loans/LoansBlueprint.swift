import Foundation
import Models
import HTTPTypes
import JSON
import Storage

/// `/loans`: borrowing, returning and renewing. Users see and act on their own loans only
/// (another user's loan is `404`); admins on every loan.
enum LoansBlueprint {
    static func make() -> Blueprint {
        var loans = Blueprint("loans", prefix: "/loans")
        // Every change to a loan changes its book's copies_available: the book cache goes stale.
        loans.post("", access: .user, invalidates: .books, borrow)
        loans.get("", access: .user, list)
        loans.get("/{id}", access: .ownerOrAdmin, show)
        loans.post("/{id}/return", access: .ownerOrAdmin, invalidates: .books, giveBack)
        loans.post("/{id}/renew", access: .ownerOrAdmin, invalidates: .books, renew)
        return loans
    }

    @Sendable static func borrow(_ request: Request, _ context: Context) throws -> Response {
        let caller = try request.requirePrincipal()
        let input = try LoanSchemas.borrow(request.jsonObject())
        let userID = input.userID ?? caller.userID
        if userID != caller.userID && !caller.isAdmin {
            throw ProblemError(.forbidden, detail: "Only admins may lend a book for another user")
        }
        let now = Date()
        let storage = try context.storage()
        let outcome: BorrowOutcome
        do {
            outcome = try storage.loans.borrow(userID: userID, bookID: input.bookID, policy: context.configuration.loanPolicy, now: now)
        } catch LoanPolicy.Refusal.noCopyAvailable {
            // A ready hold past its expiry may still keep a copy off the shelf (the sweeper
            // runs four times a second): expire it now and try once more.
            guard try storage.holds.expireDue(bookID: input.bookID) > 0 else { throw LoanPolicy.Refusal.noCopyAvailable }
            outcome = try storage.loans.borrow(userID: userID, bookID: input.bookID, policy: context.configuration.loanPolicy, now: now)
        }
        switch outcome {
        case let .borrowed(loan):
            return .created(at: "/loans/\(loan.id)") { LoanSchemas.write(loan, now: now, to: &$0) }
        case .noSuchUser:
            throw ProblemError(.notFound, detail: "User \(userID) not found")
        case .noSuchBook:
            throw BooksBlueprint.notFound(input.bookID)
        }
    }

    @Sendable static func list(_ request: Request, _ context: Context) throws -> Response {
        let query = try LoanListQuery.read(from: request.query, caller: request.requirePrincipal())
        let now = Date()
        let page = try context.storage().loans.list(query.filter, paging: query.pagination.paging, now: now)
        return .json(
            headers: query.pagination.headers(total: page.total, path: "/loans", query: request.query, filters: LoanListQuery.filterNames)
        ) { json in
            json.array { list in page.loans.forEach { LoanSchemas.write($0, now: now, to: &list) } }
        }
    }

    @Sendable static func show(_ request: Request, _ context: Context) throws -> Response {
        let loan = try callersLoan(request, store: context.storage().loans)
        return ok(loan)
    }

    @Sendable static func giveBack(_ request: Request, _ context: Context) throws -> Response {
        let store = try context.storage().loans
        let loan = try callersLoan(request, store: store)
        let now = Date()
        try store.giveBack(loanID: loan.id, bookID: loan.book.id, now: now)
        var returned = loan
        returned.returnedAt = now  // what the UPDATE wrote: no need to read it back
        return ok(returned)
    }

    @Sendable static func renew(_ request: Request, _ context: Context) throws -> Response {
        let storage = try context.storage()
        let store = storage.loans
        let loan = try callersLoan(request, store: store)
        let policy = context.configuration.loanPolicy
        let now = Date()
        guard try store.renew(loanID: loan.id, policy: policy, now: now) else {
            // Say why from the loan as it is now (a parallel request may have changed it).
            let current = try reloaded(loan.id, store: store)
            if let refusal = policy.refusal(toRenew: current, at: now) { throw refusal }
            throw try storage.holds.isWanted(bookID: loan.book.id)
                ? LoanPolicy.Refusal.wantedByHold : .renewalLimit(limit: policy.maximumRenewals)
        }
        return try ok(reloaded(loan.id, store: store))
    }

    // MARK: helpers

    /// The loan of the path, if the caller may see it: its owner or an admin; `404` to anyone else.
    private static func callersLoan(_ request: Request, store: any LoanRepository) throws -> Loan {
        let caller = try request.requirePrincipal()
        let id = try request.pathParameters.id()
        guard let loan = try store.find(id: id) else { throw notFound(id) }
        try caller.requireOwnerOrAdmin(ownerID: loan.userID, notFound: notFound(id))
        return loan
    }

    private static func reloaded(_ id: Int64, store: any LoanRepository) throws -> Loan {
        guard let loan = try store.find(id: id) else { throw notFound(id) }
        return loan
    }

    private static func ok(_ loan: Loan) -> Response {
        .json { LoanSchemas.write(loan, now: Date(), to: &$0) }
    }

    static func notFound(_ id: Int64) -> ProblemError {
        ProblemError(.notFound, detail: "Loan \(id) not found")
    }
}
