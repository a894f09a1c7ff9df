import Testing
@testable import LibraryApp
import JSON
import HTTPTypes
import Models
import Storage

/// Books request validation: every failing field at once, read-only fields refused, defaults.
@Suite struct BookSchemaTests {
    let valid: [String: JSONValue] = ["title": .string("Dune"), "author": .string("Frank Herbert"), "isbn": .string("0-441-17271-7")]

    func errors(_ body: () throws -> Void) -> [String: [String]] {
        do { try body(); return [:] } catch let problem as ProblemError {
            #expect(problem.status == .badRequest)
            return problem.errors
        } catch { return ["unexpected": ["\(error)"]] }
    }

    @Test func fullBookNormalisesTheISBNAndDefaultsToOneCopy() throws {
        let fields = try BookSchemas.fullBook(valid, currentYear: 2026)
        #expect(fields.isbn.digits == "9780441172719")
        #expect(fields.copies == 1)
        #expect(fields.publishedYear == nil && fields.genre == nil && fields.description == nil)
    }

    @Test func missingRequiredFieldsAreAllReported() {
        let found = errors { _ = try BookSchemas.fullBook([:], currentYear: 2026) }
        #expect(found == ["title": [SchemaReader.missing], "author": [SchemaReader.missing], "isbn": [SchemaReader.missing]])
    }

    @Test func everyInvalidFieldAtOnceWithReadOnlyFieldsUnknown() {
        let body: [String: JSONValue] = [
            "title": .string(""), "author": .integer(7), "isbn": .string("9780306406158"), "published_year": .integer(2028),
            "genre": .string(String(repeating: "g", count: 101)), "description": .integer(1), "copies": .integer(10_001),
            "id": .integer(1), "copies_total": .integer(3), "copies_available": .integer(3), "created_at": .string("x"),
            "updated_at": .string("y"),
        ]
        let found = errors { _ = try BookSchemas.fullBook(body, currentYear: 2026) }
        #expect(
            Set(found.keys) == [
                "title", "author", "isbn", "published_year", "genre", "description", "copies",
                "id", "copies_total", "copies_available", "created_at", "updated_at",
            ])
        #expect(found["copies_available"] == [SchemaReader.unknown])
        #expect(found["isbn"] == ["Invalid ISBN check digit."])
        #expect(found["published_year"] == ["Must not be after 2027."])
    }

    @Test func nullsAllowedOnlyOnOptionalFields() {
        let found = errors {
            _ = try BookSchemas.changes(
                [
                    "title": .null, "copies": .null, "genre": .null, "published_year": .null,
                    "description": .null,
                ], currentYear: 2026)
        }
        #expect(found == ["title": [SchemaReader.notNullable], "copies": [SchemaReader.notNullable]])
    }

    @Test func patchKeepsAbsentFieldsAndSetsNulls() throws {
        let changes = try BookSchemas.changes(["genre": .null, "copies": .integer(4)], currentYear: 2026)
        #expect(changes.title == nil && changes.isbn == nil && changes.copies == 4)
        if case .null = changes.genre {} else { Issue.record("genre should be set to null") }
        if case .absent = changes.description {} else { Issue.record("description should stay") }
    }

    @Test func putResetsOmittedOptionalFields() throws {
        let changes = BookChanges(replacingWith: try BookSchemas.fullBook(valid, currentYear: 2026))
        #expect(changes.copies == 1)
        if case .null = changes.publishedYear {} else { Issue.record("published_year should be reset") }
    }
}

@Suite struct BookListQueryTests {
    func query(_ pairs: [(String, String)]) -> QueryParameters {
        QueryParameters(pairs: pairs.map { (name: $0.0, value: $0.1) })
    }

    func failing(_ pairs: [(String, String)]) -> Set<String> {
        do { _ = try BookListQuery.read(from: query(pairs)); return [] } catch { return Set(error.errors.keys) }
    }

    @Test func defaults() throws {
        let read = try BookListQuery.read(from: query([]))
        #expect(read.sort == .id && read.available == nil && read.search == nil && read.pagination.perPage == 10)
    }

    @Test func everyBadParameterIsNamed() {
        #expect(
            failing([("sort", "author"), ("available", "yes"), ("page", "0"), ("per_page", "500")])
                == ["sort", "available", "page", "per_page"])
        #expect(failing([("sort", "TITLE")]) == ["sort"])
        #expect(failing([("q", String(repeating: "q", count: 256))]) == ["q"])
    }

    @Test func availableAndSortValues() throws {
        #expect(try BookListQuery.read(from: query([("available", "false")])).available == false)
        #expect(try BookListQuery.read(from: query([("available", "True")])).available == true)
        #expect(try BookListQuery.read(from: query([("sort", "-published_year")])).sort == .publishedYearDescending)
    }
}

@Suite struct BookSearchTests {
    @Test func wordsBecomeRequiredPrefixesAndOperatorsAreNeutralised() {
        let search = BookSearch(#"+tolkien -"hobbit" (ring)* ~x @2 it's"#)
        #expect(search.fullTextQuery == "+tolkien* +hobbit* +ring*")
        // at most three short words: each is a REGEXP on every row the index leaves
        #expect(search.wordStartPatterns == [#"\bx"#, #"\b2"#, #"\bit"#])
    }

    @Test func onlyTheFirstThreeShortWordsCount() {
        #expect(BookSearch("a b c d e f").wordStartPatterns == [#"\ba"#, #"\bb"#, #"\bc"#])
        #expect(BookSearch("a b c d e f").fullTextQuery == nil)
    }

    @Test func unicodeWordsAndDuplicates() {
        #expect(BookSearch("Zoë  zoë Brontë").fullTextQuery == "+Zoë* +Brontë*")
        #expect(BookSearch("snake_case").fullTextQuery == "+snake_case*")
        #expect(BookSearch("*** --- \"\"").isEmpty)
    }

    /// U+0D4E joins the next character into one `Character`; the operator after it must still
    /// be a separator (found by review: it reached MATCH and REGEXP as `+ൎ(*`).
    @Test(arguments: ["\u{D4E}(", "\u{D4E}[", "abc\u{D4E}@", "\u{D4E}*x", "a\u{301}(b"])
    func operatorsJoinedToALetterAreStillSeparators(text: String) {
        let words = BookSearch.words(in: text)
        #expect(!words.isEmpty)
        for word in words {
            #expect(word.unicodeScalars.allSatisfy { !"()[]@*\"<>~+-".unicodeScalars.contains($0) })
        }
    }
}

@Suite struct BookConflictTests {
    @Test func aTakenISBNIsNamedLikeTheContractWritesIt() {
        let isbn = BookConflict.duplicateISBN.problem
        #expect(isbn.status == .conflict)
        #expect(isbn.detail == "Another book already has that ISBN")
        #expect(isbn.errors == ["isbn": ["Already taken."]])
    }

    /// Another unique key (none exists today) must not produce "that BOOK" nor a field `book`.
    @Test func anotherUniqueKeyGivesAPlainSentence() {
        let other = BookConflict.duplicate.problem
        #expect(other.status == .conflict)
        #expect(!other.detail.contains("BOOK"))
        #expect(other.errors.isEmpty)
    }
}
