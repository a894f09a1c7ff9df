import Foundation

/// The JOSE header fields we look at. Typed decoding (JSONDecoder) keeps JSON's types apart:
/// `"exp":"123"` or `"exp":true` fail instead of being bridged to a number as NSNumber would.
struct JOSEHeader: Decodable {
    let alg: String?
    let typ: String?
    let crit: Present?
}

/// The claims we read; any other claims are ignored. Times are JSON numbers, integer or not.
struct RawClaims: Decodable {
    let sub: String?
    let role: String?
    let jti: String?
    let exp: Double?
    let nbf: Double?
    let iat: Double?
}

/// Decodes from any JSON value without reading it: only records that a member exists.
struct Present: Decodable {
    init(from decoder: Decoder) throws {}
}

/// A JSON object text decoded as `T`, or nil if it is not JSON, not an object, or a
/// member has the wrong type.
func decodeJSONObject<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) -> T? {
    try? JSONDecoder().decode(T.self, from: Data(bytes))
}
