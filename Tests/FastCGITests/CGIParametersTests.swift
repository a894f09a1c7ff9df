import Testing

@testable import FastCGI

/// Parameter values as `CGIParameters` keeps them: valid UTF-8 as it is, anything else byte
/// for byte as Latin-1 (nothing lost, nothing replaced by U+FFFD).
@Suite struct CGIParametersTests {
    private func header(_ value: [UInt8]) -> String? {
        var parameters = CGIParameters()
        var headers: [(name: String, value: String)] = []
        let name = Array("HTTP_X_TEST".utf8)
        name.withUnsafeBufferPointer { name in
            value.withUnsafeBufferPointer { value in
                parameters.take(name: name, value: value) { headers.append(($0, CGIParameters.text($1))) }
            }
        }
        #expect(headers.map(\.name) == ["X-Test"])
        return headers.first?.value
    }

    @Test func validUTF8IsKeptAsItIs() {
        for text in ["", "plain", "caf\u{E9}", "\u{FFFD}", "\u{212A} \u{1F600}", String(repeating: "a", count: 300)] {
            #expect(header(Array(text.utf8)) == text)
        }
    }

    @Test func otherBytesAreReadAsLatin1() {
        #expect(header([0x63, 0x61, 0x66, 0xE9]) == "caf\u{E9}")  // Latin-1 é, not UTF-8
        #expect(header([0xC3]) == "\u{C3}")  // a sequence cut short
        #expect(header([0xC0, 0xAF]) == "\u{C0}\u{AF}")  // overlong
        #expect(header([0xEF, 0xBF, 0xBD, 0xFF]) == "\u{EF}\u{BF}\u{BD}\u{FF}")  // U+FFFD's bytes, then an invalid one
    }
}
