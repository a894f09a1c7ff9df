import Foundation
import Logging
import Storage

/// `seed --loans N`: readers and a loan history (`SampleHistory`) in multi-row INSERTs, then
/// every count the schema keeps brought in line with the new loans in a few set-wise
/// statements: the copies and the users' active loans (with the active loans, in one
/// transaction), the books' `loans_total` and `book_loan_months` (sql/008) at the end. The
/// statements are `LoanHistoryLoader`'s (Storage); this chooses the loans.
struct LoanHistorySeeder {
    let loader: LoanHistoryLoader
    let logger: Logger
    let seed: UInt64

    static let batchSize = 1_000
    static let batchesPerTransaction = 10
    static let loansPerReader = 50
    /// Active loans per reader, drawn from this list: 1.25 on average, at most 3 (MAX_ACTIVE_LOANS is 5).
    static let activeLoansPerReader = [0, 0, 1, 1, 1, 2, 2, 3]
    static let overdueShare = 0.3

    func run(loans: Int, years: Int, force: Bool) throws {
        let existing = try loader.loanCount()
        let wanted = force ? loans : loans - existing
        guard wanted > 0 else {
            logger.info("seed: the history already has \(existing) loans (asked for \(loans)); nothing to do")
            return
        }
        let started = Date()
        let firstNew = try loader.lastLoanID()
        // Books nobody waits for: an active loan must take a copy from the shelf.
        var free = try loader.freeCopies()
        guard !free.isEmpty else {
            logger.error("seed: no books to lend; seed books first")
            return
        }
        var history = SampleHistory(seed: seed &+ UInt64(existing) &* 0x9E37_79B9, books: free.keys.sorted(), years: years, now: Date())
        let readers = try loader.addReaders(max(10, wanted / Self.loansPerReader), tag: "\(seed)x\(existing)", batchSize: Self.batchSize)

        // The active loans and the counts they change, in one transaction.
        var active: [SampleHistory.Entry] = []
        for reader in readers where active.count < wanted / 10 {
            var books: Set<Int64> = []
            for _ in 0..<Self.activeLoansPerReader[history.below(Self.activeLoansPerReader.count)] {
                for _ in 0..<5 {
                    let book = history.anyBook()
                    guard free[book, default: 0] > 0, books.insert(book).inserted else { continue }
                    free[book, default: 0] -= 1
                    active.append(history.activeLoan(userID: reader, bookID: book, overdue: history.chance(Self.overdueShare)))
                    break
                }
            }
        }
        try loader.inTransaction {
            for start in stride(from: 0, to: active.count, by: Self.batchSize) {
                try loader.insert(active[start..<min(start + Self.batchSize, active.count)])
            }
            try loader.countActiveLoans(after: firstNew)
        }

        // The returned loans: history, which no count but the reports' depends on.
        var returned = 0
        let wantedReturned = wanted - active.count
        while returned < wantedReturned {
            returned += try loader.inTransaction {
                var added = 0
                for _ in 0..<Self.batchesPerTransaction where returned + added < wantedReturned {
                    let rows = (0..<min(Self.batchSize, wantedReturned - returned - added)).map { _ in
                        history.returnedLoan(userID: readers[history.below(readers.count)])
                    }
                    added += try loader.insert(rows[...])
                }
                return added
            }
        }

        // The reports' counts of every new loan (sql/008).
        try loader.inTransaction { try loader.countForReports(after: firstNew) }
        let seconds = Date().timeIntervalSince(started)
        logger.info(
            "seed: added \(readers.count) readers and \(active.count + returned) loans (\(active.count) active) in \(String(format: "%.1f", seconds)) s"
        )
    }
}
