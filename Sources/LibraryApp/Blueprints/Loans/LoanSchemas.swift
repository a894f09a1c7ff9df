import Foundation
import Models
import JSON
import HTTPTypes

/// Request and response shapes of the loans blueprint.
enum LoanSchemas {
    struct Borrow {
        var bookID: Int64
        /// Set by an admin lending for another user.
        var userID: Int64?
    }

    /// `POST /loans`: `book_id`, and `user_id` (an admin lending for someone else).
    static func borrow(_ object: [String: JSONValue]) throws(ProblemError) -> Borrow {
        var reader = SchemaReader(object)
        let positive: (Int64) -> [String] = { $0 > 0 ? [] : ["Must be a positive integer."] }
        let bookID = reader.integer("book_id", required: true, check: positive)
        let userID = reader.integer("user_id", check: positive)
        try reader.finish()
        guard let bookID = bookID.value else {
            throw ProblemError(.badRequest, detail: "The request body has invalid fields")  // finish() already threw
        }
        return Borrow(bookID: bookID, userID: userID.value)
    }

    /// The loan as the contract shows it, with `status` as of `now`.
    static func write(_ loan: Loan, now: Date, to json: inout JSONWriter) {
        json.object { fields in writeFields(of: loan, now: now, to: &fields) }
    }

    /// The loan's fields, inside an object the caller opened (a report adds its own after them).
    static func writeFields(of loan: Loan, now: Date, to fields: inout JSONWriter) {
        fields.key("id"); fields.integer(loan.id)
        fields.key("user_id"); fields.integer(loan.userID)
        fields.key("book_id"); fields.integer(loan.bookID)
        fields.field("borrowed_at", loan.borrowedAt)
        fields.field("due_at", loan.dueAt)
        fields.field("returned_at", loan.returnedAt)
        fields.key("renewals"); fields.integer(loan.renewals)
        fields.field("status", loan.status(at: now).rawValue)
        fields.key("book")
        fields.object { book in
            book.key("id"); book.integer(loan.book.id)
            book.field("title", loan.book.title)
            book.field("author", loan.book.author)
        }
    }
}
