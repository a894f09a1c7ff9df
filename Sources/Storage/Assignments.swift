import Database

/// The `SET` list of an UPDATE built from a partial change: each call adds `column = ?` and
/// its parameter, fields left out add nothing. Column names are fixed text of the caller,
/// never input; values travel only as parameters.
struct Assignments {
    private(set) var clauses: [String] = []
    private(set) var parameters: [DatabaseValue] = []

    var isEmpty: Bool { clauses.isEmpty }
    var sql: String { clauses.joined(separator: ", ") }

    mutating func set(_ column: String, _ value: DatabaseValue?) {
        guard let value else { return }
        clauses.append("\(column) = ?")
        parameters.append(value)
    }

    /// A nullable field of a PATCH: left out, set to NULL, or set to a value.
    mutating func set<Value>(_ column: String, _ field: SchemaReader.Field<Value>, _ convert: (Value) -> DatabaseValue) {
        switch field {
        case .absent: return
        case .null: set(column, .null)
        case let .value(value): set(column, convert(value))
        }
    }

    /// An expression the caller wrote, with its own parameters.
    mutating func append(_ clause: String, _ clauseParameters: [DatabaseValue] = []) {
        clauses.append(clause)
        parameters += clauseParameters
    }
}
