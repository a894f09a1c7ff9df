package import Models

/// A book's writable fields, validated: what `POST` creates and `PUT` replaces.
package struct BookFields: Sendable, Equatable {
    package var title: String
    package var author: String
    package var isbn: ISBN
    package var publishedYear: Int?
    package var genre: String?
    package var description: String?
    package var copies: Int

    package init(
        title: String, author: String, isbn: ISBN, publishedYear: Int?, genre: String?, description: String?, copies: Int
    ) {
        self.title = title
        self.author = author
        self.isbn = isbn
        self.publishedYear = publishedYear
        self.genre = genre
        self.description = description
        self.copies = copies
    }
}

/// A `PATCH`: absent fields stay as they are; nullable ones may be set to null.
package struct BookChanges: Sendable, Equatable {
    package var title: String?
    package var author: String?
    package var isbn: ISBN?
    package var publishedYear: FieldChange<Int> = .absent
    package var genre: FieldChange<String> = .absent
    package var description: FieldChange<String> = .absent
    package var copies: Int?

    package init() {}

    /// A `PUT`: every field, the absent optional ones back to their defaults.
    package init(replacingWith fields: BookFields) {
        title = fields.title
        author = fields.author
        isbn = fields.isbn
        publishedYear = FieldChange(replacingWith: fields.publishedYear)
        genre = FieldChange(replacingWith: fields.genre)
        description = FieldChange(replacingWith: fields.description)
        copies = fields.copies
    }
}
