/// The decoded query string: `a=1&b=x%20y&a=2`. Keys may repeat; order is kept.
public struct QueryParameters: Sendable {
    public private(set) var pairs: [(name: String, value: String)] = []

    public struct MalformedQuery: Error {}

    public init() {}

    public init(pairs: [(name: String, value: String)]) {
        self.pairs = pairs
    }

    /// Parses an undecoded query string. Bad `%` escapes or invalid UTF-8 make the whole query malformed.
    public init(parsing query: Substring) throws(MalformedQuery) {
        for component in query.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let name: Substring.UTF8View.SubSequence
            let value: Substring.UTF8View.SubSequence
            if let equals = component.firstIndex(of: UInt8(ascii: "=")) {
                name = component[..<equals]
                value = component[component.index(after: equals)...]
            } else {
                name = component
                value = component[component.endIndex...]
            }
            do {
                pairs.append(
                    (
                        try PercentDecoding.decode(name, plusAsSpace: true),
                        try PercentDecoding.decode(value, plusAsSpace: true)
                    ))
            } catch {
                throw MalformedQuery()
            }
        }
    }

    /// The first value given for `name`.
    public subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// Every value given for `name`, in order.
    public func values(for name: String) -> [String] {
        pairs.filter { $0.name == name }.map { $0.value }
    }

    public var names: [String] {
        var seen = Set<String>()
        return pairs.compactMap { seen.insert($0.name).inserted ? $0.name : nil }
    }
}
