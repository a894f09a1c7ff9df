import Foundation
import Testing
import Models

@Suite struct HoldPolicyTests {
    let policy = HoldPolicy(maximumActiveHolds: 3, pickupSeconds: 60)
    /// The injected clock: every rule takes its instant as an argument.
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func situation(available: Int = 0, hold: Bool = false, loan: Bool = false, holds: Int = 0) -> HoldPolicy.Situation {
        .init(copiesAvailable: available, hasActiveHoldOnBook: hold, hasActiveLoanOfBook: loan, activeHolds: holds)
    }

    @Test func defaultsAreFiveHoldsAndThreeDaysToPickUp() {
        let defaults = HoldPolicy()
        #expect(defaults.maximumActiveHolds == 5 && defaults.pickupSeconds == 259_200)
        #expect(defaults.expiry(readyAt: now).timeIntervalSince(now) == 3 * 86_400)
    }

    @Test func placeRefusalsInTheOrderAUserCanActOn() {
        #expect(policy.refusal(toPlace: situation(holds: 2)) == nil)
        #expect(policy.refusal(toPlace: situation(holds: 3)) == .tooManyHolds(limit: 3))
        #expect(policy.refusal(toPlace: situation(available: 1, holds: 3)) == .copyAvailable)
        #expect(policy.refusal(toPlace: situation(available: 1, hold: true)) == .alreadyHoldsBook)
        #expect(policy.refusal(toPlace: situation(available: 1, hold: true, loan: true)) == .alreadyBorrowedBook)
    }

    @Test func aReadyHoldExpiresAtItsExpiryInstantExactly() {
        let expiresAt = policy.expiry(readyAt: now)
        #expect(expiresAt == now.addingTimeInterval(60))
        #expect(!HoldPolicy.isExpired(expiresAt: expiresAt, at: now.addingTimeInterval(59.999)))
        #expect(HoldPolicy.isExpired(expiresAt: expiresAt, at: expiresAt))
        #expect(HoldPolicy.isExpired(expiresAt: expiresAt, at: now.addingTimeInterval(3600)))
    }

    @Test func freedCopiesGoToTheQueueBeforeTheShelf() {
        #expect(HoldPolicy.distribute(freed: 1, waiting: 3) == (1, 0))
        #expect(HoldPolicy.distribute(freed: 5, waiting: 3) == (3, 2))
        #expect(HoldPolicy.distribute(freed: 2, waiting: 0) == (0, 2))
        #expect(HoldPolicy.distribute(freed: -2, waiting: 4) == (0, 0))  // fewer copies free nothing
    }

    @Test func aQuietBooksQueueMovesAsIfSweptOnTime() {
        let firstExpiry = now
        // 150 s later, nobody having looked: the next hold was ready at 0 s and expired at 60 s,
        // the one after it at 60 s and expired at 120 s, the third is ready since 120 s.
        let chain = policy.chain(from: firstExpiry, waiting: 5, now: now.addingTimeInterval(150))
        #expect(chain.map(\.readyAt) == [0, 60, 120].map { now.addingTimeInterval($0) })
        #expect(chain.map(\.expiresAt) == [60, 120, 180].map { now.addingTimeInterval($0) })
        #expect(policy.chain(from: firstExpiry, waiting: 2, now: now.addingTimeInterval(1000)).count == 2)
        #expect(policy.chain(from: firstExpiry, waiting: 5, now: now.addingTimeInterval(-1)).isEmpty)
    }
}
