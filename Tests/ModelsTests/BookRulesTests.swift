import Testing
import Models

@Suite struct BookRulesTests {
    @Test func titleAndAuthorAreOneTo255NonBlankCharacters() {
        #expect(BookRules.titleProblems("A").isEmpty)
        #expect(BookRules.titleProblems(String(repeating: "é", count: 255)).isEmpty)
        #expect(!BookRules.titleProblems("").isEmpty)
        #expect(!BookRules.titleProblems("   ").isEmpty)
        #expect(!BookRules.titleProblems(String(repeating: "t", count: 256)).isEmpty)
        #expect(!BookRules.authorProblems("Tab\tin name").isEmpty)
    }

    @Test func descriptionAllowsLineBreaksUpTo5000Characters() {
        #expect(BookRules.descriptionProblems("Line one.\nLine two.\tIndented.").isEmpty)
        #expect(BookRules.descriptionProblems(String(repeating: "d", count: 5000)).isEmpty)
        #expect(!BookRules.descriptionProblems(String(repeating: "d", count: 5001)).isEmpty)
        #expect(!BookRules.descriptionProblems("bell\u{7}").isEmpty)
    }

    @Test func publishedYearIsNotAfterNextYear() {
        #expect(BookRules.publishedYearProblems(2027, currentYear: 2026).isEmpty)
        #expect(BookRules.publishedYearProblems(-500, currentYear: 2026).isEmpty)
        #expect(BookRules.publishedYearProblems(2028, currentYear: 2026) == ["Must not be after 2027."])
        #expect(!BookRules.publishedYearProblems(-10_000, currentYear: 2026).isEmpty)
    }

    @Test func copiesAreZeroTo10000() {
        #expect(BookRules.copiesProblems(0).isEmpty)
        #expect(BookRules.copiesProblems(10_000).isEmpty)
        #expect(!BookRules.copiesProblems(-1).isEmpty)
        #expect(!BookRules.copiesProblems(10_001).isEmpty)
        #expect(!BookRules.copiesProblems(.max).isEmpty)
    }
}
