public import Foundation

/// A statement parameter or a column value.
///
/// Columns come back as: integers → `.int`, FLOAT/DOUBLE → `.double`, DECIMAL and TIME → `.string`,
/// DATE/DATETIME/TIMESTAMP → `.date` (read and written as UTC), binary strings and BLOBs →
/// `.bytes`, other text → `.string`, SQL NULL → `.null`.
public enum DatabaseValue: Sendable, Hashable {
    case null
    case int(Int64)
    case double(Double)
    case string(String)
    case bytes([UInt8])
    /// Sent as DATETIME with microseconds, in UTC (every session runs with time_zone '+00:00').
    case date(Date)

    public init(_ value: Int) { self = .int(Int64(value)) }
    public init(_ value: Bool) { self = .int(value ? 1 : 0) }

    /// Optional helpers: `nil` becomes SQL NULL.
    public init(_ value: String?) { self = value.map { .string($0) } ?? .null }
    public init(_ value: Int?) { self = value.map { .int(Int64($0)) } ?? .null }
    public init(_ value: Double?) { self = value.map { .double($0) } ?? .null }
    public init(_ value: Date?) { self = value.map { .date($0) } ?? .null }
    public init(_ value: [UInt8]?) { self = value.map { .bytes($0) } ?? .null }

    public var isNull: Bool { self == .null }
}

extension DatabaseValue: ExpressibleByNilLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByBooleanLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .int(value ? 1 : 0) }
}
