import Testing
@testable import LibraryApp

/// How the adapter cuts a request target into the path and its decoded segments.
@Suite struct RequestTargetTests {
    @Test func thePathEndsAtTheFirstQuestionMark() {
        #expect(FastCGIAdapter.path(of: "/books/7") == "/books/7")
        #expect(FastCGIAdapter.path(of: "/books?page=2&q=a?b") == "/books")
        #expect(FastCGIAdapter.path(of: "?x") == "")
        #expect(FastCGIAdapter.path(of: "/ü?ä") == "/ü")
    }

    @Test func segmentsAreSplitAtSlashesAndDecoded() throws {
        #expect(try FastCGIAdapter.segments(of: "/") == [""])
        #expect(try FastCGIAdapter.segments(of: "/users/me") == ["users", "me"])
        #expect(try FastCGIAdapter.segments(of: "/a//b/") == ["a", "", "b", ""])
        #expect(try FastCGIAdapter.segments(of: "/books/%37/a%2Fb/x+y") == ["books", "7", "a/b", "x+y"])
        #expect(try FastCGIAdapter.segments(of: "/caf%C3%A9/ü") == ["café", "ü"])
        #expect(throws: PercentDecoding.Failure.self) { try FastCGIAdapter.segments(of: "/bad%zz") }
        #expect(throws: PercentDecoding.Failure.self) { try FastCGIAdapter.segments(of: "/%FF") }
    }
}
