import Database
import Testing

@Suite struct TransactionTests {
    struct Boom: Error {}

    private func withCounter(_ body: (DatabaseConnection) throws -> Void) throws {
        try TestDatabase.withFreshDatabase { configuration in
            let db = DatabaseConnection(configuration: configuration)
            try db.execute("CREATE TABLE counters (name VARCHAR(20) PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB")
            try db.execute("INSERT INTO counters VALUES ('c', 0)")
            try body(db)
        }
    }

    private func count(_ db: DatabaseConnection) throws -> Int {
        try db.query("SELECT n FROM counters WHERE name = 'c'").first!.int("n")
    }

    @Test func commitsOnSuccess() throws {
        try withCounter { db in
            let result = try db.transaction {
                try db.execute("UPDATE counters SET n = n + 1 WHERE name = ?", ["c"])
                return "done"
            }
            #expect(result == "done")
            #expect(!db.isInTransaction)
            #expect(try count(db) == 1)
        }
    }

    @Test func rollsBackOnThrow() throws {
        try withCounter { (db) throws in
            #expect(throws: Boom.self) {
                try db.transaction { () throws -> Void in
                    try db.execute("UPDATE counters SET n = n + 1 WHERE name = ?", ["c"])
                    try db.execute("INSERT INTO counters VALUES (?, ?)", ["d", 1])
                    throw Boom()
                }
            }
            #expect(try count(db) == 0)
            #expect(try db.query("SELECT * FROM counters").count == 1)
            // A database error inside rolls back too.
            #expect(throws: DatabaseError.self) {
                try db.transaction { () throws -> Void in
                    try db.execute("UPDATE counters SET n = 5 WHERE name = ?", ["c"])
                    try db.execute("INSERT INTO counters VALUES (?, ?)", ["c", 1])  // duplicate
                }
            }
            #expect(try count(db) == 0)
        }
    }

    @Test func transactionsDoNotNest() throws {
        try withCounter { db in
            #expect(throws: DatabaseError.misuse("transactions do not nest")) {
                try db.transaction { try db.transaction {} }
            }
            #expect(!db.isInTransaction)
        }
    }
}
