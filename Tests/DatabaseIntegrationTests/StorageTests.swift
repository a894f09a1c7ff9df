import Database
import Foundation
import Models
import Storage
import Testing

/// The stores of `Storage` against MariaDB with every migration: the constraint violations
/// they turn into domain errors (by index name), and their dynamic queries (`SQLQuery`).
/// The handler rules above them are tested in memory (LibraryAppTests/Handlers); these keep
/// the SQL honest.
@Suite struct StorageTests {
    let policy = LoanPolicy()

    private func withStores(_ body: (MariaDBSession) throws -> Void) throws {
        try TestDatabase.withMigratedDatabase { connection in
            try body(MariaDBSession(connection: connection, holdPolicy: HoldPolicy()))
        }
    }

    private func fields(_ title: String, isbn: String, author: String = "Someone", year: Int? = nil, copies: Int = 1) throws -> BookFields {
        BookFields(
            title: title, author: author, isbn: try ISBN(parsing: isbn), publishedYear: year, genre: nil, description: nil, copies: copies)
    }

    private func user(_ name: String, role: User.Role = .user, in session: MariaDBSession) throws -> User {
        try session.users.insert(
            NewUser(username: name, email: "\(name)@example.org", passwordHash: "x", firstName: nil, lastName: nil, role: role))
    }

    @Test func aTakenISBNIsABookConflict() throws {
        try withStores { session in
            let dune = try session.books.insert(fields("Dune", isbn: "0441172717"))
            #expect(throws: BookConflict.duplicateISBN) { try session.books.insert(fields("Again", isbn: "0-441-17271-7")) }
            let other = try session.books.insert(fields("Other", isbn: "0306406152"))
            var changes = BookChanges()
            changes.isbn = dune.isbn
            #expect(throws: BookConflict.duplicateISBN) { try session.books.update(id: other.id, changes) }
        }
    }

    @Test func copiesInUseRefuseAShrinkAndADelete() throws {
        try withStores { session in
            let reader = try user("reader", in: session)
            let book = try session.books.insert(fields("Dune", isbn: "0441172717", copies: 2))
            guard case let .borrowed(loan) = try session.loans.borrow(userID: reader.id, bookID: book.id, policy: policy, now: Date())
            else {
                Issue.record("no loan")
                return
            }
            var changes = BookChanges()
            changes.copies = 0
            #expect(throws: BookConflict.copiesBelowInUse(bookID: book.id, inUse: 1)) { try session.books.update(id: book.id, changes) }
            #expect(throws: BookConflict.copiesOnLoan(bookID: book.id)) { try session.books.delete(id: book.id) }
            try session.loans.giveBack(loanID: loan.id, bookID: book.id, now: Date())
            #expect(throws: LoanPolicy.Refusal.alreadyReturned) {
                try session.loans.giveBack(loanID: loan.id, bookID: book.id, now: Date())
            }
            #expect(try session.books.delete(id: book.id))
            #expect(try session.books.find(id: book.id) == nil)
            #expect(try !session.books.delete(id: book.id))
        }
    }

    @Test func takenUsernamesAndEmailsNameTheirField() throws {
        try withStores { session in
            let ada = try user("ada", in: session)
            #expect(throws: UserConflict.taken(field: "email")) {
                try session.users.insert(
                    NewUser(username: "other", email: "ada@example.org", passwordHash: "x", firstName: nil, lastName: nil, role: .user))
            }
            #expect(throws: UserConflict.taken(field: "username")) {
                try session.users.insert(
                    NewUser(username: "ADA", email: "b@example.org", passwordHash: "x", firstName: nil, lastName: nil, role: .user))
            }
            let bob = try user("bob", in: session)
            #expect(throws: UserConflict.taken(field: "email")) { try session.users.update(id: bob.id, UserChanges(email: ada.email)) }
        }
    }

    /// The borrow's procedure (sql/009): each outcome, in LoanPolicy's order, and every
    /// refusal rolled back whole: the users' counts, the copies and the report's month rows
    /// still match the loans afterwards.
    @Test func everyBorrowOutcomeAndNothingWrittenByARefusal() throws {
        try TestDatabase.withMigratedDatabase { connection in
            let session = MariaDBSession(connection: connection, holdPolicy: HoldPolicy())
            let reader = try user("reader", in: session)
            let other = try user("other", in: session)
            let dune = try session.books.insert(fields("Dune", isbn: "0441172717", copies: 2))
            let emma = try session.books.insert(fields("Emma", isbn: "0306406152"))
            let third = try session.books.insert(fields("Third", isbn: "9780000000002"))
            let now = Date()
            #expect(try session.loans.borrow(userID: 999_999, bookID: dune.id, policy: policy, now: now) == .noSuchUser)
            #expect(try session.loans.borrow(userID: reader.id, bookID: 999_999, policy: policy, now: now) == .noSuchBook)
            guard case let .borrowed(loan) = try session.loans.borrow(userID: reader.id, bookID: dune.id, policy: policy, now: now)
            else {
                Issue.record("no loan")
                return
            }
            #expect(loan.book.title == "Dune" && loan.userID == reader.id && loan.dueAt == policy.dueDate(from: now))
            #expect(try session.loans.find(id: loan.id)?.book.id == dune.id)
            #expect(throws: LoanPolicy.Refusal.alreadyHoldsBook) {
                try session.loans.borrow(userID: reader.id, bookID: dune.id, policy: policy, now: now)
            }
            let oneLoan = LoanPolicy(maximumActiveLoans: 1)
            #expect(throws: LoanPolicy.Refusal.tooManyLoans(limit: 1)) {
                try session.loans.borrow(userID: reader.id, bookID: emma.id, policy: oneLoan, now: now)
            }
            let monthAgo = now.addingTimeInterval(-30 * 86_400)
            _ = try session.loans.borrow(userID: other.id, bookID: emma.id, policy: policy, now: monthAgo)
            #expect(throws: LoanPolicy.Refusal.overdueLoan) {
                try session.loans.borrow(userID: other.id, bookID: third.id, policy: policy, now: now)
            }
            #expect(throws: LoanPolicy.Refusal.noCopyAvailable) {
                try session.loans.borrow(userID: reader.id, bookID: emma.id, policy: policy, now: now)
            }
            let counts = try #require(
                try connection.fetch(
                    """
                    SELECT (SELECT SUM(active_loans) FROM users) AS counted,
                           (SELECT COUNT(*) FROM loans WHERE returned_at IS NULL) AS active,
                           (SELECT SUM(copies_total - copies_available) FROM books) AS taken,
                           (SELECT SUM(loans_total) FROM books) AS totals,
                           (SELECT SUM(loans) FROM book_loan_months) AS months
                    """
                ).first)
            #expect(try [counts.int("counted"), counts.int("taken"), counts.int("totals"), counts.int("months")] == [2, 2, 2, 2])
            #expect(try counts.int("active") == 2)
        }
    }

    @Test func theLastAdminAndAUserWithLoansStay() throws {
        try withStores { session in
            let admin = try user("admin", role: .admin, in: session)
            #expect(throws: UserConflict.lastAdmin(userID: admin.id)) { try session.users.delete(id: admin.id) }
            #expect(throws: UserConflict.lastAdmin(userID: admin.id)) { try session.users.update(id: admin.id, UserChanges(role: .user)) }
            let reader = try user("reader", in: session)
            let book = try session.books.insert(fields("Dune", isbn: "0441172717"))
            _ = try session.loans.borrow(userID: reader.id, bookID: book.id, policy: policy, now: Date())
            #expect(throws: UserConflict.activeLoans(userID: reader.id)) { try session.users.delete(id: reader.id) }
            #expect(try session.users.find(id: reader.id) != nil)  // rolled back whole
        }
    }

    @Test func aReturnGoesToTheFirstWaitingHold() throws {
        try withStores { session in
            let reader = try user("reader", in: session)
            let first = try user("first", in: session)
            let second = try user("second", in: session)
            let book = try session.books.insert(fields("Dune", isbn: "0441172717"))
            guard case let .borrowed(loan) = try session.loans.borrow(userID: reader.id, bookID: book.id, policy: policy, now: Date())
            else {
                Issue.record("no loan")
                return
            }
            #expect(throws: LoanPolicy.Refusal.noCopyAvailable) {
                try session.loans.borrow(userID: first.id, bookID: book.id, policy: policy, now: Date())
            }
            guard case let .placed(hold) = try session.holds.place(userID: first.id, bookID: book.id) else {
                Issue.record("no hold")
                return
            }
            _ = try session.holds.place(userID: second.id, bookID: book.id)
            #expect(throws: HoldPolicy.Refusal.alreadyHoldsBook) { try session.holds.place(userID: first.id, bookID: book.id) }
            #expect(try session.holds.isWanted(bookID: book.id))

            try session.loans.giveBack(loanID: loan.id, bookID: book.id, now: Date())
            #expect(try session.holds.find(id: hold)?.status == .ready)
            let after = try #require(try session.books.find(id: book.id))
            #expect(after.copiesAvailable == 0 && after.copiesSetAside == 1 && after.holdsWaiting == 1)
            let waiting = try session.holds.list(
                HoldListFilter(status: .status(.waiting), bookID: book.id), paging: Paging(offset: 0, limit: 10))
            #expect(waiting.total == 1 && waiting.holds.first?.userID == second.id && waiting.holds.first?.position == 1)
            #expect(
                try session.holds.active(bookID: book.id, paging: Paging(offset: 0, limit: 10)).holds.map(\.status) == [.ready, .waiting])
        }
    }

    /// Filters and sorts through `SQLQuery`, and a page that starts from a kept sort key
    /// reads the same rows as the same page by offset.
    @Test func bookListsFilterSortAndStartFromAnchors() throws {
        try withStores { session in
            let isbns = ["0441172717", "0306406152", "9780262033848", "0198526636", "9783161484100"]
            var ids: [Int64] = []
            for (index, isbn) in isbns.enumerated() {
                let year = index == 2 ? nil : 1960 + index
                ids.append(
                    try session.books.insert(
                        fields("Book \(index)", isbn: isbn, author: index % 2 == 0 ? "Le Guin" : "Herbert", year: year)
                    ).id)
            }
            let reader = try user("reader", in: session)
            _ = try session.loans.borrow(userID: reader.id, bookID: ids[0], policy: policy, now: Date())

            #expect(try session.books.count(BookListFilter(author: "le guin")) == 3)
            #expect(try session.books.count(BookListFilter(available: false)) == 1)
            #expect(try session.books.count(BookListFilter(search: BookSearch("herb"), available: true)) == 2)
            let all = Paging(offset: 0, limit: 10)
            #expect(try session.books.page(BookListFilter(), sort: .idDescending, paging: all, from: nil).map(\.id) == ids.reversed())
            let byYear = try session.books.page(BookListFilter(), sort: .publishedYear, paging: all, from: nil).map(\.id)
            #expect(byYear == [ids[2], ids[0], ids[1], ids[3], ids[4]])  // NULL first

            for sort in BookSort.allCases {
                let anchors = try session.books.anchors(BookListFilter(), sort: sort, every: 2)
                #expect(anchors.count == 3)
                let start = BookListStart(anchor: anchors[1], skip: 1)
                let fromAnchor = try session.books.page(BookListFilter(), sort: sort, paging: Paging(offset: 3, limit: 2), from: start)
                let byOffset = try session.books.page(BookListFilter(), sort: sort, paging: Paging(offset: 3, limit: 2), from: nil)
                #expect(fromAnchor.map(\.id) == byOffset.map(\.id), "sort \(sort)")
            }
        }
    }

    @Test func aListPageNeedsNoTemporaryTableOnDisk() throws {
        try TestDatabase.withMigratedDatabase { connection in
            let session = MariaDBSession(connection: connection, holdPolicy: HoldPolicy())
            // Enough rows that MariaDB starts the join from the page, as on a real catalogue.
            for index in 0..<60 {
                let isbn = try #require(ISBN(prefix12: "978000000" + String(100 + index)))
                var book = try fields("Title \(index % 7)", isbn: isbn.digits, year: 1990 + index % 3)
                book.description = String(repeating: "A long description. ", count: 20)  // TEXT: no in-memory temporary table
                _ = try session.books.insert(book)
            }
            func diskTables() throws -> Int {
                try connection.fetch("SHOW SESSION STATUS LIKE 'Created_tmp_disk_tables'").first?.int("Value") ?? -1
            }
            let before = try diskTables()
            for sort in BookSort.allCases {
                let page = try session.books.page(BookListFilter(), sort: sort, paging: Paging(offset: 20, limit: 10), from: nil)
                #expect(page.count == 10 && page.allSatisfy { $0.description != nil }, "sort \(sort)")
            }
            #expect(try diskTables() == before)
        }
    }

    @Test func loanListsFilterByStatusAndOwner() throws {
        try withStores { session in
            let reader = try user("reader", in: session)
            let other = try user("other", in: session)
            let dune = try session.books.insert(fields("Dune", isbn: "0441172717", copies: 2))
            let past = Date(timeIntervalSinceNow: -30 * 86_400)
            guard case let .borrowed(old) = try session.loans.borrow(userID: reader.id, bookID: dune.id, policy: policy, now: past) else {
                Issue.record("no loan")
                return
            }
            _ = try session.loans.borrow(userID: other.id, bookID: dune.id, policy: policy, now: Date())
            let all = Paging(offset: 0, limit: 10)
            #expect(try session.loans.list(LoanListFilter(status: .overdue), paging: all, now: Date()).loans.map(\.id) == [old.id])
            #expect(try session.loans.list(LoanListFilter(status: .active), paging: all, now: Date()).total == 1)
            #expect(try session.loans.list(LoanListFilter(userID: other.id), paging: all, now: Date()).total == 1)
            #expect(
                try session.loans.list(LoanListFilter(bookID: dune.id), paging: Paging(offset: 1, limit: 1), now: Date()).loans.count == 1)
            #expect(try !session.loans.renew(loanID: old.id, policy: policy, now: Date()))  // overdue
        }
    }
}
