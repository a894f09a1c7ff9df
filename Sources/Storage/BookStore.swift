package import Database
import Foundation
package import Models

/// The `books` table. Every statement is prepared; the copy counts change only by conditional
/// updates that the CHECK constraints back up, so no read-then-write can break them.
package struct BookStore: BookRepository {
    let database: DatabaseConnection
    let holdPolicy: HoldPolicy

    package init(database: DatabaseConnection, holdPolicy: HoldPolicy) {
        self.database = database
        self.holdPolicy = holdPolicy
    }

    /// In this order: `book(_:)` reads them by position.
    private static let columns: SQLQuery = """
        id, title, author, isbn, published_year, genre, description, copies_total, copies_available, copies_set_aside, \
        holds_waiting, created_at, updated_at
        """
    /// `columns` of `books` where another table has some of the names.
    private static let booksColumns: SQLQuery = """
        books.id, books.title, books.author, books.isbn, books.published_year, books.genre, books.description, \
        books.copies_total, books.copies_available, books.copies_set_aside, books.holds_waiting, books.created_at, \
        books.updated_at
        """

    package func insert(_ fields: BookFields) throws -> Book {
        let result = try conflictsMapped {
            try database.perform(
                """
                INSERT INTO books (title, author, isbn, published_year, genre, description, copies_total, copies_available)
                VALUES (\(fields.title), \(fields.author), \(fields.isbn.digits), \(fields.publishedYear), \(fields.genre), \
                \(fields.description), \(fields.copies), \(fields.copies))
                """)
        }
        guard let book = try find(id: Int64(result.lastInsertID)) else {
            throw DatabaseError.other(code: 0, message: "inserted book not found")
        }
        return book
    }

    package func find(id: Int64) throws -> Book? {
        try database.fetch("SELECT \(Self.columns) FROM books WHERE id = \(id)").first.map(Self.book)
    }

    package func withLockedBook<T>(id: Int64, _ body: (Book?) throws -> T) throws -> T {
        try database.transaction(attempts: 3) {
            try body(try database.fetch("SELECT \(Self.columns) FROM books WHERE id = \(id) FOR UPDATE").first.map(Self.book))
        }
    }

    /// `body` in a transaction: the caller's when one is open (a conditional write), else its own.
    private func atomically<T>(_ body: () throws -> T) throws -> T {
        database.isInTransaction ? try body() : try database.transaction(attempts: 3, body)
    }

    /// The size of the filtered catalogue (`X-Total-Count`).
    package func count(_ filter: BookListFilter) throws -> Int {
        try database.fetch("SELECT COUNT(*) AS total FROM books \(Self.whereClause(Self.conditions(of: filter)))").first?.int("total") ?? 0
    }

    /// A page of the filtered, sorted catalogue: from `start` when given (`PageAnchors`), else
    /// by its offset.
    package func page(_ filter: BookListFilter, sort: BookSort, paging: Paging, from start: BookListStart?) throws -> [Book] {
        var conditions = Self.conditions(of: filter)
        let skip: Int
        if let start {
            conditions.append(sort.rows(from: start.anchor))
            skip = start.skip
        } else {
            skip = paging.offset
        }
        // A deferred join: the page's ids come from walking a sort index alone (each carries id
        // and copies_available, sql/004), and only those rows are read; a plain ORDER BY ...
        // OFFSET would read and sort every row before the page. The page (ids and sort keys)
        // comes first and is what the outer ORDER BY sorts, before the join: sorting the joined
        // rows put them, TEXT column and all, in a temporary table on disk (a file created,
        // written and deleted per page: ~30 % of MariaDB's CPU per never-cached page).
        let rows = try database.fetch(
            """
            SELECT \(Self.booksColumns) FROM \
            (SELECT \(sort.pageColumns) FROM books \(Self.whereClause(conditions)) ORDER BY \(sort.orderBy) \
            LIMIT \(paging.limit) OFFSET \(skip)) AS page
            STRAIGHT_JOIN books ON books.id = page.id
            ORDER BY \(sort.pageOrderBy)
            """)
        return try rows.map(Self.book)
    }

    /// The sort keys of rows 0, `spacing`, 2 × `spacing`, ... of the filtered, sorted catalogue:
    /// one pass over the sort index (`PageAnchors`).
    package func anchors(_ filter: BookListFilter, sort: BookSort, every spacing: Int) throws -> [BookListAnchor] {
        let rows = try database.fetch(
            """
            SELECT \(raw: sort.keyColumn) AS sort_value, id FROM books \(Self.whereClause(Self.conditions(of: filter))) \
            ORDER BY \(sort.orderBy)
            """)
        return try stride(from: 0, to: rows.count, by: spacing).map { index in
            BookListAnchor(value: try rows[index].value("sort_value"), id: Int64(try rows[index].int("id")))
        }
    }

    /// The conditions of the list's filters: fixed text, the input only in parameters.
    private static func conditions(of filter: BookListFilter) -> [SQLQuery] {
        var conditions: [SQLQuery] = []
        if let search = filter.search {
            if let fullText = search.fullTextQuery {
                conditions.append("MATCH (title, author) AGAINST (\(fullText) IN BOOLEAN MODE)")
            }
            for pattern in search.wordStartPatterns {
                conditions.append("(title REGEXP \(pattern) OR author REGEXP \(pattern))")
            }
        }
        if let author = filter.author { conditions.append("author = \(author)") }
        if let genre = filter.genre { conditions.append("genre = \(genre)") }
        if let available = filter.available {
            conditions.append(available ? "copies_available > 0" : "copies_available = 0")
        }
        return conditions
    }

    private static func whereClause(_ conditions: [SQLQuery]) -> SQLQuery {
        conditions.isEmpty ? "" : "WHERE \(SQLQuery.joined(conditions, separator: " AND "))"
    }

    /// Applies `changes` in one statement. A new `copies` moves `copies_available` by the same
    /// amount, and only while it stays at or above the copies on loan or set aside for holds:
    /// the condition is part of the UPDATE, so a borrow racing with it cannot slip in between a
    /// check and the write. More copies while holds wait go to the queue first (`HoldStore.passOn`
    /// rules): then it is a transaction that also makes those holds ready.
    package func update(id: Int64, _ changes: BookChanges) throws -> Book? {
        try conflictsMapped {
            guard changes.copies != nil else { return try updating(id: id, changes, toHolds: 0) }
            return try atomically { () throws -> Book? in
                // The row lock first: holds_waiting and copies_total cannot move under the update.
                guard
                    let row = try database.fetch("SELECT copies_total, holds_waiting FROM books WHERE id = \(id) FOR UPDATE").first
                else { return nil }
                let added = (changes.copies ?? 0) - (try row.int("copies_total"))
                let toHolds = HoldPolicy.distribute(freed: added, waiting: try row.int("holds_waiting")).toHolds
                let book = try updating(id: id, changes, toHolds: toHolds)
                if book != nil, toHolds > 0 {
                    try HoldStore(database: database, policy: holdPolicy).makeReady(count: toHolds, bookID: id, readyFrom: nil)
                    return try find(id: id)
                }
                return book
            }
        }
    }

    /// The UPDATE of `update`; `toHolds` of the added copies are set aside for waiting holds.
    private func updating(id: Int64, _ changes: BookChanges, toHolds: Int) throws -> Book? {
        var assignments = Assignments()
        assignments.set("title", changes.title.map(DatabaseValue.string))
        assignments.set("author", changes.author.map(DatabaseValue.string))
        assignments.set("isbn", changes.isbn.map { .string($0.digits) })
        assignments.set("published_year", changes.publishedYear) { DatabaseValue($0) }
        assignments.set("genre", changes.genre, DatabaseValue.string)
        assignments.set("description", changes.description, DatabaseValue.string)
        var condition: SQLQuery = "id = \(id)"
        if let copies = changes.copies {
            // MariaDB assigns left to right, each seeing the values before it: available
            // first, from the old total, then the total.
            assignments.append("copies_available = copies_available + (\(copies) - copies_total) - \(toHolds)")
            if toHolds > 0 {
                assignments.append("copies_set_aside = copies_set_aside + \(toHolds)")
                assignments.append("holds_waiting = holds_waiting - \(toHolds)")
            }
            assignments.append("copies_total = \(copies)")
            condition += " AND copies_total - copies_available <= \(copies)"
        }
        if !assignments.isEmpty {
            let matched: Int
            do {
                matched = try database.perform("UPDATE books SET \(assignments.sql) WHERE \(condition)").affectedRows
            } catch DatabaseError.checkConstraint("chk_books_copies_available") {
                matched = 0  // the backstop of the condition
            }
            if matched == 0 {
                guard let book = try find(id: id) else { return nil }
                throw BookConflict.copiesBelowInUse(bookID: id, inUse: book.copiesTotal - book.copiesAvailable)
            }
        }
        return try find(id: id)
    }

    /// Deletes a book, its returned loans and finished holds, unless copies are on loan or holds
    /// are active (a hold placed meanwhile writes the book's row, so it waits for this lock). The row lock orders
    /// this after any borrow of the book in flight; the loans' foreign key refuses the delete
    /// anyway while an active loan is left.
    package func delete(id: Int64) throws -> Bool {
        try atomically {
            guard try !database.fetch("SELECT id FROM books WHERE id = \(id) FOR UPDATE").isEmpty else { return false }
            let active =
                try database.fetch("SELECT COUNT(*) AS active FROM loans WHERE book_id = \(id) AND returned_at IS NULL")
                .first?.int("active") ?? 0
            guard active == 0 else { throw BookConflict.copiesOnLoan(bookID: id) }
            let holds =
                try database.fetch("SELECT COUNT(*) AS active FROM holds WHERE book_id = \(id) AND status IN ('waiting', 'ready')")
                .first?.int("active") ?? 0
            guard holds == 0 else { throw BookConflict.activeHolds(bookID: id) }
            // The finished holds go with the book, like its returned loans.
            try database.perform("DELETE FROM holds WHERE book_id = \(id)")
            try database.perform("DELETE FROM loans WHERE book_id = \(id) AND returned_at IS NOT NULL")
            do {
                try database.perform("DELETE FROM books WHERE id = \(id)")
            } catch DatabaseError.foreignKey {
                throw BookConflict.copiesOnLoan(bookID: id)
            }
            return true
        }
    }

    /// A unique key's violation as the conflict it means: only `uq_books_isbn` names a field.
    private func conflictsMapped<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let DatabaseError.duplicateKey(key) {
            throw key == "uq_books_isbn" ? BookConflict.duplicateISBN : BookConflict.duplicate
        }
    }

    /// A row of `columns`, read by position: a list page decodes every one of its books, and a
    /// lookup by name hashes the name each time.
    static func book(_ row: Row) throws -> Book {
        let isbnText = try row.string(3)
        guard let isbn = ISBN(canonicalDigits: isbnText) ?? (try? ISBN(parsing: isbnText)) else {
            throw DatabaseError.column("isbn", problem: "not a valid ISBN")
        }
        return Book(
            id: Int64(try row.int(0)), title: try row.string(1), author: try row.string(2), isbn: isbn,
            publishedYear: try row.optionalInt(4), genre: try row.optionalString(5),
            description: try row.optionalString(6), copiesTotal: try row.int(7),
            copiesAvailable: try row.int(8), createdAt: try row.date(11),
            updatedAt: try row.date(12), copiesSetAside: try row.int(9),
            holdsWaiting: try row.int(10))
    }
}
