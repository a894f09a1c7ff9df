public import Foundation

/// The circulation rules from configuration (`LOAN_PERIOD_DAYS`, `MAX_ACTIVE_LOANS`,
/// `MAX_RENEWALS`), and the reasons a borrow or a renewal is refused.
public struct LoanPolicy: Sendable, Equatable {
    public static let defaultLoanPeriodDays = 14
    public static let defaultMaximumActiveLoans = 5
    public static let defaultMaximumRenewals = 2

    public var loanPeriodDays: Int
    public var maximumActiveLoans: Int
    public var maximumRenewals: Int

    public init(
        loanPeriodDays: Int = defaultLoanPeriodDays, maximumActiveLoans: Int = defaultMaximumActiveLoans,
        maximumRenewals: Int = defaultMaximumRenewals
    ) {
        self.loanPeriodDays = loanPeriodDays
        self.maximumActiveLoans = maximumActiveLoans
        self.maximumRenewals = maximumRenewals
    }

    /// `now` + the loan period: the due date of a new loan, and of a renewed one.
    public func dueDate(from now: Date) -> Date {
        now.addingTimeInterval(TimeInterval(loanPeriodDays) * 86_400)
    }

    /// What a user's active loans say about one more borrow.
    public struct Holdings: Sendable, Equatable {
        public var activeLoans: Int
        public var overdueLoans: Int
        public var holdsThisBook: Bool

        public init(activeLoans: Int, overdueLoans: Int, holdsThisBook: Bool) {
            self.activeLoans = activeLoans
            self.overdueLoans = overdueLoans
            self.holdsThisBook = holdsThisBook
        }
    }

    public enum Refusal: Error, Equatable, Sendable {
        case alreadyHoldsBook
        case overdueLoan
        case tooManyLoans(limit: Int)
        case noCopyAvailable
        case alreadyReturned
        case renewalLimit(limit: Int)
        case overdueRenewal
        /// A hold on the book is waiting: the copy is wanted back.
        case wantedByHold

        public var message: String {
            switch self {
            case .alreadyHoldsBook: return "The user already has this book on loan"
            case .overdueLoan: return "The user has an overdue loan; it must be returned before borrowing again"
            case let .tooManyLoans(limit): return "The user already has the maximum of \(limit) active loans"
            case .noCopyAvailable: return "No copy of this book is available"
            case .alreadyReturned: return "This loan has already been returned"
            case let .renewalLimit(limit): return "This loan has already been renewed the maximum of \(limit) times"
            case .overdueRenewal: return "An overdue loan cannot be renewed; it must be returned"
            case .wantedByHold: return "Another reader is waiting for this book; the loan cannot be renewed"
            }
        }
    }

    /// The first rule a borrow breaks, in the order a user can act on them.
    public func refusal(toBorrowWith holdings: Holdings) -> Refusal? {
        if holdings.holdsThisBook { return .alreadyHoldsBook }
        if holdings.overdueLoans > 0 { return .overdueLoan }
        if holdings.activeLoans >= maximumActiveLoans { return .tooManyLoans(limit: maximumActiveLoans) }
        return nil
    }

    /// Why `loan` cannot be renewed at `now`, or nil when it can.
    public func refusal(toRenew loan: Loan, at now: Date) -> Refusal? {
        switch loan.status(at: now) {
        case .returned: return .alreadyReturned
        case .overdue: return .overdueRenewal
        case .active: return loan.renewals >= maximumRenewals ? .renewalLimit(limit: maximumRenewals) : nil
        }
    }
}
