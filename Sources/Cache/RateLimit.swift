/// One rate limit: `amount` hits per `multiples` × `granularity`, e.g. `5 per 10 minute`.
///
/// The notation is Flask-Limiter's (the Python `limits` library's grammar, case-insensitive):
/// `N per [K] unit` or `N/[K]unit`, unit one of second, minute, hour, day, month (30 days), year
/// (360 days), with an optional plural `s`; several limits separated by `;`, `,` or `|`.
public struct RateLimit: Hashable, Sendable, CustomStringConvertible {
    public enum Granularity: String, CaseIterable, Sendable {
        case second, minute, hour, day, month, year

        public var seconds: Int {
            switch self {
            case .second: return 1
            case .minute: return 60
            case .hour: return 3600
            case .day: return 86400
            case .month: return 30 * 86400
            case .year: return 12 * 30 * 86400
            }
        }
    }

    public let amount: Int
    public let multiples: Int
    public let granularity: Granularity

    /// Window length in seconds.
    public var windowSeconds: Int { multiples * granularity.seconds }

    public init(amount: Int, multiples: Int = 1, granularity: Granularity) {
        self.amount = amount
        self.multiples = multiples
        self.granularity = granularity
    }

    /// Parses exactly one limit, e.g. `10/hour` or `5 per 10 minutes`.
    public init(parsing text: String) throws {
        var scanner = LimitScanner(Array(text.utf8), source: text)
        self = try scanner.limit()
        try scanner.expectEnd()
    }

    /// Parses one or more limits separated by `;`, `,` or `|`, e.g. `100/day;10/minute`.
    public static func parseList(_ text: String) throws -> [RateLimit] {
        var scanner = LimitScanner(Array(text.utf8), source: text)
        var limits = [try scanner.limit()]
        while scanner.skipSeparator() { limits.append(try scanner.limit()) }
        try scanner.expectEnd()
        return limits
    }

    /// Canonical notation, the same as Flask-Limiter prints: `5 per 10 minute`.
    public var description: String { "\(amount) per \(multiples) \(granularity.rawValue)" }
}

/// Why a limit string was rejected: the input and what was expected where.
public struct RateLimitParseError: Error, Equatable, CustomStringConvertible {
    public let input: String
    public let reason: String
    public var description: String { "invalid rate limit \"\(input)\": \(reason)" }
}

/// A hand scanner for the grammar of `limits.util.parse_many` (no regex engine needed).
private struct LimitScanner {
    let bytes: [UInt8]
    let source: String
    var position = 0

    init(_ bytes: [UInt8], source: String) {
        self.bytes = bytes
        self.source = source
    }

    mutating func limit() throws -> RateLimit {
        skipSpaces()
        guard let amount = try number() else { throw failure("expected a number of hits") }
        skipSpaces()
        if peek() == UInt8(ascii: "/") {
            position += 1
        } else if !skipWord("per") {
            throw failure("expected \"per\" or \"/\" after \(amount)")
        }
        skipSpaces()
        let multiples = try number() ?? 1
        guard multiples > 0 else { throw failure("the window must be at least 1 unit long") }
        skipSpaces()
        guard let granularity = RateLimit.Granularity.allCases.first(where: { skipWord($0.rawValue) }) else {
            throw failure("expected second, minute, hour, day, month or year")
        }
        _ = skipWord("s")
        skipSpaces()
        return RateLimit(amount: amount, multiples: multiples, granularity: granularity)
    }

    mutating func skipSeparator() -> Bool {
        guard let byte = peek(), [UInt8(ascii: ";"), UInt8(ascii: ","), UInt8(ascii: "|")].contains(byte) else { return false }
        position += 1
        return true
    }

    func expectEnd() throws {
        if position < bytes.count { throw failure("unexpected text at offset \(position)") }
    }

    private func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipSpaces() {
        while let byte = peek(), byte == 0x20 || (0x09...0x0D).contains(byte) { position += 1 }
    }

    private mutating func number() throws -> Int? {
        let start = position
        while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { position += 1 }
        guard position > start else { return nil }
        guard let value = Int(String(decoding: bytes[start..<position], as: UTF8.self)), value <= 1_000_000_000 else {
            throw failure("number too large")
        }
        return value
    }

    /// Consumes `word` case-insensitively.
    private mutating func skipWord(_ word: String) -> Bool {
        let expected = Array(word.utf8)
        guard position + expected.count <= bytes.count else { return false }
        for (offset, letter) in expected.enumerated() where bytes[position + offset] | 0x20 != letter {
            return false
        }
        position += expected.count
        return true
    }

    private func failure(_ reason: String) -> RateLimitParseError {
        RateLimitParseError(input: source, reason: reason)
    }
}
