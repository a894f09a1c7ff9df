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
        for (name, value) in fields {
            guard let name = HTTPField.Name(name) else { continue }
            append(
                HTTPField.isValidValue(value) ? HTTPField(name: name, value: value) : HTTPField(name: name, lenientValue: value.utf8))
        }
    }
}
