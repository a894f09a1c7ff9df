import Testing
import Models

@Suite struct UserRulesTests {
    @Test(arguments: ["abc", "John_Doe-1.x", String(repeating: "a", count: 50)])
    func validUsernames(name: String) {
        #expect(UserRules.usernameProblems(name).isEmpty)
    }

    @Test(arguments: ["ab", String(repeating: "a", count: 51), "has space", "émile", "semi;colon", "", "admin'--"])
    func invalidUsernames(name: String) {
        #expect(!UserRules.usernameProblems(name).isEmpty)
    }

    @Test(arguments: ["a@b.co", "first.last+tag@example.com", "x_y@sub.example.org", "UPPER@Example.COM"])
    func validEmails(email: String) {
        #expect(UserRules.emailProblems(email).isEmpty)
    }

    @Test(arguments: [
        "", "plain", "@example.com", "a@", "a@b", "a@@b.com", "a b@c.com", "a@b..com", "a@-b.com",
        ".a@b.com", "a.@b.com", "a..b@c.com", "a@b.c_m", "a@1.2.3.4", "é@b.com",
        String(repeating: "a", count: 245) + "@example.com",
    ])
    func invalidEmails(email: String) {
        #expect(!UserRules.emailProblems(email).isEmpty)
    }

    @Test func passwordLengthBounds() {
        #expect(!UserRules.passwordProblems("1234567").isEmpty)
        #expect(UserRules.passwordProblems("12345678").isEmpty)
        #expect(UserRules.passwordProblems(String(repeating: "p", count: 128)).isEmpty)
        #expect(!UserRules.passwordProblems(String(repeating: "p", count: 129)).isEmpty)
    }

    @Test func namesAreBoundedAndPrintable() {
        #expect(UserRules.nameProblems(String(repeating: "n", count: 100)).isEmpty)
        #expect(!UserRules.nameProblems(String(repeating: "n", count: 101)).isEmpty)
        #expect(!UserRules.nameProblems("bad\u{0}name").isEmpty)
        #expect(UserRules.nameProblems("Zoë O'Brien-Łukasz").isEmpty)
    }

    @Test func emailsNormaliseToLowercase() {
        #expect(UserRules.normalizedEmail("Ada@Example.COM") == "ada@example.com")
    }
}

/// Lengths count Unicode code points, as MariaDB's CHAR_LENGTH and JSON Schema's maxLength do:
/// a name of 100 visible characters can be 200 code points, which the column would refuse.
@Suite struct CodePointLengthTests {
    @Test func combiningMarksCountAsCodePoints() {
        let decomposed = String(repeating: "e\u{301}", count: 51)  // 51 characters, 102 code points
        #expect(decomposed.count == 51)
        #expect(!UserRules.nameProblems(decomposed).isEmpty)
        #expect(UserRules.nameProblems(String(repeating: "e\u{301}", count: 50)).isEmpty)
        #expect(UserRules.passwordProblems(String(repeating: "e\u{301}", count: 4)).isEmpty)  // 8 code points
        #expect(!UserRules.passwordProblems(String(repeating: "e\u{301}", count: 65)).isEmpty)  // 130 code points
        #expect(!BookRules.titleProblems("t" + String(repeating: "\u{301}", count: 255)).isEmpty)
    }
}
