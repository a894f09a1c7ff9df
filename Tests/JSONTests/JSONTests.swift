import Testing

import JSON

@Suite struct JSONParserTests {
    func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    @Test func parsesEveryKind() throws {
        let value = try parse(#" {"a": [1, -2, 3.5, 1e3, true, false, null], "s": "x\"\\\/\n\u00e9\ud83d\ude00", "o": {}} "#)
        #expect(
            value
                == .object([
                    "a": .array([.integer(1), .integer(-2), .double(3.5), .double(1000), .bool(true), .bool(false), .null]),
                    "s": .string("x\"\\/\né😀"),
                    "o": .object([:]),
                ]))
    }

    @Test func integersStayIntegersAndHugeOnesBecomeDoubles() throws {
        #expect(try parse("9223372036854775807") == .integer(.max))
        #expect(try parse("9223372036854775808") == .double(9223372036854775808))
        #expect(try parse("2020.0") == .double(2020))
    }

    @Test(arguments: [
        "", " ", "{", "{bad json", "{\"a\":1,}", "[1,]", "[1 2]", "{\"a\" 1}", "{a:1}", "'x'", "01", "1.", ".5", "-",
        "1e", "+1", "NaN", "Infinity", "tru", "nul", "\"unterminated", "\"tab\there\"", "\"\\x\"", "\"\\u12\"",
        "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "{\"a\":1,\"a\":2}", "[] []", "1e999", "// comment\n{}",
    ])
    func rejectsMalformedInput(text: String) {
        #expect(throws: JSONParser.Failure.self) { try parse(text) }
    }

    @Test func rejectsInvalidUTF8InStrings() {
        let bytes: [UInt8] = Array("{\"name\":\"".utf8) + [0xC3, 0x28] + Array("\"}".utf8)
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(bytes) }
        let overlong: [UInt8] = [0x22, 0xC0, 0xAF, 0x22]
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(overlong) }
    }

    @Test func boundsNesting() throws {
        let deep = String(repeating: "[", count: JSONParser.maximumDepth) + String(repeating: "]", count: JSONParser.maximumDepth)
        _ = try parse(deep)
        let tooDeep =
            String(repeating: "[", count: JSONParser.maximumDepth + 1) + String(repeating: "]", count: JSONParser.maximumDepth + 1)
        #expect(throws: JSONParser.Failure.self) { try parse(tooDeep) }
        let hostile = String(repeating: "[", count: 100_000)
        #expect(throws: JSONParser.Failure.self) { try parse(hostile) }
    }
}

@Suite struct JSONWriterTests {
    @Test func writesObjectsInOrderWithEscapes() {
        var writer = JSONWriter()
        writer.object { json in
            json.key("id"); json.integer(7)
            json.field("title", "Quote \" back\\slash\nline\u{01}")
            json.field("genre", nil as String?)
            json.key("tags");
            json.array { list in
                list.string("a"); list.string("b")
            }
            json.field("ok", true)
            json.key("ratio"); json.double(0.5)
        }
        let text = String(decoding: writer.bytes, as: UTF8.self)
        #expect(text == #"{"id":7,"title":"Quote \" back\\slash\nline\u0001","genre":null,"tags":["a","b"],"ok":true,"ratio":0.5}"#)
    }

    @Test func escapesAtEitherEndAndBetweenPlainRuns() {
        for (text, written) in [
            ("\"", #""\"""#), ("\ttab", #""\ttab""#), ("end\r", #""end\r""#), ("a\u{1F}b\\c", #""a\u001fb\\c""#),
            ("", #""""#), ("plain é", #""plain é""#), ("\n\n", #""\n\n""#),
        ] {
            var writer = JSONWriter()
            writer.string(text)
            #expect(String(decoding: writer.bytes, as: UTF8.self) == written)
        }
    }

    /// The escape search goes eight bytes a step (`JSONEscapes`): every escaped byte and a
    /// few plain ones (`!` and `#` beside `"`, `[` and `]` beside `\`, a space, DEL, UTF-8), at
    /// every offset of strings long enough to span several steps, against a byte-by-byte writer.
    @Test func escapesAreFoundAtEveryOffset() {
        let specials: [String] = (0..<0x20).map { String(UnicodeScalar(UInt8($0))) } + ["\"", "\\"]
        let plains = ["!", "#", "[", "]", " ", "\u{7F}", "é", "😀"]
        for special in specials + plains {
            for length in [1, 7, 8, 9, 15, 16, 17, 31] {
                for offset in 0..<length {
                    var characters = Array(repeating: "a", count: length)
                    characters[offset] = special
                    let text = characters.joined()
                    var writer = JSONWriter()
                    writer.string(text)
                    #expect(String(decoding: writer.bytes, as: UTF8.self) == Self.escapedByteByByte(text), "\(Array(text.utf8))")
                }
            }
        }
    }

    private static func escapedByteByByte(_ text: String) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), byte]
            case 0x0A: out += Array("\\n".utf8)
            case 0x0D: out += Array("\\r".utf8)
            case 0x09: out += Array("\\t".utf8)
            case 0..<0x20: out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
        return String(decoding: out, as: UTF8.self)
    }

    @Test func roundTripsThroughTheParser() throws {
        let original: JSONValue = .object(["b": .array([.integer(1), .string("é😀\u{2028}"), .null]), "a": .bool(false)])
        var writer = JSONWriter()
        writer.value(original)
        #expect(try JSONParser.parse(writer.bytes) == original)
    }
}
