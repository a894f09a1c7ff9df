import Foundation
import Testing

@testable import Database

/// The text and the parameters an interpolated `SQLQuery` produces, without a server.
@Suite struct SQLQueryTests {
    @Test func everyInterpolatedValueIsAParameter() {
        let title = "x' OR '1'='1"
        let when = Date(timeIntervalSince1970: 1_700_000_000)
        let query: SQLQuery = "SELECT id FROM books WHERE title = \(title) AND id > \(Int64(7)) AND copies < \(3) AND due_at < \(when)"
        #expect(query.sql == "SELECT id FROM books WHERE title = ? AND id > ? AND copies < ? AND due_at < ?")
        #expect(query.binds == [.string(title), .int(7), .int(3), .date(when)])
    }

    @Test func nilIsNull() {
        let genre: String? = nil
        let year: Int? = 1965
        let query: SQLQuery = "UPDATE books SET genre = \(genre), published_year = \(year)"
        #expect(query.sql == "UPDATE books SET genre = ?, published_year = ?")
        #expect(query.binds == [.null, .int(1965)])
    }

    @Test func aLiteralAloneHasNoParameters() {
        let query: SQLQuery = "SELECT COUNT(*) FROM books"
        #expect(query.sql == "SELECT COUNT(*) FROM books" && query.binds.isEmpty)
    }

    @Test func rawFragmentsAreStaticTextOnly() {
        let column: StaticString = "published_year"
        let query: SQLQuery = "SELECT \(raw: column) AS sort_value FROM books WHERE id = \(Int64(1))"
        #expect(query.sql == "SELECT published_year AS sort_value FROM books WHERE id = ?")
        #expect(query.binds == [.int(1)])
    }

    @Test func embeddedQueriesKeepTheirParametersInOrder() {
        let conditions: [SQLQuery] = ["author = \("Le Guin")", "copies_available > 0", "genre = \("SF")"]
        let filter = SQLQuery.joined(conditions, separator: " AND ")
        let query: SQLQuery = "SELECT id FROM books WHERE \(filter) LIMIT \(10) OFFSET \(20)"
        #expect(query.sql == "SELECT id FROM books WHERE author = ? AND copies_available > 0 AND genre = ? LIMIT ? OFFSET ?")
        #expect(query.binds == [.string("Le Guin"), .string("SF"), .int(10), .int(20)])
    }

    @Test func joiningNothingIsEmpty() {
        #expect(SQLQuery.joined([], separator: ", ").isEmpty)
        #expect(SQLQuery.joined(["a = \(1)"], separator: ", ") == "a = \(1)")
    }

    @Test func concatenationKeepsBothParts() {
        var query: SQLQuery = "id = \(Int64(5))"
        query += " AND copies_total - copies_available <= \(2)"
        #expect(query.sql == "id = ? AND copies_total - copies_available <= ?")
        #expect(query.binds == [.int(5), .int(2)])
    }

    /// The text only: parameters (emails, passwords' hashes) stay out of logs.
    @Test func descriptionLeavesTheValuesOut() {
        let query: SQLQuery = "SELECT id FROM users WHERE email = \("someone@example.org")"
        #expect("\(query)" == "SELECT id FROM users WHERE email = ?")
    }
}
