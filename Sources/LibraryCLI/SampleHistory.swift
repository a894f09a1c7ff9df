import Foundation
import LibraryApp
import Storage

/// A made-up loan history for the reports' benchmarks (`seed --loans N`): readers borrowing
/// over several years, some books much more than others, most loans returned, a few out and
/// some of those overdue. The same seed gives the same history.
///
/// What the schema enforces holds: an active loan takes a copy that was free (`copies` says how
/// many each book has left), a reader has at most `maximumActive` active loans and never two
/// of one book; returned loans, being history, are not checked against the copies.
struct SampleHistory {
    typealias Entry = LoanHistoryLoader.Entry

    static let loanDays = 14.0
    /// Book popularity falls as 1 / (rank + `popularityOffset`): a few hundred books take a
    /// good share of the loans, the rest are borrowed now and then.
    static let popularityOffset = 100.0

    private var random: SplitMix64
    private let now: Date
    private let historySeconds: Double
    /// Book ids in popularity order (the most borrowed first), shuffled from the catalogue.
    private let booksByRank: [Int64]

    init(seed: UInt64, books: [Int64], years: Int, now: Date) {
        random = SplitMix64(seed: seed)
        self.now = now
        historySeconds = Double(years) * 365 * 86_400
        var shuffled = books
        shuffled.shuffle(using: &random)
        booksByRank = shuffled
    }

    /// A returned loan of `userID`, borrowed at any time of the history.
    mutating func returnedLoan(userID: Int64) -> Entry {
        let borrowedAt = now.addingTimeInterval(-historySeconds * unit() - 86_400)
        let renewals = Int(random.next() % 8) < 6 ? 0 : Int(random.next() % 2) + 1
        let dueAt = borrowedAt.addingTimeInterval(Self.loanDays * 86_400 * Double(1 + renewals))
        // Mostly back before the due date, some late; never after now.
        let kept = (Self.loanDays * Double(1 + renewals) + 6) * 86_400 * unit() + 3_600
        let returnedAt = min(now, borrowedAt.addingTimeInterval(kept))
        return Entry(
            userID: userID, bookID: popularBook(), borrowedAt: borrowedAt, dueAt: dueAt, returnedAt: returnedAt, renewals: renewals)
    }

    /// An active loan of `bookID` by `userID`: overdue (due up to four months ago) or not yet due.
    mutating func activeLoan(userID: Int64, bookID: Int64, overdue: Bool) -> Entry {
        let age = overdue ? (Self.loanDays + 1 + 120 * unit()) * 86_400 : (Self.loanDays - 1) * 86_400 * unit()
        let borrowedAt = now.addingTimeInterval(-age)
        return Entry(
            userID: userID, bookID: bookID, borrowedAt: borrowedAt, dueAt: borrowedAt.addingTimeInterval(Self.loanDays * 86_400),
            returnedAt: nil, renewals: 0)
    }

    /// A book drawn by popularity: the inverse of the distribution's CDF,
    /// rank = c × ((n + c) / c)^u − c.
    mutating func popularBook() -> Int64 {
        let c = Self.popularityOffset
        let rank = Int(c * pow((Double(booksByRank.count) + c) / c, unit()) - c)
        return booksByRank[min(max(rank, 0), booksByRank.count - 1)]
    }

    /// Any book, each as likely.
    mutating func anyBook() -> Int64 { booksByRank[Int(random.next() % UInt64(booksByRank.count))] }

    mutating func chance(_ probability: Double) -> Bool { unit() < probability }

    mutating func below(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }

    private mutating func unit() -> Double { Double(random.next() >> 11) / Double(1 << 53) }
}
