/// The `q` of `GET /books`: every word must start a word of the title or the author.
///
/// Words of three or more characters go to the FULLTEXT index as a boolean-mode query in which
/// each is required with a prefix match (`+tolkien* +hobbit*`). Shorter words are below
/// InnoDB's `innodb_ft_min_token_size` and never indexed, so they are matched with a
/// word-start pattern instead, on the rows the index already narrowed down.
///
/// A word is a run of letters, digits and `_` (InnoDB's word characters): everything else,
/// boolean operators (`+ - < > ( ) ~ * " @`) included, only separates words, so nothing
/// from the input is ever read as an operator.
public struct BookSearch: Sendable, Equatable {
    /// `innodb_ft_min_token_size`, the server default.
    public static let minimumIndexedLength = 3
    public static let maximumWords = 16
    /// Short words matched with REGEXP; further ones are ignored.
    public static let maximumShortWords = 3

    /// `+word*` for each indexed word, or nil when there is none.
    public let fullTextQuery: String?
    /// `\bword` patterns (REGEXP, case-insensitive under the column collation) for the short words.
    public let wordStartPatterns: [String]

    public var isEmpty: Bool { fullTextQuery == nil && wordStartPatterns.isEmpty }

    public init(_ text: String) {
        let words = Self.words(in: text)
        let indexed = words.filter { $0.count >= Self.minimumIndexedLength }
        fullTextQuery = indexed.isEmpty ? nil : indexed.map { "+\($0)*" }.joined(separator: " ")
        // Short words cannot use the full-text index: each costs a REGEXP on every row the index
        // leaves, so only the first few count (a query of short words alone scans the table).
        wordStartPatterns = words.filter { $0.count < Self.minimumIndexedLength }.prefix(Self.maximumShortWords).map { "\\b" + $0 }
    }

    /// Decided scalar by scalar: a `Character` can join a letter with a following `(` or `*`
    /// (a "prepend" mark such as U+0D4E does), and that operator must not reach the query.
    public static func words(in text: String) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isWordScalar(scalar) {
                current.append(scalar)
            } else if !current.isEmpty {
                words.append(String(current))
                current = String.UnicodeScalarView()
            }
        }
        if !current.isEmpty { words.append(String(current)) }
        var seen = Set<String>()
        return words.filter { seen.insert($0.lowercased()).inserted }
    }

    /// Letters, digits, combining marks that belong to them, and `_`.
    private static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "_" { return true }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .decimalNumber, .letterNumber, .otherNumber, .nonspacingMark, .spacingMark, .enclosingMark:
            return true
        default:
            return false
        }
    }
}
