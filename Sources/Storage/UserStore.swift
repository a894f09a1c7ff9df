import Database
import Foundation
import Models

/// The `users` and `revoked_tokens` tables. Every statement is prepared; uniqueness is decided
/// by the unique keys (so two racing registrations cannot both win), not by a prior SELECT.
struct UserStore {
    let database: DatabaseConnection

    /// A new user's fields, already validated and normalised.
    struct NewUser {
        var username: String
        var email: String
        var passwordHash: String
        var firstName: String?
        var lastName: String?
        var role: User.Role
    }

    /// Which field a unique key protects, for a `409` that names it.
    static func field(forUniqueKey key: String) -> String {
        switch key {
        case "uq_users_username": return "username"
        case "uq_users_email": return "email"
        default: return "user"
        }
    }

    private static let columns = "id, username, email, first_name, last_name, role, created_at"

    func insert(_ user: NewUser) throws -> User {
        let result = try database.execute(
            """
            INSERT INTO users (username, email, password_hash, first_name, last_name, role)
            VALUES (?, ?, ?, ?, ?, ?)
            """,
            [
                .string(user.username), .string(user.email), .string(user.passwordHash),
                DatabaseValue(user.firstName), DatabaseValue(user.lastName), .string(user.role.rawValue),
            ])
        guard let created = try find(id: Int64(result.lastInsertID)) else {
            throw DatabaseError.other(code: 0, message: "inserted user not found")
        }
        return created
    }

    func find(id: Int64) throws -> User? {
        try database.query("SELECT \(Self.columns) FROM users WHERE id = ?", [.int(id)]).first.map(Self.user)
    }

    /// A token's user, and whether that token was revoked (a logout), in one round trip.
    /// `revoked` covers a logout of this token and a password change after it was issued
    /// (the token's session version is no longer the user's).
    func findForToken(userID: Int64, tokenID: String, sessionVersion: Int64) throws -> (user: User, revoked: Bool)? {
        guard
            let row = try database.query(
                """
                SELECT \(Self.columns),
                       EXISTS(SELECT 1 FROM revoked_tokens WHERE jti = ?) OR session_version <> ? AS revoked
                FROM users WHERE id = ?
                """, [.string(tokenID), .int(sessionVersion), .int(userID)]
            ).first
        else { return nil }
        return (try Self.user(row), try row.bool("revoked"))
    }

    /// The user, password hash and session version for a login, read together: a token is
    /// issued under the version that went with the password it proved.
    func credentials(email: String) throws -> (user: User, passwordHash: String, sessionVersion: Int64)? {
        guard
            let row = try database.query(
                "SELECT \(Self.columns), password_hash, session_version FROM users WHERE email = ?",
                [.string(email)]
            ).first
        else { return nil }
        return (try Self.user(row), try row.string("password_hash"), Int64(try row.int("session_version")))
    }

    func passwordHash(id: Int64) throws -> String? {
        try database.query("SELECT password_hash FROM users WHERE id = ?", [.int(id)]).first?.string("password_hash")
    }

    /// A page of users whose username or email contains `search`, and the total count.
    func list(search: String?, pagination: Pagination) throws -> (users: [User], total: Int) {
        var condition = ""
        var parameters: [DatabaseValue] = []
        if let search, !search.isEmpty {
            condition = "WHERE username LIKE ? OR email LIKE ?"
            let pattern = "%" + Self.escapeLike(search) + "%"
            parameters = [.string(pattern), .string(pattern.lowercased())]
        }
        let total = try database.query("SELECT COUNT(*) AS total FROM users \(condition)", parameters).first?.int("total") ?? 0
        let rows = try database.query(
            "SELECT \(Self.columns) FROM users \(condition) ORDER BY id LIMIT ? OFFSET ?",
            parameters + [.int(Int64(pagination.perPage)), .int(Int64(pagination.offset))])
        return (try rows.map(Self.user), total)
    }

    /// Applies the given changes; nil fields stay as they are (names use `Change` to allow null).
    struct Changes {
        var firstName: SchemaReader.Field<String> = .absent
        var lastName: SchemaReader.Field<String> = .absent
        var email: String?
        var passwordHash: String?
        var role: User.Role?
    }

    func update(id: Int64, _ changes: Changes) throws -> User? {
        var assignments = Assignments()
        assignments.set("first_name", changes.firstName, DatabaseValue.string)
        assignments.set("last_name", changes.lastName, DatabaseValue.string)
        assignments.set("email", changes.email.map(DatabaseValue.string))
        if let hash = changes.passwordHash {
            assignments.set("password_hash", .string(hash))
            // Every token issued before stops working, this request's included.
            assignments.append("session_version = session_version + 1")
        }
        assignments.set("role", changes.role.map { .string($0.rawValue) })
        if !assignments.isEmpty {
            try database.execute("UPDATE users SET \(assignments.sql) WHERE id = ?", assignments.parameters + [.int(id)])
        }
        return try find(id: id)
    }

    /// A stronger hash of the same password (after a login): only if the password was not
    /// changed meanwhile, so an old password is never written back over a new one.
    func upgradePasswordHash(id: Int64, from old: String, to new: String) throws {
        try database.execute(
            "UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?",
            [.string(new), .int(id), .string(old)])
    }

    /// True when a row was deleted.
    func delete(id: Int64) throws -> Bool {
        try database.execute("DELETE FROM users WHERE id = ?", [.int(id)]).affectedRows > 0
    }

    /// Refuses the token from now until it would have expired; also drops long-expired entries.
    func revoke(tokenID: String, userID: Int64, expiresAt: Int64) throws {
        try database.execute(
            "INSERT IGNORE INTO revoked_tokens (jti, user_id, expires_at) VALUES (?, ?, ?)",
            [.string(tokenID), .int(userID), .date(Date(timeIntervalSince1970: TimeInterval(expiresAt)))])
        try database.execute("DELETE FROM revoked_tokens WHERE expires_at < UTC_TIMESTAMP() - INTERVAL 1 DAY LIMIT 100")
    }

    private static func user(_ row: Row) throws -> User {
        guard let role = User.Role(rawValue: try row.string("role")) else {
            throw DatabaseError.column("role", problem: "unknown role")
        }
        return User(
            id: Int64(try row.int("id")), username: try row.string("username"), email: try row.string("email"),
            firstName: try row.optionalString("first_name"), lastName: try row.optionalString("last_name"),
            role: role, createdAt: try row.date("created_at"))
    }

    /// `LIKE` treats `%` and `_` as wildcards; a search for them means the characters.
    static func escapeLike(_ text: String) -> String {
        var output = ""
        for character in text {
            if character == "%" || character == "_" || character == "\\" { output.append("\\") }
            output.append(character)
        }
        return output
    }
}
