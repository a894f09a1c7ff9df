import Testing
import Models

@Suite struct ISBNTests {
    @Test(arguments: [
        ("9780306406157", "9780306406157"),
        ("978-0-306-40615-7", "9780306406157"),
        ("978 0 306 40615 7", "9780306406157"),
        ("0306406152", "9780306406157"),  // ISBN-10 of the same book
        ("0-306-40615-2", "9780306406157"),
        ("080442957X", "9780804429573"),  // X as the check digit
        ("0-8044-2957-x", "9780804429573"),
        ("979-10-90636-07-1", "9791090636071"),  // a 979 ISBN-13
        ("9781861972712", "9781861972712"),
    ])
    func validISBNsAreNormalisedTo13Digits(input: String, expected: String) throws {
        #expect(try ISBN(parsing: input).digits == expected)
        #expect(ISBN.problems(input).isEmpty)
    }

    @Test func tenAndThirteenDigitFormsAreTheSameISBN() throws {
        #expect(try ISBN(parsing: "0-306-40615-2") == ISBN(parsing: "978-0-306-40615-7"))
        #expect(try ISBN(parsing: "0198526636") == ISBN(parsing: "9780198526636"))
    }

    @Test(arguments: [
        ("9780306406158", ISBN.Problem.badCheckDigit),  // ISBN-13, last digit off by one
        ("0306406153", .badCheckDigit),  // ISBN-10, last digit off by one
        ("0804429579", .badCheckDigit),  // should be X
        ("9770306406157", .badPrefix),  // an ISSN-style 977 EAN
        ("1234567890123", .badPrefix),
        ("", .malformed),
        ("030640615", .malformed),  // 9 digits
        ("97803064061577", .malformed),  // 14 digits
        ("X306406152", .malformed),  // X not in the last place
        ("978030640615X", .malformed),  // no X in an ISBN-13
        ("0306-40615_2", .malformed),
        ("０３０６４０６１５２", .malformed),  // full-width digits
        ("isbn 0306406152", .malformed),
        ("9780306406157" + String(repeating: "-", count: 30), .malformed),
    ])
    func invalidISBNs(input: String, problem: ISBN.Problem) {
        #expect(throws: problem) { try ISBN(parsing: input) }
        #expect(ISBN.problems(input) == [problem.message])
    }

    @Test func canonicalDigitsAreTakenAsTheParserWouldTakeThem() throws {
        for text in ["9780306406157", "9791234567896", "9780000000002"] {
            #expect(ISBN(canonicalDigits: text) == (try ISBN(parsing: text)))
        }
        // Anything the parser would rewrite, or refuse, is not canonical.
        for text in [
            "9780306406158", "9770306406150", "0306406152", "978-0-306-40615-7", "97803064061577", "978030640615",
            "978030640615X", "", "٩٧٨٠٣٠٦٤٠٦١٥٧",
        ] {
            #expect(ISBN(canonicalDigits: text) == nil, "\(text)")
        }
    }

    @Test func checkDigitIsComputedFromTwelveDigits() {
        #expect(ISBN(prefix12: "978030640615")?.digits == "9780306406157")
        #expect(ISBN(prefix12: "97803064061") == nil)
        #expect(ISBN(prefix12: "977030640615") == nil)
    }
}
