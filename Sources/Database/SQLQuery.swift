public import Foundation

/// A statement and its parameters, written as one string: every interpolated value becomes a
/// `?` placeholder and travels as a bound parameter, never as SQL text (postgres-nio's
/// `PostgresQuery` does the same with `$n`).
///
///     let query: SQLQuery = "SELECT title FROM books WHERE author = \(author) AND id > \(id)"
///     // query.sql == "SELECT title FROM books WHERE author = ? AND id > ?"
///
/// Text can become SQL only two ways, both visible at the call site: `\(raw:)` takes a
/// `StaticString` (a literal written in the code, such as a sort's column from a closed set),
/// and `\(query)` embeds another `SQLQuery` with its own parameters (a filter built in parts).
public struct SQLQuery: Sendable, Equatable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public private(set) var sql: String
    public private(set) var binds: [DatabaseValue]

    public init(stringLiteral literal: StaticString) {
        sql = literal.description
        binds = []
    }

    public init(stringInterpolation: StringInterpolation) {
        sql = stringInterpolation.sql
        binds = stringInterpolation.binds
    }

    /// The SQL text only: parameters may be personal data, and logs are no place for them.
    public var description: String { sql }

    public var isEmpty: Bool { sql.isEmpty }

    public static func + (left: SQLQuery, right: SQLQuery) -> SQLQuery {
        var result = left
        result.sql += right.sql
        result.binds += right.binds
        return result
    }

    public static func += (left: inout SQLQuery, right: SQLQuery) {
        left = left + right
    }

    /// `parts` one after the other, `separator` between them (`AND`, `, `); empty for no parts.
    public static func joined(_ parts: [SQLQuery], separator: StaticString) -> SQLQuery {
        var result: SQLQuery = ""
        for (index, part) in parts.enumerated() {
            if index > 0 { result.sql += separator.description }
            result += part
        }
        return result
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        public typealias StringLiteralType = StaticString

        fileprivate var sql = ""
        fileprivate var binds: [DatabaseValue] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount)
            binds.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: StaticString) {
            sql += literal.description
        }

        /// A parameter: `?` in the text, the value in `binds`.
        public mutating func appendInterpolation(_ value: DatabaseValue) {
            sql += "?"
            binds.append(value)
        }

        public mutating func appendInterpolation(_ value: Int64) { appendInterpolation(DatabaseValue.int(value)) }
        public mutating func appendInterpolation(_ value: Int) { appendInterpolation(DatabaseValue(value)) }
        public mutating func appendInterpolation(_ value: String) { appendInterpolation(DatabaseValue.string(value)) }
        public mutating func appendInterpolation(_ value: Date) { appendInterpolation(DatabaseValue.date(value)) }
        /// nil is SQL NULL.
        public mutating func appendInterpolation(_ value: String?) { appendInterpolation(DatabaseValue(value)) }
        public mutating func appendInterpolation(_ value: Int?) { appendInterpolation(DatabaseValue(value)) }
        public mutating func appendInterpolation(_ value: Date?) { appendInterpolation(DatabaseValue(value)) }

        /// Another query, its text and its parameters in place.
        public mutating func appendInterpolation(_ query: SQLQuery) {
            sql += query.sql
            binds += query.binds
        }

        /// SQL text written in the code (a column, a direction): never input.
        public mutating func appendInterpolation(raw fragment: StaticString) {
            sql += fragment.description
        }
    }
}

/// Names of their own, not overloads of `query(_:_:)` and `execute(_:_:)`: given both, Swift
/// would read an interpolated literal as a `String` (the default literal type) and paste the
/// values into the text. `fetch` and `perform` take only an `SQLQuery`.
extension DatabaseConnection {
    /// Runs a statement that returns rows.
    public func fetch(_ query: SQLQuery) throws -> [Row] {
        try self.query(query.sql, query.binds)
    }

    /// Runs a statement that writes and returns rows, such as the `CALL` of a procedure that
    /// commits: unlike `fetch`, never sent again on a new session after a lost connection,
    /// since the first attempt may have committed.
    public func call(_ query: SQLQuery) throws -> [Row] {
        try run(query.sql, query.binds, collectRows: true, idempotent: false).rows
    }

    /// Runs a statement that returns no rows.
    @discardableResult
    public func perform(_ query: SQLQuery) throws -> ExecuteResult {
        try execute(query.sql, query.binds)
    }
}
