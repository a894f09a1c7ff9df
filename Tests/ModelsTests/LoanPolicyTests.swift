import Foundation
import Testing
import Models

@Suite struct LoanPolicyTests {
    let policy = LoanPolicy()
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func loan(dueIn seconds: TimeInterval, returned: Bool = false, renewals: Int = 0) -> Loan {
        Loan(
            id: 1, userID: 2, book: .init(id: 3, title: "T", author: "A"), borrowedAt: now.addingTimeInterval(-86_400),
            dueAt: now.addingTimeInterval(seconds), returnedAt: returned ? now : nil, renewals: renewals)
    }

    @Test func defaultsAreFourteenDaysFiveLoansTwoRenewals() {
        #expect(policy.loanPeriodDays == 14 && policy.maximumActiveLoans == 5 && policy.maximumRenewals == 2)
        #expect(policy.dueDate(from: now).timeIntervalSince(now) == 14 * 86_400)
    }

    @Test func daysOverdueAreWholeDaysSinceTheDueDateRoundedDown() {
        #expect(loan(dueIn: 60).daysOverdue(at: now) == 0)
        #expect(loan(dueIn: -1).daysOverdue(at: now) == 0)
        #expect(loan(dueIn: -86_399).daysOverdue(at: now) == 0)
        #expect(loan(dueIn: -86_400).daysOverdue(at: now) == 1)
        #expect(loan(dueIn: -(3 * 86_400 + 86_399)).daysOverdue(at: now) == 3)
        #expect(loan(dueIn: -1000 * 86_400).daysOverdue(at: now) == 1000)
    }

    @Test func statusIsComputedFromTheClock() {
        #expect(loan(dueIn: 60).status(at: now) == .active)
        #expect(loan(dueIn: 0).status(at: now) == .active)
        #expect(loan(dueIn: -1).status(at: now) == .overdue)
        #expect(loan(dueIn: -1, returned: true).status(at: now) == .returned)
    }

    @Test func borrowRefusals() {
        #expect(policy.refusal(toBorrowWith: .init(activeLoans: 4, overdueLoans: 0, holdsThisBook: false)) == nil)
        #expect(policy.refusal(toBorrowWith: .init(activeLoans: 5, overdueLoans: 0, holdsThisBook: false)) == .tooManyLoans(limit: 5))
        #expect(policy.refusal(toBorrowWith: .init(activeLoans: 1, overdueLoans: 1, holdsThisBook: false)) == .overdueLoan)
        #expect(policy.refusal(toBorrowWith: .init(activeLoans: 1, overdueLoans: 0, holdsThisBook: true)) == .alreadyHoldsBook)
    }

    @Test func renewalRefusals() {
        #expect(policy.refusal(toRenew: loan(dueIn: 60, renewals: 1), at: now) == nil)
        #expect(policy.refusal(toRenew: loan(dueIn: 60, renewals: 2), at: now) == .renewalLimit(limit: 2))
        #expect(policy.refusal(toRenew: loan(dueIn: -60), at: now) == .overdueRenewal)
        #expect(policy.refusal(toRenew: loan(dueIn: 60, returned: true), at: now) == .alreadyReturned)
    }
}
