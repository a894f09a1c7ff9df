import Basics
import Testing

@Suite struct SameBytesTests {
    @Test func buffersCompareLengthThenBytes() {
        let abc: [UInt8] = [1, 2, 3], abd: [UInt8] = [1, 2, 4], ab: [UInt8] = [1, 2], none: [UInt8] = []
        abc.withUnsafeBytes { abc in
            #expect(abc.hasSameBytes(as: abc))
            abd.withUnsafeBytes { #expect(!abc.hasSameBytes(as: $0)) }
            ab.withUnsafeBytes { #expect(!abc.hasSameBytes(as: $0)) }
            none.withUnsafeBytes { none in
                #expect(none.hasSameBytes(as: none))
                #expect(!none.hasSameBytes(as: abc))
            }
        }
    }

    @Test func sameBytesOnly() {
        #expect("".hasSameUTF8(as: ""))
        #expect("auth:abc".hasSameUTF8(as: "auth:" + "abc"))
        #expect(!"auth:abc".hasSameUTF8(as: "auth:abd"))
        #expect(!"auth:abc".hasSameUTF8(as: "auth:ab"))
        #expect(!"".hasSameUTF8(as: "a"))
        // Long (heap) strings as well as small ones.
        let long = String(repeating: "response:books:/books/1?", count: 4)
        #expect(long.hasSameUTF8(as: String(repeating: "response:books:/books/1?", count: 4)))
        #expect(!long.hasSameUTF8(as: String(long.dropLast()) + "!"))
    }

    /// `==` is canonical equivalence: these are equal strings but different bytes, so different keys.
    @Test func canonicallyEquivalentIsNotTheSame() {
        let composed = "caf\u{E9}", decomposed = "cafe\u{301}"
        #expect(composed == decomposed)
        #expect(!composed.hasSameUTF8(as: decomposed))
        let kelvin = "\u{212A}", k = "K"
        #expect(!kelvin.hasSameUTF8(as: k))
    }
}
