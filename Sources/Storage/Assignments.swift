import Database
import Models

/// The `SET` list of an UPDATE built from a partial change: each call adds `column = ?` and
/// its parameter, fields left out add nothing. Column names are literals of the caller
/// (`StaticString`), never input; values travel only as parameters.
struct Assignments {
    private(set) var clauses: [SQLQuery] = []

    var isEmpty: Bool { clauses.isEmpty }
    var sql: SQLQuery { SQLQuery.joined(clauses, separator: ", ") }

    mutating func set(_ column: StaticString, _ value: DatabaseValue?) {
        guard let value else { return }
        clauses.append("\(raw: column) = \(value)")
    }

    /// A nullable field of a PATCH: left out, set to NULL, or set to a value.
    mutating func set<Value>(_ column: StaticString, _ change: FieldChange<Value>, _ convert: (Value) -> DatabaseValue) {
        switch change {
        case .absent: return
        case .null: set(column, .null)
        case let .value(value): set(column, convert(value))
        }
    }

    /// An expression the caller wrote, with its own parameters.
    mutating func append(_ clause: SQLQuery) {
        clauses.append(clause)
    }
}
