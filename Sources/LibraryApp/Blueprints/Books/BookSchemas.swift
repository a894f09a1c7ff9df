import Foundation
import Models
import JSON
import HTTPTypes
import Storage

/// Request and response shapes of the books blueprint (the `schemas.py` of the Flask design).
/// `id`, `copies_total`, `copies_available`, `created_at` and `updated_at` are read-only: sent
/// by a client they are unknown fields. A client sets `copies`, which moves both counts.
enum BookSchemas {
    /// `POST /books` and `PUT /books/{id}`: `title`, `author`, `isbn` required; the absent
    /// optional fields take their defaults (null, and one copy).
    static func fullBook(_ object: [String: JSONValue], currentYear: Int) throws(ProblemError) -> BookFields {
        var reader = SchemaReader(object)
        let fields = readFields(&reader, required: true, currentYear: currentYear)
        try reader.finish()
        guard let title = fields.title, let author = fields.author, let isbn = fields.isbn else {
            throw ProblemError(.badRequest, detail: "The request body has invalid fields")  // finish() already threw
        }
        return BookFields(
            title: title, author: author, isbn: isbn, publishedYear: fields.publishedYear.value.map { Int($0) },
            genre: fields.genre.value, description: fields.description.value,
            copies: fields.copies ?? BookRules.defaultCopies)
    }

    /// `PATCH /books/{id}`: any of the fields of `POST`.
    static func changes(_ object: [String: JSONValue], currentYear: Int) throws(ProblemError) -> BookChanges {
        var reader = SchemaReader(object)
        let fields = readFields(&reader, required: false, currentYear: currentYear)
        try reader.finish()
        var changes = BookChanges()
        changes.title = fields.title
        changes.author = fields.author
        changes.isbn = fields.isbn
        changes.publishedYear = fields.publishedYear.map { Int($0) }
        changes.genre = fields.genre
        changes.description = fields.description
        changes.copies = fields.copies
        return changes
    }

    private struct ReadFields {
        var title: String?
        var author: String?
        var isbn: ISBN?
        var publishedYear: SchemaReader.Field<Int64>
        var genre: SchemaReader.Field<String>
        var description: SchemaReader.Field<String>
        var copies: Int?
    }

    private static func readFields(_ reader: inout SchemaReader, required: Bool, currentYear: Int) -> ReadFields {
        let title = reader.string("title", required: required, check: BookRules.titleProblems)
        let author = reader.string("author", required: required, check: BookRules.authorProblems)
        let isbn = reader.string("isbn", required: required, check: ISBN.problems)
        let year = reader.integer("published_year", nullable: true) { BookRules.publishedYearProblems($0, currentYear: currentYear) }
        let genre = reader.string("genre", nullable: true, check: BookRules.genreProblems)
        let description = reader.string("description", nullable: true, check: BookRules.descriptionProblems)
        let copies = reader.integer("copies", check: BookRules.copiesProblems)
        return ReadFields(
            title: title.value, author: author.value, isbn: isbn.value.flatMap { try? ISBN(parsing: $0) },
            publishedYear: year, genre: genre, description: description,
            copies: copies.value.map { Int($0) })
    }

    /// About the JSON of one book with a short description (the bench catalogue's average is
    /// ~240 bytes): sizes a list page's buffer once.
    static let typicalSize = 320

    static func write(_ book: Book, to json: inout JSONWriter) {
        json.object { fields in
            fields.key("id"); fields.integer(book.id)
            fields.field("title", book.title)
            fields.field("author", book.author)
            fields.field("isbn", book.isbn.digits)
            fields.field("published_year", book.publishedYear)
            fields.field("genre", book.genre)
            fields.field("description", book.description)
            fields.key("copies_total"); fields.integer(book.copiesTotal)
            fields.key("copies_available"); fields.integer(book.copiesAvailable)
            fields.key("holds_waiting"); fields.integer(book.holdsWaiting)
            fields.field("created_at", book.createdAt)
            fields.field("updated_at", book.updatedAt)
        }
    }
}
