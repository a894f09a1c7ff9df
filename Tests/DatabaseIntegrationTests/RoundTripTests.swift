import Database
import Foundation
import Testing

/// Values survive the trip through prepared statements unchanged, whatever they contain.
@Suite struct RoundTripTests {
    private func withTable(_ body: (DatabaseConnection) throws -> Void) throws {
        try TestDatabase.withFreshDatabase { configuration in
            let db = DatabaseConnection(configuration: configuration)
            try db.execute(
                """
                CREATE TABLE samples (
                    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
                    i BIGINT NULL, d DOUBLE NULL, s VARCHAR(200) NULL, t LONGTEXT NULL,
                    b LONGBLOB NULL, at DATETIME(6) NULL, price DECIMAL(10,2) NULL, flag TINYINT(1) NULL
                ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
                """)
            try body(db)
        }
    }

    @Test func connectsAndReportsSession() throws {
        try TestDatabase.withFreshDatabase { configuration in
            let db = DatabaseConnection(configuration: configuration)
            try db.ping()
            #expect(db.isConnected)
            let row = try #require(try db.query("SELECT CONNECTION_ID() AS id, @@time_zone AS tz, @@character_set_client AS cs").first)
            #expect(try row.int("id") == db.connectionID)
            #expect(try row.string("tz") == "+00:00")
            #expect(try row.string("cs") == "utf8mb4")
        }
    }

    @Test func everyTypeRoundTrips() throws {
        try withTable { db in
            let when = Date(timeIntervalSince1970: 1_795_000_000.123456)
            let blob: [UInt8] = [0, 1, 2, 255, 0, 39, 92]
            let inserted = try db.execute(
                "INSERT INTO samples (i, d, s, t, b, at, price, flag) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [.int(-9_000_000_000_000), .double(3.25), "héllo", "text", .bytes(blob), .date(when), "12.50", true])
            #expect(inserted.affectedRows == 1)
            #expect(inserted.lastInsertID > 0)

            let row = try #require(try db.query("SELECT * FROM samples WHERE id = ?", [.int(Int64(inserted.lastInsertID))]).first)
            #expect(try row.int("id") == inserted.lastInsertID)
            #expect(try row.int("i") == -9_000_000_000_000)
            #expect(try row.double("d") == 3.25)
            #expect(try row.string("s") == "héllo")
            #expect(try row.string("t") == "text")
            #expect(try row.bytes("b") == blob)
            #expect(abs(try row.date("at").timeIntervalSince(when)) < 0.000_001)
            #expect(try row.string("price") == "12.50")
            #expect(try row.double("price") == 12.5)
            #expect(try row.bool("flag"))
            // By index too: the column order of SELECT *.
            #expect(try row.int(1) == -9_000_000_000_000)
            #expect(try row.string(3) == "héllo")
        }
    }

    @Test func nullsRoundTrip() throws {
        try withTable { db in
            let id = try db.execute(
                "INSERT INTO samples (i, d, s, t, b, at) VALUES (?, ?, ?, ?, ?, ?)",
                [nil, DatabaseValue(nil as Double?), DatabaseValue(nil as String?), .null, .null, DatabaseValue(nil as Date?)]
            ).lastInsertID
            let row = try #require(try db.query("SELECT * FROM samples WHERE id = ?", [DatabaseValue(id)]).first)
            #expect(try row.optionalInt("i") == nil)
            #expect(try row.optionalDouble("d") == nil)
            #expect(try row.optionalString("s") == nil)
            #expect(try row.optionalString("t") == nil)
            #expect(try row.optionalBytes("b") == nil)
            #expect(try row.optionalDate("at") == nil)
            #expect(throws: DatabaseError.self) { try row.string("s") }
            #expect(throws: DatabaseError.self) { try row.string("no_such_column") }
        }
    }

    @Test func utf8mb4AndLongTextAndHostileStrings() throws {
        try withTable { db in
            let longText = String(repeating: "0123456789abcdé🙂", count: 5_000)  // > 64 KiB in UTF-8
            #expect(longText.utf8.count > 65_536)
            let hostile = [
                "🙂👩‍💻 emoji, 中文, Ünïcödé",
                "Robert'); DROP TABLE samples; --",
                "' OR '1'='1",
                "\\'; SELECT SLEEP(10); -- \\\\ \" ` \0 nul",
                longText,
            ]
            for text in hostile {
                let id = try db.execute("INSERT INTO samples (s, t) VALUES (?, ?)", [.string(String(text.prefix(200))), .string(text)])
                    .lastInsertID
                let row = try #require(try db.query("SELECT s, t FROM samples WHERE id = ?", [DatabaseValue(id)]).first)
                #expect(try row.string("t") == text)
                #expect(try row.string("s") == String(text.prefix(200)))
            }
            // The table survived every one of them, and a hostile string matches only itself.
            #expect(try db.query("SELECT COUNT(*) FROM samples").first?.int(0) == hostile.count)
            #expect(try db.query("SELECT id FROM samples WHERE s = ?", ["' OR '1'='1"]).count == 1)
        }
    }

    /// A statement keeps its result's names and buffers for its next execution: longer values
    /// after shorter ones, short after long, and a table changed between two executions.
    @Test func aStatementRunAgainReadsWhatItsResultNowHolds() throws {
        try withTable { db in
            let sql = "SELECT * FROM samples WHERE id = ?"
            for text in ["a", String(repeating: "b", count: 3_000), "c", String(repeating: "d", count: 20_000), "e"] {
                let id = try db.execute("INSERT INTO samples (s, t) VALUES (?, ?)", [.string(String(text.prefix(200))), .string(text)])
                    .lastInsertID
                let row = try #require(try db.query(sql, [DatabaseValue(id)]).first)
                #expect(try row.string("t") == text)
                #expect(try row.string("s") == String(text.prefix(200)))
            }
            let id = try db.execute("INSERT INTO samples (i, s) VALUES (?, ?)", [7, "42"]).lastInsertID
            #expect(try db.query(sql, [DatabaseValue(id)]).first?.int("i") == 7)
            // A column's new type reaches the client with the next execution (a renamed column
            // does not: Connector/C keeps a re-prepared statement's old names).
            try db.execute("DELETE FROM samples WHERE id <> ?", [DatabaseValue(id)])
            try db.execute("ALTER TABLE samples MODIFY COLUMN i VARCHAR(20) NULL, MODIFY COLUMN s BIGINT NULL")
            let row = try #require(try db.query(sql, [DatabaseValue(id)]).first)
            #expect(try row.value("i") == .string("7"))
            #expect(try row.value("s") == .int(42))
        }
    }

    /// A statement keeps its parameter buffers too: one parameter given a different type on each
    /// execution (text long then short, a number, NULL, a date, bytes) is sent as what it is now.
    @Test func aStatementRunAgainBindsEachParameterAsItIsNow() throws {
        try withTable { db in
            let when = Date(timeIntervalSince1970: 1_800_000_000.5)
            let values: [DatabaseValue] = [
                .string(String(repeating: "x", count: 100)), .string("yz"), .int(-5), .null, .date(when),
                .bytes(Array("raw".utf8)), .double(2.5), .string("after"),
            ]
            // One SQL text: the connection's cached statement runs every time.
            let sql = "INSERT INTO samples (t) VALUES (?)"
            let ids = try values.map { try db.execute(sql, [$0]).lastInsertID }
            let stored = try ids.map { id in try #require(try db.query("SELECT t FROM samples WHERE id = ?", [DatabaseValue(id)]).first) }
            let texts = try stored.map { row -> String? in try row.value("t") == .null ? nil : row.string("t") }
            #expect(texts == [String(repeating: "x", count: 100), "yz", "-5", nil, "2027-01-15 08:00:00.500000", "raw", "2.5", "after"])
        }
    }

    @Test func manyRowsAndCachedStatements() throws {
        try withTable { db in
            for n in 0..<200 {
                try db.execute("INSERT INTO samples (i, s) VALUES (?, ?)", [.int(Int64(n)), .string("row \(n)")])
            }
            let rows = try db.query("SELECT i, s FROM samples WHERE i >= ? ORDER BY i", [100])
            #expect(rows.count == 100)
            #expect(try rows.last?.string("s") == "row 199")
            #expect(try db.query("SELECT i FROM samples WHERE i < ?", [0]).isEmpty)
            // An UPDATE that matches but changes nothing still reports the row (CLIENT_FOUND_ROWS).
            #expect(try db.execute("UPDATE samples SET s = s WHERE i = ?", [5]).affectedRows == 1)
        }
    }

    @Test func wrongParameterCountIsMisuse() throws {
        try withTable { db in
            #expect(throws: DatabaseError.misuse("statement takes 2 parameters, 1 given")) {
                try db.execute("INSERT INTO samples (i, s) VALUES (?, ?)", [1])
            }
        }
    }
}
