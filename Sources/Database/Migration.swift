import Foundation

/// One schema migration: a file `sql/NNN_name.sql`, split into single statements.
///
/// The split rule, kept simple on purpose: a statement ends at a line whose last non-blank
/// character is `;`. Lines starting with `--` are comments and dropped. So write one statement
/// per `;`-terminated block, and never end a line inside a string literal or a comment with `;`.
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
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("--") { continue }
            current.append(line)
            if trimmed.hasSuffix(";") {
                appendStatement(current, to: &statements)
                current = []
            }
        }
        appendStatement(current, to: &statements)
        return statements
    }

    private static func appendStatement(_ lines: [Substring], to statements: inout [String]) {
        var text = lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasSuffix(";") { text.removeLast() }
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
