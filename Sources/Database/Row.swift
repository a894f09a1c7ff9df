public import Foundation

/// Names a column of a row: by name (`"email"`) or by zero-based index (`0`).
public protocol RowColumn: Sendable {
    func index(in columns: RowColumns) -> Int?
}

extension String: RowColumn {
    public func index(in columns: RowColumns) -> Int? { columns.indexByName[self] }
}

extension Int: RowColumn {
    public func index(in columns: RowColumns) -> Int? { columns.names.indices.contains(self) ? self : nil }
}

/// The column names of a result, shared by all its rows.
public final class RowColumns: Sendable {
    public let names: [String]
    let indexByName: [String: Int]

    init(names: [String]) {
        self.names = names
        // With duplicate names (a join without aliases) the first column wins; alias them.
        var index: [String: Int] = [:]
        for (position, name) in names.enumerated() where index[name] == nil { index[name] = position }
        indexByName = index
    }
}

/// The values of a result's rows, one row after the other: one array per result, not per row.
public final class ResultValues: Sendable {
    @usableFromInline let values: [DatabaseValue]

    init(_ values: [DatabaseValue]) { self.values = values }
}

/// One result row with typed accessors that throw `DatabaseError.column` for a missing column,
/// an unexpected NULL or another type. Inlinable: specialised where they are called, a list
/// page's decoding (13 columns a row) pays no generic dispatch or metadata look-ups.
public struct Row: Sendable {
    public let columns: RowColumns
    @usableFromInline let result: ResultValues
    @usableFromInline let start: Int

    public init(columns: RowColumns, values: [DatabaseValue]) {
        self.init(columns: columns, result: ResultValues(values), start: 0)
    }

    init(columns: RowColumns, result: ResultValues, start: Int) {
        self.columns = columns
        self.result = result
        self.start = start
    }

    /// The row's values in column order.
    public var values: [DatabaseValue] { Array(result.values[start..<start + columns.names.count]) }

    @inlinable
    public func value(_ column: some RowColumn) throws -> DatabaseValue {
        guard let index = column.index(in: columns) else {
            throw DatabaseError.column("\(column)", problem: "no such column in the result")
        }
        return result.values[start + index]
    }

    @inlinable public func isNull(_ column: some RowColumn) throws -> Bool { try value(column) == .null }

    @inlinable public func int(_ column: some RowColumn) throws -> Int { try required(column, "an integer", Self.int) }
    @inlinable public func optionalInt(_ column: some RowColumn) throws -> Int? { try optional(column, "an integer", Self.int) }

    @inlinable public func double(_ column: some RowColumn) throws -> Double { try required(column, "a number", Self.double) }
    @inlinable public func optionalDouble(_ column: some RowColumn) throws -> Double? { try optional(column, "a number", Self.double) }

    @inlinable public func bool(_ column: some RowColumn) throws -> Bool { try int(column) != 0 }

    @inlinable public func string(_ column: some RowColumn) throws -> String { try required(column, "text", Self.string) }
    @inlinable public func optionalString(_ column: some RowColumn) throws -> String? { try optional(column, "text", Self.string) }

    @inlinable public func bytes(_ column: some RowColumn) throws -> [UInt8] { try required(column, "bytes", Self.bytes) }
    @inlinable public func optionalBytes(_ column: some RowColumn) throws -> [UInt8]? { try optional(column, "bytes", Self.bytes) }

    @inlinable public func date(_ column: some RowColumn) throws -> Date { try required(column, "a date", Self.date) }
    @inlinable public func optionalDate(_ column: some RowColumn) throws -> Date? { try optional(column, "a date", Self.date) }

    // MARK: conversions (lenient where the server's type is an accident: SUM() is DECIMAL)

    @usableFromInline static func int(_ value: DatabaseValue) -> Int? {
        switch value {
        case let .int(number): return Int(exactly: number)
        case let .string(text): return Int(text)
        default: return nil
        }
    }

    @usableFromInline static func double(_ value: DatabaseValue) -> Double? {
        switch value {
        case let .double(number): return number
        case let .int(number): return Double(number)
        case let .string(text): return Double(text)
        default: return nil
        }
    }

    @usableFromInline static func string(_ value: DatabaseValue) -> String? {
        switch value {
        case let .string(text): return text
        case let .bytes(bytes): return String(validating: bytes, as: UTF8.self)
        default: return nil
        }
    }

    @usableFromInline static func bytes(_ value: DatabaseValue) -> [UInt8]? {
        switch value {
        case let .bytes(bytes): return bytes
        case let .string(text): return Array(text.utf8)
        default: return nil
        }
    }

    @usableFromInline static func date(_ value: DatabaseValue) -> Date? {
        if case let .date(date) = value { return date }
        return nil
    }

    @inlinable func optional<T>(
        _ column: some RowColumn, _ expected: String, _ convert: (DatabaseValue) -> T?
    ) throws -> T? {
        let value = try value(column)
        if value == .null { return nil }
        guard let converted = convert(value) else {
            throw DatabaseError.column("\(column)", problem: "expected \(expected)")
        }
        return converted
    }

    @inlinable func required<T>(
        _ column: some RowColumn, _ expected: String, _ convert: (DatabaseValue) -> T?
    ) throws -> T {
        guard let converted = try optional(column, expected, convert) else {
            throw DatabaseError.column("\(column)", problem: "is NULL, expected \(expected)")
        }
        return converted
    }
}
