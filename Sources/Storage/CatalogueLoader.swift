package import Database
import Models

/// Books in bulk, for `library-app seed` (demos and benchmarks), not the request path.
package struct CatalogueLoader {
    let database: DatabaseConnection

    package init(database: DatabaseConnection) {
        self.database = database
    }

    package func bookCount() throws -> Int {
        try database.fetch("SELECT COUNT(*) AS books FROM books").first?.int("books") ?? 0
    }

    /// `body` in one transaction (retried on a deadlock): batches commit together.
    package func inTransaction<T>(_ body: () throws -> T) throws -> T {
        try database.transaction(attempts: 3, body)
    }

    /// One multi-row INSERT; returns the rows added. IGNORE skips a book whose ISBN is taken
    /// (one added by hand, say): the caller then simply makes another.
    package func insertSkippingTakenISBNs(_ books: [BookFields]) throws -> Int {
        guard !books.isEmpty else { return 0 }
        let rows = books.map { book -> SQLQuery in
            """
            (\(book.title), \(book.author), \(book.isbn.digits), \(book.publishedYear), \(book.genre), \(book.description), \
            \(book.copies), \(book.copies))
            """
        }
        return try database.perform(
            """
            INSERT IGNORE INTO books (title, author, isbn, published_year, genre, description, copies_total, copies_available)
            VALUES \(SQLQuery.joined(rows, separator: ", "))
            """
        ).affectedRows
    }
}
