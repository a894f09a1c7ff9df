import Foundation
import Models
import JSON

/// Request and response shapes of the holds blueprint.
enum HoldSchemas {
    /// `POST /holds`: `book_id`, and `user_id` (an admin placing a hold for someone else).
    static func place(_ object: [String: JSONValue]) throws(ProblemError) -> LoanSchemas.Borrow {
        try LoanSchemas.borrow(object)  // the same two fields, the same rules
    }

    /// The hold as the contract shows it.
    static func write(_ hold: Hold, to json: inout JSONWriter) {
        json.object { fields in
            fields.key("id"); fields.integer(hold.id)
            fields.key("user_id"); fields.integer(hold.userID)
            fields.key("book_id"); fields.integer(hold.book.id)
            fields.field("status", hold.status.rawValue)
            fields.field("position", hold.position)
            fields.field("placed_at", hold.placedAt)
            fields.field("ready_at", hold.readyAt)
            fields.field("expires_at", hold.expiresAt)
            fields.key("book")
            fields.object { book in
                book.key("id"); book.integer(hold.book.id)
                book.field("title", hold.book.title)
                book.field("author", hold.book.author)
            }
        }
    }
}
