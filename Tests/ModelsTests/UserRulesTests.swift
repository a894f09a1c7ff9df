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

    @Test(arguments: ["", "plain", "@example.com", "a@", "a@b", "a@@b.com", "a b@c.com", "a@b..com", "a@-b.com",
                      ".a@b.com", "a.@b.com", "a..b@c.com", "a@b.c_m", "a@1.2.3.4", "é@b.com",
                      String(repeating: "a", count: 245) + "@example.com"])
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
