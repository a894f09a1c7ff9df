import Database
import Foundation
import Logging
import Synchronization
import Testing
@testable import Database

@Suite struct MigratorTests {
    @Test func appliesOnceAndIsIdempotent() throws {
        try TestDatabase.withFreshDatabase { configuration in
            let db = DatabaseConnection(configuration: configuration)
            let migrator = try Migrator(directory: TestDatabase.migrationsDirectory)
            let first = try migrator.migrate(on: db)
            #expect(first.map(\.version) == migrator.migrations.map(\.version))
            #expect(try migrator.migrate(on: db).isEmpty)
            #expect(try migrator.appliedVersions(on: db) == migrator.migrations.map(\.version))
            let tables = try db.query(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY 1"
            ).map { try $0.string(0) }
            // Exactly the tables the repository's migrations create, and the bookkeeping table.
            let created = migrator.migrations.flatMap(\.statements).compactMap { statement -> String? in
                guard let range = statement.range(of: "CREATE TABLE IF NOT EXISTS ") else { return nil }
                return statement[range.upperBound...].split(whereSeparator: { $0 == " " || $0 == "(" }).first.map(String.init)
            }
            #expect(created.contains("users") && created.contains("revoked_tokens"))
            // Both sorted here: the server's collation puts "books" before "book_loan_months".
            #expect(tables.sorted() == (created + ["schema_migrations", "schema_migrations_lock"]).sorted())

            // A later migration is applied alone.
            let extended = try Migrator(
                migrations: migrator.migrations + [
                    Migration(version: 999, name: "extra", sql: "CREATE TABLE extra (x INT);\nINSERT INTO extra VALUES (7);")
                ])
            #expect(try extended.migrate(on: db).map(\.version) == [999])
            #expect(try db.query("SELECT x FROM extra").first?.int("x") == 7)
        }
    }

    /// 005 adds users.active_loans to a database that already has loans: the counts start
    /// from the active loans, and no profile's updated_at moves.
    @Test func activeLoanCountsStartFromTheLoansOfAnExistingDatabase() throws {
        try TestDatabase.withFreshDatabase { configuration in
            let db = DatabaseConnection(configuration: configuration)
            let all = try Migration.load(fromDirectory: TestDatabase.migrationsDirectory)
            try Migrator(migrations: all.filter { $0.version < 5 }).migrate(on: db)
            for name in ["ann", "bob"] {
                try db.execute(
                    "INSERT INTO users (username, email, password_hash, updated_at) VALUES (?, ?, 'h', '2020-01-01')",
                    [.string(name), .string("\(name)@example.org")])
            }
            for isbn in ["9780000000002", "9780000000019", "9780000000026"] {
                try db.execute(
                    "INSERT INTO books (title, author, isbn, copies_total, copies_available) VALUES ('t', 'a', ?, 2, 1)",
                    [.string(isbn)])
            }
            // ann: two active loans and a returned one; bob: none active
            try db.execute(
                """
                INSERT INTO loans (user_id, book_id, borrowed_at, due_at, returned_at) VALUES
                (1, 1, '2026-01-01', '2026-01-15', NULL), (1, 2, '2026-01-01', '2026-01-15', NULL),
                (1, 3, '2026-01-01', '2026-01-15', '2026-01-02'), (2, 3, '2026-01-01', '2026-01-15', '2026-01-03')
                """)
            #expect(try Migrator(migrations: all).migrate(on: db).map(\.version).contains(5))
            let rows = try db.query("SELECT username, active_loans, updated_at FROM users ORDER BY id")
            #expect(try rows.map { try $0.string("username") } == ["ann", "bob"])
            #expect(try rows.map { try $0.int("active_loans") } == [2, 0])
            #expect(try rows.allSatisfy { try $0.date("updated_at") == Date(timeIntervalSince1970: 1_577_836_800) })
        }
    }

    /// Migration 006 (the admin guard) on a database that already holds users: nothing lost.
    @Test func theAdminGuardMigrationKeepsExistingRows() throws {
        try TestDatabase.withFreshDatabase { configuration in
            let db = DatabaseConnection(configuration: configuration)
            let all = try Migration.load(fromDirectory: TestDatabase.migrationsDirectory)
            try Migrator(migrations: all.filter { $0.version < 6 }).migrate(on: db)
            for (name, role) in [("alice", "admin"), ("bob", "user"), ("carol", "admin")] {
                try db.execute(
                    "INSERT INTO users (username, email, password_hash, role) VALUES (?, ?, 'x', ?)",
                    [.string(name), .string("\(name)@example.org"), .string(role)])
            }
            let before = try db.query("SELECT id, username, role FROM users ORDER BY id").map {
                try $0.string("username") + $0.string("role")
            }
            #expect(try Migrator(migrations: all).migrate(on: db).map(\.version).contains(6))
            let after = try db.query("SELECT id, username, role FROM users ORDER BY id").map {
                try $0.string("username") + $0.string("role")
            }
            #expect(after == before)
            #expect(try db.query("SELECT id FROM admin_guard").map { try $0.int("id") } == [1])
            #expect(try !db.query("SHOW INDEX FROM users WHERE Key_name = 'idx_users_role'").isEmpty)
            // The guard is a single row: a second one is refused by its CHECK.
            #expect(throws: DatabaseError.self) { try db.execute("INSERT INTO admin_guard (id) VALUES (2)") }
        }
    }

    /// Migration 007 (holds) on a database with books and loans: every row kept, the new
    /// counters start at zero, copies_available is reconciled from the active loans, the
    /// search index still finds stopwords, and the CHECKs refuse a copy set aside twice.
    @Test func theHoldsMigrationKeepsRowsAndReconcilesCopies() throws {
        try TestDatabase.withFreshDatabase { configuration in
            let db = DatabaseConnection(configuration: configuration)
            let all = try Migration.load(fromDirectory: TestDatabase.migrationsDirectory)
            try Migrator(migrations: all.filter { $0.version < 7 }).migrate(on: db)
            try db.execute("INSERT INTO users (username, email, password_hash) VALUES ('ann', 'ann@example.org', 'h')")
            // copies_available drifted on book 1 (3 copies, 1 on loan, yet 1 available)
            try db.execute(
                """
                INSERT INTO books (title, author, isbn, copies_total, copies_available, updated_at) VALUES
                ('The Garden', 'a', '9780000000002', 3, 1, '2020-01-01'), ('t', 'a', '9780000000019', 1, 0, '2020-01-01')
                """)
            try db.execute(
                """
                INSERT INTO loans (user_id, book_id, borrowed_at, due_at, returned_at) VALUES
                (1, 1, '2026-01-01', '2026-01-15', NULL), (1, 2, '2026-01-01', '2026-01-15', NULL),
                (1, 1, '2026-01-01', '2026-01-15', '2026-01-02')
                """)
            #expect(try Migrator(migrations: all).migrate(on: db).map(\.version).contains(7))
            let books = try db.query(
                """
                SELECT copies_total, copies_available, copies_set_aside, holds_waiting, updated_at FROM books ORDER BY id
                """)
            #expect(try books.map { try $0.int("copies_available") } == [2, 0])
            #expect(try books.map { try $0.int("copies_set_aside") + $0.int("holds_waiting") } == [0, 0])
            #expect(try books.allSatisfy { try $0.date("updated_at") == Date(timeIntervalSince1970: 1_577_836_800) })
            #expect(try db.query("SELECT COUNT(*) AS n FROM loans").first?.int("n") == 3)
            #expect(try db.query("SELECT active_holds FROM users").first?.int("active_holds") == 0)
            #expect(
                try db.query("SELECT id FROM books WHERE MATCH (title, author) AGAINST ('+the* +garden*' IN BOOLEAN MODE)")
                    .count == 1)
            // available + set aside never above the total (book 1: 3 copies, 2 available)
            #expect(throws: DatabaseError.self) { try db.execute("UPDATE books SET copies_set_aside = 2 WHERE id = 1") }
            // no copy on the shelf while a hold waits
            #expect(throws: DatabaseError.self) { try db.execute("UPDATE books SET holds_waiting = 1 WHERE id = 1") }
        }
    }

    /// Migration 008 (reports) on a database with loans: every row kept, each book's
    /// loans_total and its loans per month counted from the loans, updated_at untouched, the
    /// search index still finds stopwords.
    @Test func theReportsMigrationCountsTheExistingLoans() throws {
        try TestDatabase.withFreshDatabase { configuration in
            let db = DatabaseConnection(configuration: configuration)
            let all = try Migration.load(fromDirectory: TestDatabase.migrationsDirectory)
            try Migrator(migrations: all.filter { $0.version < 8 }).migrate(on: db)
            try db.execute("INSERT INTO users (username, email, password_hash) VALUES ('ann', 'ann@example.org', 'h')")
            try db.execute(
                """
                INSERT INTO books (title, author, isbn, copies_total, copies_available, updated_at) VALUES
                ('The Garden', 'a', '9780000000002', 3, 2, '2020-01-01'), ('t', 'a', '9780000000019', 1, 1, '2020-01-01'),
                ('u', 'a', '9780000000026', 1, 1, '2020-01-01')
                """)
            try db.execute(
                """
                INSERT INTO loans (user_id, book_id, borrowed_at, due_at, returned_at) VALUES
                (1, 1, '2026-01-31 23:59:59', '2026-02-14', '2026-02-01'), (1, 1, '2026-02-01 00:00:00', '2026-02-15', '2026-02-02'),
                (1, 1, '2026-02-20', '2026-03-06', NULL), (1, 2, '2025-12-01', '2025-12-15', '2025-12-02')
                """)
            #expect(try Migrator(migrations: all.filter { $0.version <= 8 }).migrate(on: db).map(\.version) == [8])
            let books = try db.query("SELECT loans_total, updated_at FROM books ORDER BY id")
            #expect(try books.map { try $0.int("loans_total") } == [3, 1, 0])
            #expect(try books.allSatisfy { try $0.date("updated_at") == Date(timeIntervalSince1970: 1_577_836_800) })
            let months = try db.query(
                "SELECT book_id, DATE_FORMAT(month, '%Y-%m-%d') AS month, loans FROM book_loan_months ORDER BY book_id, month")
            #expect(
                try months.map { "\(try $0.int("book_id")) \(try $0.string("month")) \(try $0.int("loans"))" }
                    == ["1 2026-01-01 1", "1 2026-02-01 2", "2 2025-12-01 1"])
            #expect(try db.query("SELECT COUNT(*) AS n FROM loans").first?.int("n") == 4)
            #expect(
                try db.query("SELECT id FROM books WHERE MATCH (title, author) AGAINST ('+the* +garden*' IN BOOLEAN MODE)")
                    .count == 1)
            // A month row is the first day of a month, and never counts below zero.
            #expect(throws: DatabaseError.self) {
                try db.execute("INSERT INTO book_loan_months (book_id, month, loans) VALUES (3, '2026-02-02', 1)")
            }
            #expect(throws: DatabaseError.self) { try db.execute("UPDATE book_loan_months SET loans = -1 WHERE book_id = 2") }
        }
    }

    @Test func twoMigratorsAtOnceApplyEachMigrationOnce() throws {
        try TestDatabase.withFreshDatabase { configuration in
            // A slow migration widens the window in which the second migrator must wait.
            let migrations =
                try Migration.load(fromDirectory: TestDatabase.migrationsDirectory) + [
                    Migration(version: 998, name: "slow", sql: "DO SLEEP(1.5);\nCREATE TABLE slow_done (x INT);")
                ]
            let migrator = try Migrator(migrations: migrations)
            let results = Results()
            let group = DispatchGroup()
            for _ in 0..<2 {
                group.enter()
                Thread.detachNewThread {
                    defer { group.leave() }
                    let db = DatabaseConnection(configuration: configuration)
                    do { results.add(.success(try migrator.migrate(on: db).map(\.version))) } catch {
                        results.add(.failure(error))
                    }
                }
            }
            #expect(group.wait(timeout: .now() + 60) == .success)
            let applied = try results.all.map { try $0.get() }
            #expect(applied.count == 2)
            #expect(applied.flatMap { $0 }.sorted() == migrations.map(\.version).sorted())
            let db = DatabaseConnection(configuration: configuration)
            #expect(try db.query("SELECT COUNT(*) FROM schema_migrations").first?.int(0) == migrations.count)
        }
    }

    /// A session killed between two migrations has released GET_LOCK with it: the migrator must
    /// stop, not run the next migration on a fresh (unlocked) connection.
    @Test func aLostSessionStopsTheMigrationInsteadOfReconnectingUnlocked() throws {
        try TestDatabase.withFreshDatabase { configuration in
            let db = DatabaseConnection(configuration: configuration)
            try db.connect()
            let session = try #require(db.connectionID)
            // Kill the migrator's session as soon as it reports the first migration applied.
            let logger = Logger(label: "test.migrations") { _ in
                CallbackLogHandler { message, metadata in
                    guard message == "applied migration", metadata?["version"] == "1" else { return }
                    let admin = DatabaseConnection(configuration: configuration)
                    _ = try? admin.execute("KILL \(session)")  // our own number, not input
                    for _ in 0..<100 {
                        let alive =
                            (try? admin.query(
                                "SELECT COUNT(*) FROM information_schema.processlist WHERE id = ?",
                                [.int(Int64(session))]
                            ).first?.int(0)) ?? 0
                        if alive == 0 { break }
                        usleep(20_000)
                    }
                }
            }
            let migrator = try Migrator(
                migrations: [
                    Migration(version: 1, name: "first", sql: "CREATE TABLE first_done (x INT);"),
                    Migration(version: 2, name: "second", sql: "CREATE TABLE second_done (x INT);"),
                ], logger: logger)
            #expect(throws: (any Error).self) { try migrator.migrate(on: db) }
            let admin = DatabaseConnection(configuration: configuration)
            let tables = try admin.query(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY 1"
            ).map { try $0.string(0) }
            #expect(tables == ["first_done", "schema_migrations", "schema_migrations_lock"])
            #expect(try migrator.appliedVersions(on: admin) == [1])
            // The connection is usable again afterwards, and a new run finishes the work.
            #expect(try migrator.migrate(on: db).map(\.version) == [2])
        }
    }

    /// The cluster-wide lock row: free after a run, taken over at once from a session of the
    /// same server that is gone, waited for while another server's lease runs.
    @Test func theLockRowIsFreedTakenOverFromGoneSessionsAndWaitedForOtherwise() throws {
        try TestDatabase.withFreshDatabase { configuration in
            let db = DatabaseConnection(configuration: configuration)
            let all = try Migration.load(fromDirectory: TestDatabase.migrationsDirectory)
            try Migrator(migrations: all).migrate(on: db)
            #expect(try db.query("SELECT owner FROM schema_migrations_lock").first?.optionalString(0) == nil)

            // A migrator of this server that died holding the row: its session is gone.
            try db.execute(
                """
                UPDATE schema_migrations_lock SET expires_at = NOW(6) + INTERVAL 1 HOUR,
                    owner = CONCAT(@@hostname, ':', @@port, '#', 4000000000)
                """)
            let next = try Migrator(migrations: all + [Migration(version: 900, name: "a", sql: "DO 1;")])
            #expect(try next.migrate(on: db).map(\.version) == [900])

            // Another server's migrator holds it: wait, then give up; once its lease ends, go.
            try db.execute("UPDATE schema_migrations_lock SET owner = 'node-elsewhere:3306#7', expires_at = NOW(6) + INTERVAL 1 HOUR")
            let later = try Migrator(migrations: all + [Migration(version: 901, name: "b", sql: "DO 1;")])
            #expect(throws: MigrationError.self) { try later.migrate(on: db, lockTimeout: 1) }
            #expect(try later.appliedVersions(on: db).contains(901) == false)
            try db.execute("UPDATE schema_migrations_lock SET expires_at = NOW(6) - INTERVAL 1 SECOND")
            #expect(try later.migrate(on: db).map(\.version) == [901])
            #expect(try db.query("SELECT owner FROM schema_migrations_lock").first?.optionalString(0) == nil)
        }
    }

    @Test func badFileNamesAreRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "SELECT 1;".write(to: dir.appendingPathComponent("first.sql"), atomically: true, encoding: .utf8)
        #expect(throws: MigrationError.self) { try Migration.load(fromDirectory: dir.path) }
    }
}

/// Collects results from threads.
private final class Results: Sendable {
    private let items = Mutex<[Result<[Int], any Error>]>([])
    func add(_ item: Result<[Int], any Error>) { items.withLock { $0.append(item) } }
    var all: [Result<[Int], any Error>] { items.withLock { $0 } }
}

/// Calls back with each logged message, on the thread that logs it.
private struct CallbackLogHandler: LogHandler {
    let onMessage: @Sendable (String, Logger.Metadata?) -> Void
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    init(_ onMessage: @escaping @Sendable (String, Logger.Metadata?) -> Void) { self.onMessage = onMessage }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        onMessage(event.message.description, event.metadata)
    }
}
