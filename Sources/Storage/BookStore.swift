import Database
import Foundation
import Models

/// The `books` table. Every statement is prepared; the copy counts change only by conditional
/// updates that the CHECK constraints back up, so no read-then-write can break them.
struct BookStore {
    let database: DatabaseConnection

    /// A book's writable fields, validated: what `POST` creates and `PUT` replaces.
    struct Fields {
        var title: String
        var author: String
        var isbn: ISBN
        var publishedYear: Int?
        var genre: String?
        var description: String?
        var copies: Int
    }

    /// A `PATCH`: absent fields stay as they are; nullable ones may be set to null.
    struct Changes {
        var title: String?
        var author: String?
        var isbn: ISBN?
        var publishedYear: SchemaReader.Field<Int64> = .absent
        var genre: SchemaReader.Field<String> = .absent
        var description: SchemaReader.Field<String> = .absent
        var copies: Int?

        /// A `PUT`: every field, the absent optional ones back to their defaults.
        init(replacingWith fields: Fields) {
            title = fields.title
            author = fields.author
            isbn = fields.isbn
            publishedYear = fields.publishedYear.map { .value(Int64($0)) } ?? .null
            genre = fields.genre.map { .value($0) } ?? .null
            description = fields.description.map { .value($0) } ?? .null
            copies = fields.copies
        }

        init() {}
    }

    /// Why an update changed nothing.
    enum UpdateOutcome {
        case updated(Book)
        case notFound
        /// `copies` is below the copies on loan now.
        case belowCopiesOnLoan(onLoan: Int)
    }

    private static let columns = """
        id, title, author, isbn, published_year, genre, description, copies_total, copies_available, copies_set_aside, \
        holds_waiting, created_at, updated_at
        """

    func insert(_ fields: Fields) throws -> Book {
        let result = try database.execute(
            """
            INSERT INTO books (title, author, isbn, published_year, genre, description, copies_total, copies_available)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .string(fields.title), .string(fields.author), .string(fields.isbn.digits), DatabaseValue(fields.publishedYear),
                DatabaseValue(fields.genre), DatabaseValue(fields.description), DatabaseValue(fields.copies), DatabaseValue(fields.copies),
            ])
        guard let book = try find(id: Int64(result.lastInsertID)) else {
            throw DatabaseError.other(code: 0, message: "inserted book not found")
        }
        return book
    }

    func find(id: Int64) throws -> Book? {
        try database.query("SELECT \(Self.columns) FROM books WHERE id = ?", [.int(id)]).first.map(Self.book)
    }

    /// The book, its row locked until the transaction ends (a conditional write compares it
    /// with `If-Match`, then changes it, with nothing in between).
    func findLocked(id: Int64) throws -> Book? {
        try database.query("SELECT \(Self.columns) FROM books WHERE id = ? FOR UPDATE", [.int(id)]).first.map(Self.book)
    }

    /// `body` in a transaction: the caller's when one is open (a conditional write), else its own.
    private func atomically<T>(_ body: () throws -> T) throws -> T {
        database.isInTransaction ? try body() : try database.transaction(attempts: 3, body)
    }

    /// The size of the filtered catalogue (`X-Total-Count`).
    func count(_ query: BookListQuery) throws -> Int {
        let (filter, parameters) = Self.filter(of: query)
        return try database.query("SELECT COUNT(*) AS total FROM books \(filter)", parameters).first?.int("total") ?? 0
    }

    /// A page of the filtered, sorted catalogue: from `start` when given (`PageAnchors`), else
    /// by its offset.
    func page(_ query: BookListQuery, from start: PageAnchors.Start? = nil) throws -> [Book] {
        var (filter, parameters) = Self.filter(of: query)
        let skip: Int
        if let start {
            let (condition, values) = query.sort.rows(from: start.anchor)
            filter += (filter.isEmpty ? "WHERE " : " AND ") + condition
            parameters += values
            skip = start.skip
        } else {
            skip = query.pagination.offset
        }
        // A deferred join: the page's ids come from walking a sort index alone (each carries id
        // and copies_available, sql/004), and only those rows are read; a plain ORDER BY ...
        // OFFSET would read and sort every row before the page.
        let order = query.sort.orderBy
        let rows = try database.query(
            """
            SELECT \(Self.columns) FROM books
            JOIN (SELECT id FROM books \(filter) ORDER BY \(order) LIMIT ? OFFSET ?) AS page USING (id)
            ORDER BY \(order)
            """, parameters + [.int(Int64(query.pagination.perPage)), .int(Int64(skip))])
        return try rows.map(Self.book)
    }

    /// The sort keys of rows 0, `spacing`, 2 × `spacing`, ... of the filtered, sorted catalogue:
    /// one pass over the sort index (`PageAnchors`).
    func anchors(_ query: BookListQuery, every spacing: Int) throws -> [PageAnchors.Anchor] {
        let (filter, parameters) = Self.filter(of: query)
        let rows = try database.query(
            """
            SELECT \(query.sort.keyColumn) AS sort_value, id FROM books \(filter) ORDER BY \(query.sort.orderBy)
            """, parameters)
        return try stride(from: 0, to: rows.count, by: spacing).map { index in
            PageAnchors.Anchor(value: try rows[index].value("sort_value"), id: Int64(try rows[index].int("id")))
        }
    }

    /// The WHERE clause of the list's filters, and its parameters. Every fragment is fixed
    /// text; the input travels only in the parameters.
    private static func filter(of query: BookListQuery) -> (String, [DatabaseValue]) {
        var conditions: [String] = []
        var parameters: [DatabaseValue] = []
        if let search = query.search {
            if let fullText = search.fullTextQuery {
                conditions.append("MATCH (title, author) AGAINST (? IN BOOLEAN MODE)")
                parameters.append(.string(fullText))
            }
            for pattern in search.wordStartPatterns {
                conditions.append("(title REGEXP ? OR author REGEXP ?)")
                parameters += [.string(pattern), .string(pattern)]
            }
        }
        if let author = query.author {
            conditions.append("author = ?")
            parameters.append(.string(author))
        }
        if let genre = query.genre {
            conditions.append("genre = ?")
            parameters.append(.string(genre))
        }
        if let available = query.available {
            conditions.append(available ? "copies_available > 0" : "copies_available = 0")
        }
        return (conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "), parameters)
    }

    /// Applies `changes` in one statement. A new `copies` moves `copies_available` by the same
    /// amount, and only while it stays at or above the copies on loan or set aside for holds:
    /// the condition is part of the UPDATE, so a borrow racing with it cannot slip in between a
    /// check and the write. More copies while holds wait go to the queue first (`HoldStore.passOn`
    /// rules): then it is a transaction that also makes those holds ready.
    func update(id: Int64, _ changes: Changes, holdPolicy: HoldPolicy) throws -> UpdateOutcome {
        guard changes.copies != nil else { return try updating(id: id, changes, toHolds: 0) }
        return try atomically { () throws -> UpdateOutcome in
            // The row lock first: holds_waiting and copies_total cannot move under the update.
            guard
                let row = try database.query(
                    "SELECT copies_total, holds_waiting FROM books WHERE id = ? FOR UPDATE",
                    [.int(id)]
                ).first
            else { return .notFound }
            let added = (changes.copies ?? 0) - (try row.int("copies_total"))
            let toHolds = HoldPolicy.distribute(freed: added, waiting: try row.int("holds_waiting")).toHolds
            let outcome = try updating(id: id, changes, toHolds: toHolds)
            if case .updated = outcome, toHolds > 0 {
                try HoldStore(database: database, policy: holdPolicy).makeReady(count: toHolds, bookID: id, readyFrom: nil)
                guard let book = try find(id: id) else { return .notFound }
                return .updated(book)
            }
            return outcome
        }
    }

    /// The UPDATE of `update`; `toHolds` of the added copies are set aside for waiting holds.
    private func updating(id: Int64, _ changes: Changes, toHolds: Int) throws -> UpdateOutcome {
        var assignments = Assignments()
        assignments.set("title", changes.title.map(DatabaseValue.string))
        assignments.set("author", changes.author.map(DatabaseValue.string))
        assignments.set("isbn", changes.isbn.map { .string($0.digits) })
        assignments.set("published_year", changes.publishedYear, DatabaseValue.int)
        assignments.set("genre", changes.genre, DatabaseValue.string)
        assignments.set("description", changes.description, DatabaseValue.string)
        var condition = "id = ?"
        var conditionParameters: [DatabaseValue] = [.int(id)]
        if let copies = changes.copies {
            // MariaDB assigns left to right, each seeing the values before it: available
            // first, from the old total, then the total.
            assignments.append(
                "copies_available = copies_available + (? - copies_total) - ?", [DatabaseValue(copies), DatabaseValue(toHolds)])
            if toHolds > 0 {
                assignments.append("copies_set_aside = copies_set_aside + ?", [DatabaseValue(toHolds)])
                assignments.append("holds_waiting = holds_waiting - ?", [DatabaseValue(toHolds)])
            }
            assignments.append("copies_total = ?", [DatabaseValue(copies)])
            condition += " AND copies_total - copies_available <= ?"
            conditionParameters.append(DatabaseValue(copies))
        }
        if !assignments.isEmpty {
            let matched: Int
            do {
                matched = try database.execute(
                    "UPDATE books SET \(assignments.sql) WHERE \(condition)",
                    assignments.parameters + conditionParameters
                ).affectedRows
            } catch DatabaseError.checkConstraint("chk_books_copies_available") {
                matched = 0  // the backstop of the condition
            }
            if matched == 0 {
                guard let book = try find(id: id) else { return .notFound }
                return .belowCopiesOnLoan(onLoan: book.copiesTotal - book.copiesAvailable)
            }
        }
        guard let book = try find(id: id) else { return .notFound }
        return .updated(book)
    }

    enum DeleteOutcome {
        case deleted
        case notFound
        case onLoan
        /// Holds on the book are waiting or ready.
        case holdsActive
    }

    /// Deletes a book, its returned loans and finished holds, unless copies are on loan or holds
    /// are active (a hold placed meanwhile writes the book's row, so it waits for this lock). The row lock orders
    /// this after any borrow of the book in flight; the loans' foreign key refuses the delete
    /// anyway while an active loan is left.
    func delete(id: Int64) throws -> DeleteOutcome {
        try atomically {
            guard try !database.query("SELECT id FROM books WHERE id = ? FOR UPDATE", [.int(id)]).isEmpty else {
                return .notFound
            }
            let active =
                try database.query(
                    "SELECT COUNT(*) AS active FROM loans WHERE book_id = ? AND returned_at IS NULL",
                    [.int(id)]
                ).first?.int("active") ?? 0
            guard active == 0 else { return .onLoan }
            let holds =
                try database.query(
                    "SELECT COUNT(*) AS active FROM holds WHERE book_id = ? AND status IN ('waiting', 'ready')",
                    [.int(id)]
                ).first?.int("active") ?? 0
            guard holds == 0 else { return .holdsActive }
            // The finished holds go with the book, like its returned loans.
            try database.execute("DELETE FROM holds WHERE book_id = ?", [.int(id)])
            try database.execute("DELETE FROM loans WHERE book_id = ? AND returned_at IS NOT NULL", [.int(id)])
            do {
                try database.execute("DELETE FROM books WHERE id = ?", [.int(id)])
            } catch DatabaseError.foreignKey {
                return .onLoan
            }
            return .deleted
        }
    }

    /// Which field a unique key protects, for a `409` that names it.
    /// The request field a unique key protects, or nil for a key no field names alone.
    static func field(forUniqueKey key: String) -> String? {
        key == "uq_books_isbn" ? "isbn" : nil
    }

    static func book(_ row: Row) throws -> Book {
        let isbnText = try row.string("isbn")
        guard let isbn = try? ISBN(parsing: isbnText) else { throw DatabaseError.column("isbn", problem: "not a valid ISBN") }
        return Book(
            id: Int64(try row.int("id")), title: try row.string("title"), author: try row.string("author"), isbn: isbn,
            publishedYear: try row.optionalInt("published_year"), genre: try row.optionalString("genre"),
            description: try row.optionalString("description"), copiesTotal: try row.int("copies_total"),
            copiesAvailable: try row.int("copies_available"), createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at"), copiesSetAside: try row.int("copies_set_aside"),
            holdsWaiting: try row.int("holds_waiting"))
    }
}
