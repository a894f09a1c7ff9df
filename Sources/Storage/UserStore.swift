package import Database
import Foundation
package import Models

/// The `users` and `revoked_tokens` tables. Every statement is prepared; uniqueness is decided
/// by the unique keys (so two racing registrations cannot both win), not by a prior SELECT.
package struct UserStore: UserRepository {
    let database: DatabaseConnection
    /// For the holds a deleted user leaves (their ready copies pass on).
    let holdPolicy: HoldPolicy

    package init(database: DatabaseConnection, holdPolicy: HoldPolicy) {
        self.database = database
        self.holdPolicy = holdPolicy
    }

    /// A unique key's violation as the conflict it means, naming the field the key protects.
    private func conflictsMapped<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let DatabaseError.duplicateKey(key) {
            switch key {
            case "uq_users_username": throw UserConflict.taken(field: "username")
            case "uq_users_email": throw UserConflict.taken(field: "email")
            default: throw UserConflict.taken(field: "user")
            }
        }
    }

    private static let columns: SQLQuery = "id, username, email, first_name, last_name, role, created_at"

    package func insert(_ user: NewUser) throws -> User {
        let result = try conflictsMapped {
            try database.perform(
                """
                INSERT INTO users (username, email, password_hash, first_name, last_name, role)
                VALUES (\(user.username), \(user.email), \(user.passwordHash), \(user.firstName), \(user.lastName), \
                \(user.role.rawValue))
                """)
        }
        guard let created = try find(id: Int64(result.lastInsertID)) else {
            throw DatabaseError.other(code: 0, message: "inserted user not found")
        }
        return created
    }

    package func find(id: Int64) throws -> User? {
        try database.fetch("SELECT \(Self.columns) FROM users WHERE id = \(id)").first.map(Self.user)
    }

    /// A token's user, and whether that token was revoked (a logout), in one round trip.
    /// `revoked` covers a logout of this token and a password change after it was issued
    /// (the token's session version is no longer the user's).
    package func findForToken(userID: Int64, tokenID: String, sessionVersion: Int64) throws -> (user: User, revoked: Bool)? {
        guard
            let row = try database.fetch(
                """
                SELECT \(Self.columns),
                       EXISTS(SELECT 1 FROM revoked_tokens WHERE jti = \(tokenID)) OR session_version <> \(sessionVersion) AS revoked
                FROM users WHERE id = \(userID)
                """
            ).first
        else { return nil }
        return (try Self.user(row), try row.bool("revoked"))
    }

    /// The user, password hash and session version for a login, read together: a token is
    /// issued under the version that went with the password it proved.
    package func credentials(email: String) throws -> (user: User, passwordHash: String, sessionVersion: Int64)? {
        guard
            let row = try database.fetch("SELECT \(Self.columns), password_hash, session_version FROM users WHERE email = \(email)")
                .first
        else { return nil }
        return (try Self.user(row), try row.string("password_hash"), Int64(try row.int("session_version")))
    }

    package func passwordHash(id: Int64) throws -> String? {
        try database.fetch("SELECT password_hash FROM users WHERE id = \(id)").first?.string("password_hash")
    }

    /// A page of users whose username or email contains `search`, and the total count.
    package func list(search: String?, paging: Paging) throws -> (users: [User], total: Int) {
        var condition: SQLQuery = ""
        if let search, !search.isEmpty {
            let pattern = "%" + Self.escapeLike(search) + "%"
            condition = "WHERE username LIKE \(pattern) OR email LIKE \(pattern.lowercased())"
        }
        let total = try database.fetch("SELECT COUNT(*) AS total FROM users \(condition)").first?.int("total") ?? 0
        let rows = try database.fetch(
            "SELECT \(Self.columns) FROM users \(condition) ORDER BY id LIMIT \(paging.limit) OFFSET \(paging.offset)")
        return (try rows.map(Self.user), total)
    }

    /// A demotion (a role other than admin) takes the admin guard first, in a transaction: never
    /// of the last admin, even when two admins demote each other at once.
    package func update(id: Int64, _ changes: UserChanges) throws -> User? {
        try conflictsMapped {
            guard let role = changes.role, role != .admin else { return try updating(id: id, changes) }
            return try database.transaction(attempts: 3) {
                try AdminGuard(database: database).checkRemoval(of: id)
                return try updating(id: id, changes)
            }
        }
    }

    private func updating(id: Int64, _ changes: UserChanges) throws -> User? {
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
            try database.perform("UPDATE users SET \(assignments.sql) WHERE id = \(id)")
        }
        return try find(id: id)
    }

    /// A stronger hash of the same password (after a login): only if the password was not
    /// changed meanwhile, so an old password is never written back over a new one.
    package func upgradePasswordHash(id: Int64, from old: String, to new: String) throws {
        try database.perform(
            "UPDATE users SET password_hash = \(new) WHERE id = \(id) AND password_hash = \(old)")
    }

    /// Deletes a user, their returned loans and their holds (the history goes with the
    /// account); false when there is no such user. While the user has active loans it is
    /// `UserConflict.activeLoans` (the loans' foreign key refuses the delete); the last admin is
    /// `UserConflict.lastAdmin` (`AdminGuard`). The row lock orders this after any borrow for
    /// the user in flight, as borrows take the same lock first.
    package func delete(id: Int64) throws -> Bool {
        do {
            return try database.transaction(attempts: 3) { () throws -> Bool in
                try AdminGuard(database: database).checkRemoval(of: id)
                guard try !database.fetch("SELECT id FROM users WHERE id = \(id) FOR UPDATE").isEmpty else { return false }
                try LoanStore(database: database, holdPolicy: holdPolicy).deleteReturnedLoans(userID: id)
                // Their active holds end first, a ready one's copy passing on; the rows then go
                // with the user (ON DELETE CASCADE). All rolled back if active loans refuse it.
                try HoldStore(database: database, policy: holdPolicy).cancelAll(userID: id)
                return try database.perform("DELETE FROM users WHERE id = \(id)").affectedRows > 0
            }
        } catch DatabaseError.foreignKey {
            throw UserConflict.activeLoans(userID: id)
        }
    }

    /// Refuses the token from now until it would have expired; also drops long-expired entries.
    package func revoke(tokenID: String, userID: Int64, expiresAt: Int64) throws {
        try database.perform(
            "INSERT IGNORE INTO revoked_tokens (jti, user_id, expires_at) VALUES (\(tokenID), \(userID), \(Date(timeIntervalSince1970: TimeInterval(expiresAt))))"
        )
        try database.perform("DELETE FROM revoked_tokens WHERE expires_at < UTC_TIMESTAMP() - INTERVAL 1 DAY LIMIT 100")
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
