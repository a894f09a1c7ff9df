/// An International Standard Book Number, always held as its 13 digits.
///
/// Accepts ISBN-10 (check digit mod 11, `X` for ten) and ISBN-13 (EAN-13 check digit, prefix 978
/// or 979), with hyphens and spaces anywhere. An ISBN-10 becomes `978` + its first nine digits + a
/// new EAN check digit, so `0-306-40615-2` and `978-0-306-40615-7` are the same ISBN.
public struct ISBN: Sendable, Hashable, CustomStringConvertible {
    /// The 13 digits, e.g. `9780306406157`.
    public let digits: String

    public var description: String { digits }

    public enum Problem: Error, Equatable, Sendable {
        case malformed
        case badPrefix
        case badCheckDigit

        public var message: String {
            switch self {
            case .malformed: return "Must be an ISBN-10 or ISBN-13: 10 or 13 digits (an ISBN-10 may end in X), hyphens and spaces allowed."
            case .badPrefix: return "An ISBN-13 must start with 978 or 979."
            case .badCheckDigit: return "Invalid ISBN check digit."
            }
        }
    }

    /// Hyphens and spaces with the characters: a generous bound on any written form.
    static let maximumInputLength = 32

    public init(parsing text: String) throws(Problem) {
        guard text.utf8.count <= Self.maximumInputLength else { throw .malformed }
        let characters = text.unicodeScalars.filter { $0 != "-" && $0 != " " }
        var values: [Int] = []
        for (index, scalar) in characters.enumerated() {
            switch scalar {
            case "0"..."9": values.append(Int(scalar.value) - 48)
            // X means ten, and only as the check digit of an ISBN-10.
            case "X", "x":
                guard index == 9, characters.count == 10 else { throw .malformed }
                values.append(10)
            default: throw .malformed
            }
        }
        switch values.count {
        case 10:
            let sum = values.enumerated().reduce(0) { $0 + (10 - $1.offset) * $1.element }
            guard sum % 11 == 0 else { throw .badCheckDigit }
            let body = [9, 7, 8] + values.prefix(9)
            digits = (body + [Self.ean13CheckDigit(body)]).map(String.init).joined()
        case 13:
            guard values[0] == 9, values[1] == 7, values[2] == 8 || values[2] == 9 else { throw .badPrefix }
            guard Self.ean13CheckDigit(Array(values.prefix(12))) == values[12] else { throw .badCheckDigit }
            digits = values.map(String.init).joined()
        default:
            throw .malformed
        }
    }

    /// The ISBN written as `digits` writes it (13 digits, `978`/`979`, a right check digit), or
    /// nil for any other form: what the database gives back for every book of a list page, so it
    /// is checked in one pass over the bytes and kept without a copy, where `init(parsing:)`
    /// builds arrays and a string per digit.
    public init?(canonicalDigits text: String) {
        var sum = 0
        var count = 0
        for byte in text.utf8 {
            guard (0x30...0x39).contains(byte), count < 13 else { return nil }
            let value = Int(byte &- 0x30)
            switch count {
            case 0: guard value == 9 else { return nil }
            case 1: guard value == 7 else { return nil }
            case 2: guard value == 8 || value == 9 else { return nil }
            default: break
            }
            if count < 12 {
                sum += (count % 2 == 0 ? 1 : 3) * value
            } else if (10 - sum % 10) % 10 != value {
                return nil
            }
            count += 1
        }
        guard count == 13 else { return nil }
        digits = text
    }

    /// The ISBN whose first twelve digits are `prefix12` (`978`/`979` + nine): the check digit is computed.
    public init?(prefix12: String) {
        let values = prefix12.utf8.map { Int($0) - 48 }
        guard values.count == 12, values.allSatisfy({ (0...9).contains($0) }),
            let isbn = try? ISBN(parsing: prefix12 + String(Self.ean13CheckDigit(values)))
        else { return nil }
        self = isbn
    }

    /// EAN-13: weights 1, 3, 1, 3, ... over twelve digits; the check digit tops the sum up to a multiple of 10.
    static func ean13CheckDigit(_ twelve: [Int]) -> Int {
        let sum = twelve.enumerated().reduce(0) { $0 + ($1.offset % 2 == 0 ? 1 : 3) * $1.element }
        return (10 - sum % 10) % 10
    }

    /// The rule check a schema reports for a field: empty when `text` is a valid ISBN.
    public static func problems(_ text: String) -> [String] {
        do {
            _ = try ISBN(parsing: text)
            return []
        } catch {
            return [error.message]
        }
    }
}
