import Database
import Foundation
import Testing

/// Server errors come back classified, on the real schema of `sql/`.
@Suite struct ErrorTests {
    private func insertUser(_ db: DatabaseConnection, _ username: String, _ email: String, role: String = "user") throws -> Int {
        try db.execute(
            "INSERT INTO users (username, email, password_hash, role) VALUES (?, ?, ?, ?)",
            [.string(username), .string(email), "scrypt$test", .string(role)]
        ).lastInsertID
    }

    @Test func duplicateKeysNameTheField() throws {
        try TestDatabase.withMigratedDatabase { db in
            _ = try insertUser(db, "alice", "alice@example.com")
            #expect(throws: DatabaseError.duplicateKey(key: "uq_users_username")) {
                try insertUser(db, "ALICE", "other@example.com")  // case-insensitive
            }
            #expect(throws: DatabaseError.duplicateKey(key: "uq_users_email")) {
                try insertUser(db, "bob", "alice@example.com")
            }
        }
    }

    @Test func checkConstraintsAndForeignKeys() throws {
        try TestDatabase.withMigratedDatabase { db in
            #expect(throws: DatabaseError.checkConstraint(constraint: "chk_users_role")) {
                try insertUser(db, "mallory", "m@example.com", role: "root")
            }
            #expect(throws: DatabaseError.checkConstraint(constraint: "chk_users_email")) {
                try insertUser(db, "mallory", "Mallory@Example.com")
            }
            #expect(throws: DatabaseError.foreignKey(constraint: "fk_revoked_tokens_user")) {
                try db.execute(
                    "INSERT INTO revoked_tokens (jti, user_id, expires_at) VALUES (?, ?, ?)",
                    ["jti-1", 999_999, .date(Date())])
            }
        }
    }

    @Test func unreachableServerIsUnavailableAndQuick() throws {
        // Port 1 on loopback: nothing listens, the connect is refused at once.
        let db = DatabaseConnection(
            configuration: DatabaseConfiguration(
                user: "nobody", host: "127.0.0.1", port: 1, database: "none", connectTimeout: 2))
        let started = Date()
        do {
            try db.ping()
            Issue.record("ping succeeded against a closed port")
        } catch let DatabaseError.unavailable(code, message) {
            #expect(code == 2002 || code == 2003)
            #expect(!message.isEmpty)
        }
        #expect(Date().timeIntervalSince(started) < 3)
        #expect(!db.isConnected)
    }
}
