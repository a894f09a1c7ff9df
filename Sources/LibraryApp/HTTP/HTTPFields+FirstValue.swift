public import HTTPTypes

extension HTTPFields {
    /// The value of the first field of that name, for the fields read as one value
    /// (`Authorization`, `Content-Type`, `X-Request-Id`, the conditional requests' tags): a
    /// field sent twice is not joined into a value no client sent, and nothing is copied.
    /// `self[name]` joins every field of the name (RFC 9110 §5.3), as a list such as
    /// `X-Forwarded-For` needs.
    public func firstValue(_ name: HTTPField.Name) -> String? {
        first(where: { $0.name == name })?.value
    }
}
