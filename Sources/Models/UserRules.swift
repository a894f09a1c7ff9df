/// The rules a user's fields obey (docs/api.md, Users). Each check returns the messages for its
/// field, empty when the value is fine, so a schema can report every failing field at once.
public enum UserRules {
    public static let usernameLength = 3...50
    public static let passwordLength = 8...128
    public static let maximumEmailLength = 254
    public static let maximumNameLength = 100

    public static func usernameProblems(_ username: String) -> [String] {
        var problems: [String] = []
        if !usernameLength.contains(username.unicodeScalars.count) {
            problems.append("Length must be between \(usernameLength.lowerBound) and \(usernameLength.upperBound).")
        }
        if !username.unicodeScalars.allSatisfy(isUsernameCharacter) {
            problems.append("Only letters A-Z and a-z, digits, '_', '.' and '-' are allowed.")
        }
        return problems
    }

    public static func passwordProblems(_ password: String) -> [String] {
        passwordLength.contains(password.unicodeScalars.count)
            ? [] : ["Length must be between \(passwordLength.lowerBound) and \(passwordLength.upperBound)."]
    }

    public static func nameProblems(_ name: String) -> [String] {
        var problems: [String] = []
        if name.unicodeScalars.count > maximumNameLength { problems.append("Longer than maximum length \(maximumNameLength).") }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            problems.append("Control characters are not allowed.")
        }
        return problems
    }

    /// A pragmatic address check: one `@`, a non-empty local part of printable ASCII without
    /// spaces, a domain of dot-separated labels (letters, digits, hyphens) with a dot in it.
    public static func emailProblems(_ email: String) -> [String] {
        if email.utf8.count > maximumEmailLength { return ["Longer than maximum length \(maximumEmailLength)."] }
        return isValidEmail(email) ? [] : ["Not a valid email address."]
    }

    /// Emails compare case-insensitively; they are stored lowercased.
    public static func normalizedEmail(_ email: String) -> String {
        email.lowercased()
    }

    private static func isUsernameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9", "_", ".", "-": return true
        default: return false
        }
    }

    private static func isValidEmail(_ email: String) -> Bool {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let local = parts.first, let domain = parts.last,
            (1...64).contains(local.utf8.count), !domain.isEmpty
        else { return false }
        let localAllowed = local.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && scalar.value > 0x20 && scalar.value < 0x7F && !"()<>[]\\,;:\"@".unicodeScalars.contains(scalar)
        }
        guard localAllowed, !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..") else { return false }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        return labels.allSatisfy { label in
            (1...63).contains(label.utf8.count) && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.unicodeScalars.allSatisfy { scalar in
                    switch scalar {
                    case "A"..."Z", "a"..."z", "0"..."9", "-": return true
                    default: return false
                    }
                }
        } && !(labels.last!.allSatisfy(\.isNumber))
    }
}
