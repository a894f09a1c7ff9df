/// A flat record of text fields for cache entries: each field `<decimal length>:<bytes>`, an
/// absent one `-`. Any byte may appear in a field; reading it back is one pass, no parser.
struct LengthPrefixedFields {
    private(set) var bytes: [UInt8] = []

    mutating func append(_ field: String?) {
        guard let field else {
            bytes.append(UInt8(ascii: "-"))
            return
        }
        bytes.append(contentsOf: String(field.utf8.count).utf8)
        bytes.append(UInt8(ascii: ":"))
        bytes.append(contentsOf: field.utf8)
    }

    /// The `count` fields of `bytes` (nil for absent ones), or nil unless `bytes` holds exactly that.
    static func split(_ bytes: ArraySlice<UInt8>, count: Int) -> [String?]? {
        var fields: [String?] = []
        fields.reserveCapacity(count)
        var index = bytes.startIndex
        while index < bytes.endIndex, fields.count < count {
            if bytes[index] == UInt8(ascii: "-") {
                fields.append(nil)
                index += 1
                continue
            }
            var length = 0
            while index < bytes.endIndex, bytes[index] != UInt8(ascii: ":") {
                let digit = Int(bytes[index]) - 48
                guard (0...9).contains(digit), length < 1 << 20 else { return nil }
                length = length * 10 + digit
                index += 1
            }
            index += 1  // the colon
            guard index + length <= bytes.endIndex else { return nil }
            fields.append(String(decoding: bytes[index..<(index + length)], as: UTF8.self))
            index += length
        }
        return fields.count == count && index == bytes.endIndex ? fields : nil
    }
}
