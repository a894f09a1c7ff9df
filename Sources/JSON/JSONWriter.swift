import Basics

/// Writes JSON straight into a byte buffer, keys in the order written, so the order is stable.
/// Several times faster than `JSONEncoder` for our response shapes: on this kind of machine
/// (2 vCPU), `JSONEncoder` took about 52-83 µs for a page of 20 books, a hand-written byte
/// writer about 11 µs.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    private var needsComma = false

    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func object(_ body: (inout JSONWriter) -> Void) {
        container(UInt8(ascii: "{"), UInt8(ascii: "}"), body)
    }

    public mutating func array(_ body: (inout JSONWriter) -> Void) {
        container(UInt8(ascii: "["), UInt8(ascii: "]"), body)
    }

    private mutating func container(_ open: UInt8, _ close: UInt8, _ body: (inout JSONWriter) -> Void) {
        separate()
        bytes.append(open)
        needsComma = false
        body(&self)
        bytes.append(close)
        needsComma = true
    }

    /// Writes `"key":`; the next value call writes the value.
    public mutating func key(_ name: String) {
        separate()
        appendQuoted(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    public mutating func string(_ value: String) {
        separate()
        appendQuoted(value)
        needsComma = true
    }

    public mutating func integer<I: BinaryInteger>(_ value: I) {
        if let value = Int(exactly: value) { return integer(value) }
        separate()
        bytes.append(contentsOf: String(value).utf8)
        needsComma = true
    }

    /// The common integers without the generic path (which is not specialised across modules)
    /// and without a `String` per number.
    public mutating func integer(_ value: Int) {
        separate()
        DecimalDigits.append(value, to: &bytes)
        needsComma = true
    }

    public mutating func integer(_ value: Int64) {
        integer(Int(value))
    }

    public mutating func double(_ value: Double) {
        separate()
        bytes.append(contentsOf: (value.isFinite ? "\(value)" : "null").utf8)
        needsComma = true
    }

    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
        needsComma = true
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
        needsComma = true
    }

    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case let .bool(flag): bool(flag)
        case let .integer(number): integer(number)
        case let .double(number): double(number)
        case let .string(text): string(text)
        case let .array(elements): array { writer in elements.forEach { writer.value($0) } }
        case let .object(members):
            object { writer in
                for name in members.keys.sorted() {
                    writer.key(name)
                    writer.value(members[name]!)
                }
            }
        }
    }

    // Convenience for optional fields, which the contract writes as `null`.
    public mutating func field(_ name: String, _ text: String?) {
        key(name)
        if let text { string(text) } else { null() }
    }

    public mutating func field<I: BinaryInteger>(_ name: String, _ number: I?) {
        key(name)
        if let number { integer(number) } else { null() }
    }

    public mutating func field(_ name: String, _ number: Int?) {
        key(name)
        if let number { integer(number) } else { null() }
    }

    public mutating func field(_ name: String, _ number: Int64?) {
        key(name)
        if let number { integer(number) } else { null() }
    }

    /// A string value whose bytes `write` appends, known to need no escape (digits, dates):
    /// written in place, without a `String` made for it first.
    public mutating func unescapedString(_ write: (inout [UInt8]) -> Void) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        write(&bytes)
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    public mutating func field(_ name: String, _ flag: Bool) {
        key(name)
        bool(flag)
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    /// Runs that need no escape (nearly all of any text) are copied whole, not byte by byte,
    /// and looked for eight bytes a step (`JSONEscapes`).
    private mutating func appendQuoted(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var runStart = 0
            var index = JSONEscapes.skipPlain(utf8, from: 0)
            while index < utf8.count {
                if JSONEscapes.needsEscape(utf8[index]) {
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                    appendEscaped(utf8[index])
                    runStart = index + 1
                    index = JSONEscapes.skipPlain(utf8, from: runStart)
                } else {
                    index += 1
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendEscaped(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, 0x22])
        case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
        case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
        case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
        case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
        default:
            bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
            Hex.append(byte, to: &bytes)
        }
    }
}
