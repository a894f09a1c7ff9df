import Foundation
import Models
import Storage

/// `HoldRepository` in memory (`HoldStore`'s rules: the queue, copies set aside, expiry).
struct InMemoryHolds: HoldRepository {
    let library: InMemoryLibrary

    func find(id: Int64) throws -> Hold? {
        library.read { state in state.holds[id].map(state.hold) }
    }

    func list(_ filter: HoldListFilter, paging: Paging) throws -> (holds: [Hold], total: Int) {
        library.read { state in
            let rows = state.holds.values.filter { row in
                guard filter.userID == nil || row.userID == filter.userID, filter.bookID == nil || row.bookID == filter.bookID else {
                    return false
                }
                switch filter.status {
                case nil: return true
                case .active?: return row.status.isActive
                case let .status(status)?: return row.status == status
                }
            }.sorted { $0.id < $1.id }
            return (rows.page(paging).map(state.hold), rows.count)
        }
    }

    func active(bookID: Int64, paging: Paging) throws -> (holds: [Hold], total: Int) {
        library.read { state in
            let rows = state.holds.values.filter { $0.bookID == bookID && $0.status.isActive }.sorted { left, right in
                // ready first, by ready_at; then the queue in order
                if (left.status == .ready) != (right.status == .ready) { return left.status == .ready }
                if left.status == .ready, left.readyAt != right.readyAt { return left.readyAt! < right.readyAt! }
                return left.queueNumber < right.queueNumber
            }
            return (rows.page(paging).map(state.hold), rows.count)
        }
    }

    func place(userID: Int64, bookID: Int64) throws -> PlaceOutcome {
        try library.change { state in
            _ = state.expireDue(bookID: bookID, now: library.now(), policy: library.holdPolicy)
            guard state.users[userID] != nil else { return .noSuchUser }
            guard var row = state.books[bookID] else { return .noSuchBook }
            let situation = HoldPolicy.Situation(
                copiesAvailable: row.book.copiesAvailable,
                hasActiveHoldOnBook: state.activeHolds(userID: userID).contains { $0.bookID == bookID },
                hasActiveLoanOfBook: state.activeLoans(userID: userID).contains { $0.book.id == bookID },
                activeHolds: state.activeHolds(userID: userID).count)
            if let refusal = library.holdPolicy.refusal(toPlace: situation) { throw refusal }
            row.holdSequence += 1
            row.book.holdsWaiting += 1
            state.books[bookID] = row
            let hold = LibraryState.HoldRow(
                id: state.nextID(), userID: userID, bookID: bookID, status: .waiting, queueNumber: row.holdSequence,
                placedAt: library.now())
            state.holds[hold.id] = hold
            return .placed(id: hold.id)
        }
    }

    func cancel(_ hold: Hold) throws -> Bool {
        try library.change { state in
            _ = state.expireDue(bookID: hold.book.id, now: library.now(), policy: library.holdPolicy)
            guard let row = state.holds[hold.id], row.status.isActive else { return false }
            state.holds[hold.id]?.status = .cancelled
            if row.status == .waiting {
                state.books[row.bookID]?.book.holdsWaiting -= 1
            } else {
                state.books[row.bookID]?.book.copiesSetAside -= 1
                state.passOn(freed: 1, bookID: row.bookID, readyFrom: library.now(), policy: library.holdPolicy)
            }
            return true
        }
    }

    @discardableResult
    func expireDue(bookID: Int64?) throws -> Int {
        try library.change { state in state.expireDue(bookID: bookID, now: library.now(), policy: library.holdPolicy) }
    }

    func isWanted(bookID: Int64) throws -> Bool {
        library.read { ($0.books[bookID]?.book.holdsWaiting ?? 0) > 0 }
    }
}
