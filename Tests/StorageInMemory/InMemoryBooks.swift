import Database
import Foundation
import Models
import Storage

/// `BookRepository` in memory (`BookStore`'s rules).
struct InMemoryBooks: BookRepository {
    let library: InMemoryLibrary

    func insert(_ fields: BookFields) throws -> Book {
        try library.change { state in
            guard !state.books.values.contains(where: { $0.book.isbn == fields.isbn }) else { throw BookConflict.duplicateISBN }
            let now = library.now()
            let book = Book(
                id: state.nextID(), title: fields.title, author: fields.author, isbn: fields.isbn, publishedYear: fields.publishedYear,
                genre: fields.genre, description: fields.description, copiesTotal: fields.copies, copiesAvailable: fields.copies,
                createdAt: now, updatedAt: now)
            state.books[book.id] = LibraryState.BookRow(book: book)
            return book
        }
    }

    func find(id: Int64) throws -> Book? {
        library.read { $0.books[id]?.book }
    }

    /// One thread at a time in the tests: the book is read, then `body` runs (its changes each
    /// all or nothing).
    func withLockedBook<T>(id: Int64, _ body: (Book?) throws -> T) throws -> T {
        try body(try find(id: id))
    }

    func count(_ filter: BookListFilter) throws -> Int {
        library.read { state in state.books.values.filter { Self.matches($0.book, filter) }.count }
    }

    func page(_ filter: BookListFilter, sort: BookSort, paging: Paging, from start: BookListStart?) throws -> [Book] {
        let sorted = library.read { state in state.books.values.map(\.book).filter { Self.matches($0, filter) } }
            .sorted(by: Self.order(sort))
        guard let start else { return sorted.page(paging) }
        let first = (sorted.firstIndex { $0.id == start.anchor.id } ?? sorted.count) + start.skip
        return sorted.page(Paging(offset: first, limit: paging.limit))
    }

    func anchors(_ filter: BookListFilter, sort: BookSort, every spacing: Int) throws -> [BookListAnchor] {
        let sorted = library.read { state in state.books.values.map(\.book).filter { Self.matches($0, filter) } }
            .sorted(by: Self.order(sort))
        return stride(from: 0, to: sorted.count, by: spacing).map { BookListAnchor(value: .null, id: sorted[$0].id) }
    }

    func update(id: Int64, _ changes: BookChanges) throws -> Book? {
        try library.change { state in
            guard var row = state.books[id] else { return nil }
            if let isbn = changes.isbn, state.books.values.contains(where: { $0.book.isbn == isbn && $0.book.id != id }) {
                throw BookConflict.duplicateISBN
            }
            var book = row.book
            if let title = changes.title { book.title = title }
            if let author = changes.author { book.author = author }
            if let isbn = changes.isbn { book.isbn = isbn }
            Self.apply(changes.publishedYear, to: &book.publishedYear)
            Self.apply(changes.genre, to: &book.genre)
            Self.apply(changes.description, to: &book.description)
            var toHolds = 0
            if let copies = changes.copies {
                let inUse = book.copiesTotal - book.copiesAvailable  // on loan or set aside
                guard copies >= inUse else { throw BookConflict.copiesBelowInUse(bookID: id, inUse: inUse) }
                let added = copies - book.copiesTotal
                toHolds = HoldPolicy.distribute(freed: added, waiting: book.holdsWaiting).toHolds
                book.copiesAvailable += added - toHolds
                book.copiesSetAside += toHolds
                book.holdsWaiting -= toHolds
                book.copiesTotal = copies
            }
            book.updatedAt = library.now()
            row.book = book
            state.books[id] = row
            state.makeReady(count: toHolds, bookID: id, readyFrom: library.now(), policy: library.holdPolicy)
            return state.books[id]?.book
        }
    }

    func delete(id: Int64) throws -> Bool {
        try library.change { state in
            guard state.books[id] != nil else { return false }
            guard !state.loans.values.contains(where: { $0.book.id == id && $0.returnedAt == nil }) else {
                throw BookConflict.copiesOnLoan(bookID: id)
            }
            guard !state.holds.values.contains(where: { $0.bookID == id && $0.status.isActive }) else {
                throw BookConflict.activeHolds(bookID: id)
            }
            state.holds = state.holds.filter { $0.value.bookID != id }
            state.loans = state.loans.filter { $0.value.book.id != id }
            state.books[id] = nil
            return true
        }
    }

    private static func apply<Value>(_ change: FieldChange<Value>, to field: inout Value?) {
        switch change {
        case .absent: break
        case .null: field = nil
        case let .value(value): field = value
        }
    }

    /// Every word of the search starts a word of the title or the author; the other filters
    /// compare case-insensitively, like the column collation.
    static func matches(_ book: Book, _ filter: BookListFilter) -> Bool {
        if let author = filter.author, author.lowercased() != book.author.lowercased() { return false }
        if let genre = filter.genre, genre.lowercased() != book.genre?.lowercased() { return false }
        if let available = filter.available, available != (book.copiesAvailable > 0) { return false }
        if let search = filter.search {
            let words = BookSearch.words(in: book.title + " " + book.author).map { $0.lowercased() }
            let wanted =
                (search.fullTextQuery?.split(separator: " ").map { $0.dropFirst().dropLast().lowercased() } ?? [])
                + search.wordStartPatterns.map { $0.dropFirst(2).lowercased() }
            for prefix in wanted where !words.contains(where: { $0.hasPrefix(prefix) }) { return false }
        }
        return true
    }

    /// The order of `sort`, `id` breaking ties; NULL years first ascending, last descending.
    static func order(_ sort: BookSort) -> (Book, Book) -> Bool {
        switch sort {
        case .id: return { $0.id < $1.id }
        case .idDescending: return { $0.id > $1.id }
        case .title: return { ($0.title.lowercased(), $0.id) < ($1.title.lowercased(), $1.id) }
        case .titleDescending: return { ($0.title.lowercased(), $0.id) > ($1.title.lowercased(), $1.id) }
        case .publishedYear: return { ($0.publishedYear ?? Int.min, $0.id) < ($1.publishedYear ?? Int.min, $1.id) }
        case .publishedYearDescending: return { ($0.publishedYear ?? Int.min, $0.id) > ($1.publishedYear ?? Int.min, $1.id) }
        }
    }
}
