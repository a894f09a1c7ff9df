import Basics
import Testing

@Suite struct HexTests {
    @Test func everyByteHasTwoDigitsInBothCases() {
        for byte in UInt8.min...UInt8.max {
            var lower: [UInt8] = [], upper: [UInt8] = []
            Hex.append(byte, to: &lower)
            Hex.append(byte, to: &upper, uppercase: true)
            let expected = (byte < 16 ? "0" : "") + String(byte, radix: 16)
            #expect(String(decoding: lower, as: UTF8.self) == expected)
            #expect(String(decoding: upper, as: UTF8.self) == expected.uppercased())
        }
    }

    @Test func bytesAndWordsAsStrings() {
        #expect(Hex.string([]) == "")
        #expect(Hex.string([0x00, 0x0F, 0xA5, 0xFF]) == "000fa5ff")
        #expect(Hex.string(UInt64(0)) == "0000000000000000")
        #expect(Hex.string(UInt64(0xCBF2_9CE4_8422_2325)) == "cbf29ce484222325")
        #expect(Hex.string(UInt64.max) == "ffffffffffffffff")
    }
}
