import CMariaDB
import Foundation

/// What went wrong, classified so that callers can answer the right HTTP status.
///
/// Descriptions never contain SQL text or parameter values: server messages are kept only with
/// their quoted literals replaced by `'?'` (a duplicate-entry message quotes the user's value).
public enum DatabaseError: Error, Equatable, CustomStringConvertible {
    /// Cannot connect, or the connection was lost (server down, restarted, killed, timed out).
    /// The connection has discarded its handle; the next call reconnects. Answer `503`.
    case unavailable(code: Int, message: String)
    /// A unique key rejected the row (1062). `key` is the index name, e.g. `uq_users_email`.
    case duplicateKey(key: String)
    /// A foreign key rejected the change (1451/1452); `constraint` is its name when known.
    case foreignKey(constraint: String)
    /// A CHECK constraint rejected the row (4025); `constraint` is its name.
    case checkConstraint(constraint: String)
    /// Deadlock (1213, transaction rolled back; on a Galera cluster also a certification failure
    /// or a brute-force abort by a replicated write) or lock wait timeout (1205): retry the
    /// transaction.
    case deadlock(code: Int)
    /// Any other server or client error.
    case other(code: Int, message: String)
    /// A column asked of a row is missing or holds another type.
    case column(String, problem: String)
    /// The caller misused the API (wrong parameter count, nested transaction, ...).
    case misuse(String)
    /// A database URL or configuration value is invalid.
    case invalidConfiguration(String)

    /// Whether running the same work again, on the same connection, can succeed.
    public var isRetryable: Bool {
        switch self {
        case .unavailable, .deadlock: return true
        default: return false
        }
    }

    /// A TLS handshake that failed: the server's certificate did not verify, or the server
    /// offers no TLS. A configuration problem, unlike a server that is down.
    public var isTLSFailure: Bool {
        if case let .unavailable(code, _) = self { return code == Int(CR_SSL_CONNECTION_ERROR) }
        return false
    }

    public var description: String {
        switch self {
        case let .unavailable(code, message): return "database unavailable (\(code)): \(message)"
        case let .duplicateKey(key): return "duplicate value for unique key \(key)"
        case let .foreignKey(constraint): return "foreign key constraint \(constraint) failed"
        case let .checkConstraint(constraint): return "check constraint \(constraint) failed"
        case let .deadlock(code): return "deadlock or lock wait timeout (\(code)); retry the transaction"
        case let .other(code, message): return "database error \(code): \(message)"
        case let .column(name, problem): return "column \(name): \(problem)"
        case let .misuse(problem): return "database API misuse: \(problem)"
        case let .invalidConfiguration(problem): return "invalid database configuration: \(problem)"
        }
    }
}

extension DatabaseError {
    /// Classifies an error number and server message. `connecting` marks a failed connect:
    /// whatever the code (refused, unknown host, access denied), the database is not available.
    static func classify(code: Int, message: String, connecting: Bool = false) -> DatabaseError {
        if connecting || lostConnectionCodes.contains(code) {
            return .unavailable(code: code, message: redacted(message))
        }
        switch code {
        case Int(ER_DUP_ENTRY), Int(ER_DUP_ENTRY_WITH_KEY_NAME):
            return .duplicateKey(key: duplicateKeyName(in: message) ?? "unknown")
        case Int(ER_ROW_IS_REFERENCED), Int(ER_ROW_IS_REFERENCED_2),
            Int(ER_NO_REFERENCED_ROW), Int(ER_NO_REFERENCED_ROW_2):
            return .foreignKey(constraint: name(after: "CONSTRAINT `", in: message) ?? "unknown")
        case Int(ER_CONSTRAINT_FAILED):
            return .checkConstraint(constraint: name(after: "CONSTRAINT `", in: message) ?? "unknown")
        case Int(ER_LOCK_DEADLOCK), Int(ER_LOCK_WAIT_TIMEOUT):
            return .deadlock(code: code)
        default:
            return .other(code: code, message: redacted(message))
        }
    }

    /// Client errors for a dead link, and the server's goodbyes (shutdown, KILL, too many
    /// connections): all mean "this handle is done, try a fresh one later".
    static let lostConnectionCodes: Set<Int> = [
        Int(CR_CONNECTION_ERROR), Int(CR_CONN_HOST_ERROR), Int(CR_UNKNOWN_HOST),
        Int(CR_SERVER_GONE_ERROR), Int(CR_SERVER_LOST), Int(CR_SERVER_LOST_EXTENDED),
        Int(CR_SERVER_HANDSHAKE_ERR),
        Int(ER_CON_COUNT_ERROR), Int(ER_SERVER_SHUTDOWN), Int(ER_CONNECTION_KILLED),
        Int(ER_NET_READ_ERROR), Int(ER_NET_READ_INTERRUPTED),
        Int(ER_NET_ERROR_ON_WRITE), Int(ER_NET_WRITE_INTERRUPTED),
        // A Galera node that is not synced or not in the primary component answers every query
        // with "WSREP has not yet prepared node for application use": another node may serve.
        Int(ER_UNKNOWN_COM_ERROR),
    ]

    /// "Duplicate entry 'x' for key 'uq_users_email'" → "uq_users_email". The last
    /// " for key '" is the real one: the duplicated value may itself contain the phrase.
    static func duplicateKeyName(in message: String) -> String? {
        guard let marker = message.range(of: " for key '", options: .backwards) else { return nil }
        var key = message[marker.upperBound...]
        if key.hasSuffix("'") { key = key.dropLast() }
        // MySQL 8 writes "table.key"; MariaDB writes the key alone.
        return key.split(separator: ".").last.map(String.init)
    }

    /// The backquoted identifier that follows `prefix`, e.g. CONSTRAINT `chk_users_role`.
    static func name(after prefix: String, in message: String) -> String? {
        guard let start = message.range(of: prefix),
            let end = message[start.upperBound...].firstIndex(of: "`")
        else { return nil }
        return String(message[start.upperBound..<end])
    }

    /// Replaces every single-quoted span by '?': server messages quote values, and values may be
    /// personal data or secrets. Identifiers (backquoted) stay. An apostrophe inside a word
    /// ("Can't", "O'Brien") neither opens nor closes a span.
    static func redacted(_ message: String) -> String {
        let characters = Array(message)
        func isWordCharacter(_ index: Int) -> Bool {
            characters.indices.contains(index) && (characters[index].isLetter || characters[index].isNumber)
        }
        var out = ""
        var inQuote = false
        for (index, character) in characters.enumerated() {
            if character == "'" && !inQuote && !isWordCharacter(index - 1) {
                inQuote = true
                out += "'?'"
            } else if character == "'" && inQuote && !isWordCharacter(index + 1) {
                inQuote = false
            } else if !inQuote {
                out.append(character)
            }
        }
        return out
    }
}
