import JSON
import HTTPTypes
import Models

/// Reads the fields of a JSON request object against a schema, collecting every problem per
/// field (marshmallow's messages) so one `400` lists them all. Fields not read are unknown.
struct SchemaReader {
    /// A field of a partial update: left out, sent as `null`, or sent with a value.
    typealias Field<Value> = FieldChange<Value>

    static let missing = "Missing data for required field."
    static let unknown = "Unknown field."
    static let notNullable = "Field may not be null."

    private let object: [String: JSONValue]
    private var known: Set<String> = []
    private(set) var errors: [String: [String]] = [:]

    init(_ object: [String: JSONValue]) {
        self.object = object
    }

    mutating func addError(_ field: String, _ message: String) {
        errors[field, default: []].append(message)
    }

    /// A string field; `check` returns the rule violations of a present value.
    mutating func string(
        _ name: String, required: Bool = false, nullable: Bool = false,
        check: (String) -> [String] = { _ in [] }
    ) -> Field<String> {
        read(name, required: required, nullable: nullable) { json in
            guard case let .string(text) = json else { return (nil, ["Not a valid string."]) }
            return (text, check(text))
        }
    }

    /// An integer field (a JSON number without fraction or exponent).
    mutating func integer(
        _ name: String, required: Bool = false, nullable: Bool = false,
        check: (Int64) -> [String] = { _ in [] }
    ) -> Field<Int64> {
        read(name, required: required, nullable: nullable) { json in
            guard case let .integer(number) = json else { return (nil, ["Not a valid integer."]) }
            return (number, check(number))
        }
    }

    /// Fails with every collected problem, unknown fields included.
    func finish() throws(ProblemError) {
        var errors = self.errors
        for name in object.keys where !known.contains(name) {
            errors[name, default: []].append(Self.unknown)
        }
        guard errors.isEmpty else {
            throw ProblemError(.badRequest, detail: "The request body has invalid fields", errors: errors)
        }
    }

    private mutating func read<Value>(
        _ name: String, required: Bool, nullable: Bool,
        convert: (JSONValue) -> (Value?, [String])
    ) -> Field<Value> {
        known.insert(name)
        guard let json = object[name] else {
            if required { addError(name, Self.missing) }
            return .absent
        }
        if json == .null {
            if !nullable { addError(name, Self.notNullable) }
            return .null
        }
        let (value, problems) = convert(json)
        if !problems.isEmpty { errors[name, default: []].append(contentsOf: problems) }
        guard problems.isEmpty, let value else { return .absent }
        return .value(value)
    }
}
