import JSON

/// The JOSE header fields we look at. A member of the wrong JSON type makes the header
/// malformed (`"alg": 1` is not a missing `alg`).
struct JOSEHeader {
    let alg: String?
    let typ: String?
    let hasCrit: Bool

    init?(json bytes: [UInt8]) {
        guard case let .object(fields)? = try? JSONParser.parse(bytes),
            let alg = optionalText(fields["alg"]), let typ = optionalText(fields["typ"])
        else { return nil }
        self.alg = alg
        self.typ = typ
        hasCrit = fields["crit"] != nil
    }
}

/// The claims we read; any other claims are ignored. Times are JSON numbers, integer or not:
/// `"exp": "123"` or `"exp": true` are malformed, not bridged to a number.
struct RawClaims {
    let sub: String?
    let role: String?
    let jti: String?
    let exp: Double?
    let nbf: Double?
    let iat: Double?
    /// `sv`: a non-negative integer when present.
    let sessionVersion: Int64?

    init?(json bytes: [UInt8]) {
        guard case let .object(fields)? = try? JSONParser.parse(bytes),
            let sub = optionalText(fields["sub"]), let role = optionalText(fields["role"]),
            let jti = optionalText(fields["jti"]), let exp = optionalNumber(fields["exp"]),
            let nbf = optionalNumber(fields["nbf"]), let iat = optionalNumber(fields["iat"])
        else { return nil }
        (self.sub, self.role, self.jti, self.exp, self.nbf, self.iat) = (sub, role, jti, exp, nbf, iat)
        switch fields["sv"] {
        case nil, .null?: sessionVersion = nil
        case let .integer(version)? where version >= 0: sessionVersion = version
        default: return nil
        }
    }
}

/// `.some(nil)` when the member is absent (or null), `.some(text)` for a string, `nil` (malformed)
/// for any other type.
private func optionalText(_ value: JSONValue?) -> String?? {
    switch value {
    case nil, .null?: return .some(nil)
    case let .string(text)?: return .some(text)
    default: return nil
    }
}

private func optionalNumber(_ value: JSONValue?) -> Double?? {
    switch value {
    case nil, .null?: return .some(nil)
    case let .integer(number)?: return .some(Double(number))
    case let .double(number)?: return .some(number)
    default: return nil
    }
}
