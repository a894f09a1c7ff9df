import Basics
import Testing

/// The eight-bytes-a-step test finds what a byte-by-byte look finds, wherever the byte is.
@Suite struct ControlCharactersTests {
    @Test func everyByteValueAtEveryPlaceOfAWord() {
        for place in 0..<8 {
            for byte in UInt8.min...UInt8.max {
                var bytes = Array(repeating: UInt8(ascii: "k"), count: 8)
                bytes[place] = byte
                let word = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                #expect(ControlCharacters.anyBelow(0x20, orDeleteIn: word) == (byte < 0x20 || byte == 0x7F), "byte \(byte) at \(place)")
                #expect(ControlCharacters.anyBelow(0x21, orDeleteIn: word) == (byte <= 0x20 || byte == 0x7F), "byte \(byte) at \(place)")
            }
        }
        // Several at once, and bytes above 0x7F beside them (a borrow must not hide or invent one).
        for bytes: [UInt8] in [
            [0, 0x1F, 0x7F, 0x80, 0xFF, 0x20, 0x7E, 0x41], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
            [0x80, 0x9F, 0xA0, 0xFF, 0x20, 0x21, 0x7E, 0xC3],
        ] {
            let word = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            #expect(ControlCharacters.anyBelow(0x20, orDeleteIn: word) == bytes.contains { $0 < 0x20 || $0 == 0x7F }, "\(bytes)")
            #expect(ControlCharacters.anyBelow(0x21, orDeleteIn: word) == bytes.contains { $0 <= 0x20 || $0 == 0x7F }, "\(bytes)")
        }
    }

    @Test func skippingStopsAtTheFirstWordThatHoldsOne() {
        let clean = Array(repeating: UInt8(ascii: "a"), count: 21)
        clean.withUnsafeBufferPointer { #expect(ControlCharacters.skipClean($0, from: 0) == 16) }  // the last 5: for the caller
        clean.withUnsafeBufferPointer { #expect(ControlCharacters.skipClean($0, from: 3) == 19) }
        var dirty = clean
        dirty[10] = 0x0A
        dirty.withUnsafeBufferPointer { #expect(ControlCharacters.skipClean($0, from: 0) == 8) }
        dirty.withUnsafeBufferPointer { #expect(ControlCharacters.skipClean($0, from: 5) == 5) }  // bytes 5...12 hold it
        dirty.withUnsafeBufferPointer { #expect(ControlCharacters.skipClean($0, from: 11) == 19) }
        var spaced = clean
        spaced[10] = 0x20  // a space: clean of control characters, not below 0x21
        spaced.withUnsafeBufferPointer { #expect(ControlCharacters.skipClean($0, from: 0) == 16) }
        spaced.withUnsafeBufferPointer { #expect(ControlCharacters.skipClean($0, from: 0, below: 0x21) == 8) }
    }
}
