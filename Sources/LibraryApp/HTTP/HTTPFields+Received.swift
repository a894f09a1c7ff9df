import Basics
import HTTPTypes

extension HTTPFields {
    /// The request's header fields as the web server passed them, in order. A name that is no
    /// token is dropped: it cannot be one this API reads. A value is kept as received when it
    /// is a valid field value (the usual case, and no copy); otherwise every byte is kept but
    /// CR, LF and NUL, which become spaces. Nothing is trimmed, so no value reads differently
    /// from what the client sent (`HTTPField(name:value:)` alone would trim and blank out more).
    init(received fields: [(name: String, value: String)]) {
        self.init()
        reserveCapacity(fields.count)
        for (name, value) in fields { append(received: name, value: value) }
    }

    /// One field as the web server passed it (see `init(received:)`).
    mutating func append(received name: String, value: String) {
        guard let name = Self.knownName(name) ?? HTTPField.Name(name) else { return }
        // `HTTPField(name:value:)` keeps a valid value as the same string (compared equal at
        // once, by identity) and changes any other: one check of the value, not two.
        let field = HTTPField(name: name, value: value)
        append(field.value == value ? field : HTTPField(name: name, lenientValue: value.utf8))
    }

    /// The names nearly every request carries (nginx and lighttpd pass `Host`, nginx's
    /// configuration an empty `Proxy`, clients `Authorization`), made without `HTTPField.Name`'s
    /// check and lowercased copy of a name. Matched by length and `memcmp`: a `switch` over
    /// strings compares through the standard library's general string comparison, case by case.
    private static func knownName(_ name: String) -> HTTPField.Name? {
        var name = name
        return name.withUTF8 { bytes in
            func `is`(_ literal: StaticString) -> Bool {
                UnsafeRawBufferPointer(bytes).hasSameBytes(
                    as: UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
            }
            switch bytes.count {
            case 4 where `is`("Host"): return .hostField
            case 5 where `is`("Proxy"): return .proxy
            case 12 where `is`("Content-Type"): return .contentType
            case 13 where `is`("Authorization"): return .authorization
            case 14 where `is`("Content-Length"): return .contentLength
            default: return nil
            }
        }
    }
}
