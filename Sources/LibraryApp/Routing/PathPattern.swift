/// A route's path, such as `/books/{id}/renew`. A `{name}` segment matches a positive integer
/// id (`1` … `9223372036854775807`, digits only, no leading zero); anything else does not
/// match, so `/books/abc` and `/books/0` are `404`.
public struct PathPattern: Sendable, CustomStringConvertible {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case id(String)
    }

    let segments: [Segment]
    public let description: String

    public init(_ path: String) {
        description = path
        segments = path.split(separator: "/").map { part in
            if part.hasPrefix("{") && part.hasSuffix("}") {
                return .id(String(part.dropFirst().dropLast()))
            }
            return .literal(String(part))
        }
    }

    /// The captured ids when `pathSegments` matches, else `nil`.
    func match(_ pathSegments: [String]) -> PathParameters? {
        guard pathSegments.count == segments.count else { return nil }
        var parameters = PathParameters()
        for (segment, actual) in zip(segments, pathSegments) {
            switch segment {
            case let .literal(expected):
                guard expected == actual else { return nil }
            case let .id(name):
                guard let value = Self.positiveID(actual) else { return nil }
                parameters.set(name, value)
            }
        }
        return parameters
    }

    /// Whether every path `other` matches, this pattern matches too (ids carry no names here:
    /// `{id}` and `{book}` match the same paths).
    func covers(_ other: PathPattern) -> Bool {
        guard segments.count == other.segments.count else { return false }
        return zip(segments, other.segments).allSatisfy { mine, theirs in
            switch (mine, theirs) {
            case let (.literal(a), .literal(b)): return a == b
            case (.id, .id): return true
            case let (.id, .literal(text)): return Self.positiveID(text) != nil
            case (.literal, .id): return false
            }
        }
    }

    static func positiveID(_ text: String) -> Int64? {
        guard let first = text.utf8.first, first != UInt8(ascii: "0"),
            text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let value = Int64(text), value > 0
        else { return nil }
        return value
    }

    /// `/books` under the prefix `/users` → `/users/books`.
    func prefixed(by prefix: String) -> PathPattern {
        PathPattern(prefix + (description == "/" ? "" : description))
    }
}
