import Basics
import Testing

@Suite struct DecimalDigitsTests {
    @Test func digitsAsStringWritesThem() {
        for value in [0, 7, 10, 200, 304, 65_535, -1, -42, Int.max, Int.min, Int.max - 1] {
            var bytes: [UInt8] = [0x41]
            DecimalDigits.append(value, to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == "A" + String(value))
            #expect(DecimalDigits.string(value) == String(value))
        }
    }
}
