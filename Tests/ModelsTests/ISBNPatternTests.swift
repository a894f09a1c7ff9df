import Foundation
import Models
import Testing

/// The OpenAPI document's `ISBN` schema must accept exactly the written forms the validator
/// accepts (a pattern cannot check the check digit, so a wrong check digit counts as accepted).
@Suite struct ISBNPatternTests {
    struct Schema {
        let pattern: NSRegularExpression
        let minLength: Int
        let maxLength: Int

        func accepts(_ text: String) -> Bool {
            let length = text.unicodeScalars.count
            guard length >= minLength, length <= maxLength else { return false }
            return pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }
    }

    /// The `ISBN` schema of static/swagger.yaml: its `minLength`, `maxLength` and `pattern` lines.
    static func schema() throws -> Schema {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("static/swagger.yaml").path
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex { $0 == "    ISBN:" })
        var values: [String: String] = [:]
        for line in lines[(start + 1)...] {
            guard line.hasPrefix("      ") else { break }
            let parts = line.trimmingCharacters(in: .whitespaces).split(separator: ":", maxSplits: 1)
            if parts.count == 2 { values[String(parts[0])] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        var pattern = try #require(values["pattern"])
        if pattern.hasPrefix("'") { pattern = String(pattern.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'") }
        return Schema(
            pattern: try NSRegularExpression(pattern: pattern),
            minLength: try #require(values["minLength"].flatMap { Int($0) }),
            maxLength: try #require(values["maxLength"].flatMap { Int($0) }))
    }

    static func validatorAccepts(_ text: String) -> Bool {
        do {
            _ = try ISBN(parsing: text)
            return true
        } catch {
            return error == .badCheckDigit
        }
    }

    @Test func thePatternRefusesWhatTheValidatorRefuses() throws {
        let schema = try Self.schema()
        for text in [
            String(repeating: "1", count: 31), "12345678901", "123456789012", "12345678901234",
            "9770306406157", "X123456789", "12345678X9", "978030640615X", "0306406152 x",
        ] {
            #expect(!schema.accepts(text), "\(text)")
            #expect(!Self.validatorAccepts(text), "\(text)")
        }
        for text in ["0-306-40615-2", "080442957X", "0-8044-2957-x", " 9780306406157 ", "979-10-90636-07-1", "--0306406152--"] {
            #expect(schema.accepts(text), "\(text)")
            #expect(Self.validatorAccepts(text), "\(text)")
        }
    }

    /// Many generated inputs, biased towards the interesting shapes: 9 to 14 digits, 978/979
    /// prefixes, an X anywhere, separators anywhere, lengths around the 32-character bound.
    @Test func thePatternAndTheValidatorAgreeOnManyInputs() throws {
        let schema = try Self.schema()
        var random = SeededRandom(seed: 0x15B7_2026)
        var disagreements: [String] = []
        var acceptedCount = 0
        for _ in 0..<50_000 {
            var text = ""
            let digits = Int.random(in: 8...15, using: &random)
            let prefix = ["", "978", "979", "977", "97"].randomElement(using: &random)!
            for character in prefix { text.append(character) }
            for _ in prefix.count..<max(prefix.count, digits) {
                let roll = Int.random(in: 0..<100, using: &random)
                if roll < 3 {
                    text.append(["X", "x"].randomElement(using: &random)!)
                } else if roll < 5 {
                    text.append(["a", "+", "_", "é", "٣"].randomElement(using: &random)!)
                } else {
                    text.append(Character(String(Int.random(in: 0...9, using: &random))))
                }
            }
            if Int.random(in: 0..<4, using: &random) == 0 { text.append(["X", "x"].randomElement(using: &random)!) }
            // Separators anywhere, sometimes many (past the length bound).
            for _ in 0..<Int.random(in: 0...22, using: &random) {
                let offset = Int.random(in: 0...text.count, using: &random)
                text.insert(Int.random(in: 0..<2, using: &random) == 0 ? "-" : " ", at: text.index(text.startIndex, offsetBy: offset))
            }
            let validator = Self.validatorAccepts(text)
            if validator { acceptedCount += 1 }
            if validator != schema.accepts(text) { disagreements.append(text) }
        }
        #expect(disagreements.isEmpty, "pattern and validator disagree on \(disagreements.prefix(10))")
        #expect(acceptedCount > 1_000)  // the generator reaches the accepted shapes, not only refusals
    }
}

/// SplitMix64: the same inputs on every run.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
