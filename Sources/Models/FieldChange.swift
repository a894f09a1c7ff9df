/// One field of a partial update (a `PATCH`): left as it is, set to null, or set to a value.
public enum FieldChange<Value> {
    case absent
    case null
    case value(Value)

    public var value: Value? {
        if case let .value(value) = self { return value }
        return nil
    }

    public func map<Other>(_ transform: (Value) -> Other) -> FieldChange<Other> {
        switch self {
        case .absent: return .absent
        case .null: return .null
        case let .value(value): return .value(transform(value))
        }
    }

    /// A full replacement: nil is null.
    public init(replacingWith value: Value?) {
        self = value.map { .value($0) } ?? .null
    }
}

extension FieldChange: Sendable where Value: Sendable {}
extension FieldChange: Equatable where Value: Equatable {}
