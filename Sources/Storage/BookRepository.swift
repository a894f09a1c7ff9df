package import Models

/// The catalogue, as the handlers use it (`BookStore` on MariaDB; an in-memory one in the
/// tests). A refused change throws a `BookConflict`.
package protocol BookRepository {
    /// Throws `BookConflict.duplicateISBN` for an ISBN already in the catalogue.
    func insert(_ fields: BookFields) throws -> Book
    func find(id: Int64) throws -> Book?
    /// `body` with the book (nil: no such book) in one transaction that holds the book's row
    /// until it ends: a conditional write compares, then changes, with nothing in between. The
    /// changes `body` makes through this repository belong to that transaction.
    func withLockedBook<T>(id: Int64, _ body: (Book?) throws -> T) throws -> T
    /// The size of the filtered catalogue.
    func count(_ filter: BookListFilter) throws -> Int
    /// A page of the filtered, sorted catalogue: from `start` when given, else from `paging.offset`.
    func page(_ filter: BookListFilter, sort: BookSort, paging: Paging, from start: BookListStart?) throws -> [Book]
    /// The sort keys of rows 0, `spacing`, 2 × `spacing`, ... of the filtered, sorted catalogue.
    func anchors(_ filter: BookListFilter, sort: BookSort, every spacing: Int) throws -> [BookListAnchor]
    /// The book as changed, or nil when there is no such book. `copies` below the copies on
    /// loan or set aside is `BookConflict.copiesBelowInUse`; added copies go to waiting holds
    /// first. A taken ISBN is `BookConflict.duplicateISBN`.
    func update(id: Int64, _ changes: BookChanges) throws -> Book?
    /// False when there is no such book; `BookConflict.copiesOnLoan` or `.activeHolds` while
    /// the book is in use.
    func delete(id: Int64) throws -> Bool
}
