import Testing
@testable import LibraryApp

@Suite struct QueryParametersTests {
    @Test func decodesPercentAndPlusAndKeepsRepeatedKeys() throws {
        let query = try QueryParameters(parsing: "q=war+and%20peace&genre=a&genre=b&empty=&flag&caf%C3%A9=%E2%9C%93")
        #expect(query["q"] == "war and peace")
        #expect(query.values(for: "genre") == ["a", "b"])
        #expect(query["genre"] == "a")
        #expect(query["empty"] == "")
        #expect(query["flag"] == "")
        #expect(query["café"] == "✓")
        #expect(query.names == ["q", "genre", "empty", "flag", "café"])
        #expect(query["missing"] == nil)
    }

    @Test func emptyQueryHasNoParameters() throws {
        #expect(try QueryParameters(parsing: "").pairs.isEmpty)
        #expect(try QueryParameters(parsing: "&&").pairs.isEmpty)
    }

    @Test(arguments: ["a=%", "a=%4", "a=%zz", "a=%FF", "%C3=1", "a=%ED%A0%80"])
    func malformedEscapesOrUTF8AreRejected(query: String) {
        #expect(throws: QueryParameters.MalformedQuery.self) { try QueryParameters(parsing: Substring(query)) }
    }
}
