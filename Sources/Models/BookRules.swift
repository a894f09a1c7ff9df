/// The rules a book's fields obey (docs/api.md, Books). Each check returns the messages for its
/// field, empty when the value is fine, so a schema can report every failing field at once.
public enum BookRules {
    public static let titleLength = 1...255
    public static let authorLength = 1...255
    public static let maximumGenreLength = 100
    public static let maximumDescriptionLength = 5000
    public static let copiesRange = 0...10_000
    public static let defaultCopies = 1
    /// The contract bounds only the upper end (not after next year); this keeps out nonsense
    /// and fits the SMALLINT column.
    public static let earliestYear = -9999

    public static func titleProblems(_ title: String) -> [String] {
        lineProblems(title, length: titleLength)
    }

    public static func authorProblems(_ author: String) -> [String] {
        lineProblems(author, length: authorLength)
    }

    public static func genreProblems(_ genre: String) -> [String] {
        lineProblems(genre, length: 1...maximumGenreLength)
    }

    /// Free text: line breaks and tabs are fine, other control characters are not.
    public static func descriptionProblems(_ description: String) -> [String] {
        var problems: [String] = []
        if description.unicodeScalars.count > maximumDescriptionLength {
            problems.append("Longer than maximum length \(maximumDescriptionLength).")
        }
        if description.unicodeScalars.contains(where: { isControl($0) && !"\n\r\t".unicodeScalars.contains($0) }) {
            problems.append("Control characters other than line breaks and tabs are not allowed.")
        }
        return problems
    }

    public static func publishedYearProblems(_ year: Int64, currentYear: Int) -> [String] {
        let latest = Int64(currentYear + 1)
        if year > latest { return ["Must not be after \(latest)."] }
        if year < Int64(earliestYear) { return ["Must not be before \(earliestYear)."] }
        return []
    }

    public static func copiesProblems(_ copies: Int64) -> [String] {
        copiesRange.contains(Int(clamping: copies))
            ? [] : ["Must be between \(copiesRange.lowerBound) and \(copiesRange.upperBound)."]
    }

    /// A one-line text: the length in characters, not blank, no control characters.
    private static func lineProblems(_ text: String, length: ClosedRange<Int>) -> [String] {
        var problems: [String] = []
        if !length.contains(text.unicodeScalars.count) {
            problems.append("Length must be between \(length.lowerBound) and \(length.upperBound).")
        } else if text.allSatisfy(\.isWhitespace) {
            problems.append("Must not be blank.")
        }
        if text.unicodeScalars.contains(where: isControl) {
            problems.append("Control characters are not allowed.")
        }
        return problems
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control
    }
}
