import Foundation

/// One schema migration: a file `sql/NNN_name.sql`, split into single statements.
///
/// The split rule, kept simple on purpose: a statement ends at a line whose last non-blank
/// characters are the delimiter, `;` unless a `DELIMITER //` line (as in the `mariadb` client)
/// names another, so that a stored procedure's body, whose lines end in `;`, stays one
/// statement. Lines starting with `--` are comments and dropped. So write one statement per
/// delimited block, and never end a line inside a string literal or a comment with it.
/// (Prepared statements run one statement each, hence the split.)
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let statements: [String]

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.statements = Self.statements(in: sql)
    }

    /// Reads every `NNN_name.sql` in `directory`, ordered by version.
    public static func load(fromDirectory directory: String) throws -> [Migration] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
        return try files.filter { $0.hasSuffix(".sql") }.map { file in
            let stem = file.dropLast(".sql".count)
            guard let underscore = stem.firstIndex(of: "_"),
                let version = Int(stem[..<underscore]), version > 0,
                stem[stem.index(after: underscore)...].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
            else { throw MigrationError.badFileName(file) }
            let sql = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            return Migration(version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql)
        }.sorted { $0.version < $1.version }
    }

    static func statements(in sql: String) -> [String] {
        var statements: [String] = []
        var current: [Substring] = []
        var delimiter = ";"
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("--") { continue }
            let betweenStatements = current.allSatisfy { $0.allSatisfy(\.isWhitespace) }
            if betweenStatements, let newDelimiter = Self.delimiter(setBy: trimmed) {
                delimiter = newDelimiter
                continue
            }
            current.append(line)
            if trimmed.hasSuffix(delimiter) {
                appendStatement(current, delimiter: delimiter, to: &statements)
                current = []
            }
        }
        appendStatement(current, delimiter: delimiter, to: &statements)
        return statements
    }

    /// `DELIMITER //` sets `//`: the client command, not SQL, so it is never sent.
    private static func delimiter(setBy line: String) -> String? {
        let words = line.split(separator: " ", omittingEmptySubsequences: true)
        guard words.count == 2, words[0].uppercased() == "DELIMITER" else { return nil }
        return String(words[1])
    }

    private static func appendStatement(_ lines: [Substring], delimiter: String, to statements: inout [String]) {
        var text = lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasSuffix(delimiter) { text.removeLast(delimiter.count) }
        text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if !text.isEmpty { statements.append(text) }
    }
}

public enum MigrationError: Error, CustomStringConvertible {
    case badFileName(String)
    case duplicateVersion(Int)
    case lockTimeout
    /// The session holding the migration lock was lost; another process may be migrating.
    case lockLost
    case failed(version: Int, name: String, statement: Int, error: DatabaseError)

    public var description: String {
        switch self {
        case let .badFileName(file): return "migration file \(file) is not named NNN_name.sql"
        case let .duplicateVersion(version): return "two migrations have version \(version)"
        case .lockTimeout: return "timed out waiting for the migration lock"
        case .lockLost: return "lost the database connection, and with it the migration lock"
        case let .failed(version, name, statement, error):
            return "migration \(version)_\(name) failed at statement \(statement): \(error)"
        }
    }
}
