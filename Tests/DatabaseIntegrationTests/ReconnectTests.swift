import Database
import Testing

/// A session killed by the server (as by a restart or wait_timeout) is replaced on the next call,
/// with its prepared statements prepared again.
@Suite struct ReconnectTests {
    private func kill(_ victim: DatabaseConnection, using killer: DatabaseConnection) throws {
        let id = try #require(victim.connectionID)
        try killer.execute("KILL CONNECTION ?", [DatabaseValue(id)])
    }

    @Test func queryAfterKillReconnectsAndRePrepares() throws {
        try TestDatabase.withMigratedDatabase { db in
            let killer = DatabaseConnection(configuration: db.configuration)
            try db.execute("INSERT INTO users (username, email, password_hash) VALUES (?, ?, ?)", ["carol", "c@example.com", "h"])
            let select = "SELECT username FROM users WHERE email = ?"
            #expect(try db.query(select, ["c@example.com"]).first?.string("username") == "carol")
            let before = try #require(db.connectionID)

            try kill(db, using: killer)
            // The cached statement belonged to the dead session: this call reconnects,
            // prepares it again and succeeds, all at once (a read is safe to repeat).
            #expect(try db.query(select, ["c@example.com"]).first?.string("username") == "carol")
            let after = try #require(db.connectionID)
            #expect(after != before)

            // The session settings come back with the new connection.
            #expect(try db.query("SELECT @@time_zone").first?.string(0) == "+00:00")
        }
    }

    @Test func writeAfterKillSucceedsOnThisCallOrTheNext() throws {
        try TestDatabase.withMigratedDatabase { db in
            let killer = DatabaseConnection(configuration: db.configuration)
            let insert = "INSERT INTO users (username, email, password_hash) VALUES (?, ?, ?)"
            try db.execute(insert, ["dave", "d@example.com", "h"])
            try kill(db, using: killer)
            // A write is repeated only when the server surely did not run it; either way
            // the error is .unavailable and the next call works.
            do {
                try db.execute(insert, ["erin", "e@example.com", "h"])
            } catch let error as DatabaseError {
                #expect(error.isRetryable)
                try db.execute(insert, ["erin", "e@example.com", "h"])
            }
            #expect(try db.query("SELECT COUNT(*) FROM users").first?.int(0) == 2)
        }
    }

    @Test func killInsideTransactionFailsThenRecovers() throws {
        try TestDatabase.withMigratedDatabase { db in
            let killer = DatabaseConnection(configuration: db.configuration)
            let insert = "INSERT INTO users (username, email, password_hash) VALUES (?, ?, ?)"
            #expect {
                try db.transaction {
                    try db.execute(insert, ["frank", "f@example.com", "h"])
                    try kill(db, using: killer)
                    try db.execute(insert, ["grace", "g@example.com", "h"])
                }
            } throws: { error in
                (error as? DatabaseError)?.isRetryable == true
            }
            #expect(!db.isInTransaction)
            // Nothing of the lost transaction was committed, and the connection works again.
            let remaining = try db.query("SELECT COUNT(*) FROM users").first?.int(0)
            #expect(remaining == 0)
        }
    }

    @Test func killInsideTransactionWithAttemptsLeftRunsItAgain() throws {
        try TestDatabase.withMigratedDatabase { db in
            let killer = DatabaseConnection(configuration: db.configuration)
            let insert = "INSERT INTO users (username, email, password_hash) VALUES (?, ?, ?)"
            var runs = 0
            // Lost before COMMIT went out, the first attempt was rolled back by the server: the
            // body runs again on a new connection (as after a deadlock) and commits once.
            try db.transaction(attempts: 2) {
                runs += 1
                try db.execute(insert, ["frank", "f@example.com", "h"])
                if runs == 1 { try kill(db, using: killer) }
                try db.execute(insert, ["grace", "g@example.com", "h"])
            }
            #expect(runs == 2)
            #expect(!db.isInTransaction)
            let users = try db.query("SELECT username FROM users ORDER BY username").map { try $0.string("username") }
            #expect(users == ["frank", "grace"])
        }
    }

    @Test func aBodyThatSwallowsTheLossCannotWriteOutsideTheTransaction() throws {
        try TestDatabase.withMigratedDatabase { db in
            let killer = DatabaseConnection(configuration: db.configuration)
            let insert = "INSERT INTO users (username, email, password_hash) VALUES (?, ?, ?)"
            var refusedInside = false
            // COMMIT is refused too: the transaction is gone.
            #expect(throws: DatabaseError.self) {
                try db.transaction { () throws -> Void in
                    try db.execute(insert, ["heidi", "h@example.com", "h"])
                    try kill(db, using: killer)
                    _ = try? db.execute(insert, ["ivan", "i@example.com", "h"])
                    // Would autocommit on a new session: refused instead.
                    do { try db.execute(insert, ["judy", "j@example.com", "h"]) } catch { refusedInside = true }
                }
            }
            #expect(refusedInside)
            let remaining = try db.query("SELECT COUNT(*) FROM users").first?.int(0)
            #expect(remaining == 0)
        }
    }

    @Test func pingReconnectsAfterKill() throws {
        try TestDatabase.withFreshDatabase { configuration in
            let db = DatabaseConnection(configuration: configuration)
            let killer = DatabaseConnection(configuration: configuration)
            try db.ping()
            try kill(db, using: killer)
            try db.ping()
            #expect(db.isConnected)
        }
    }
}
