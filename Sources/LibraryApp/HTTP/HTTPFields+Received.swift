import Glibc
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
        append(Self.isValidValue(value) ? HTTPField(name: name, value: value) : HTTPField(name: name, lenientValue: value.utf8))
    }

    /// The names nearly every request carries (nginx and lighttpd pass `Host`, nginx's
    /// configuration an empty `Proxy`, clients `Authorization`), made without `HTTPField.Name`'s
    /// check and lowercased copy of a name. Matched by length and `memcmp`: a `switch` over
    /// strings compares through the standard library's general string comparison, case by case.
    private static func knownName(_ name: String) -> HTTPField.Name? {
        var name = name
        return name.withUTF8 { bytes in
            func `is`(_ literal: StaticString) -> Bool {
                bytes.count == literal.utf8CodeUnitCount && memcmp(bytes.baseAddress!, literal.utf8Start, bytes.count) == 0
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

    /// `HTTPField.isValidValue` (RFC 9110 §5.5: no control character but HTAB, no space or tab
    /// at either end), eight bytes a step: every request header is checked, an `Authorization`
    /// of ~200 bytes among them, and `HTTPField(name:value:)` checks it once more.
    static func isValidValue(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { bytes in
            guard let first = bytes.first, let last = bytes.last else { return true }
            if first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09 { return false }
            for index in ControlCharacters.skipClean(bytes, from: 0)..<bytes.count {
                let byte = bytes[index]
                if (byte < 0x20 && byte != 0x09) || byte == 0x7F { return false }
            }
            return true
        }
    }
}
