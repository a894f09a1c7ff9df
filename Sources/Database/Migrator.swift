import Foundation
public import Logging

/// Applies migrations in version order, each once, recording them in `schema_migrations`.
///
/// Safe to run from several processes at once: all work happens while holding the server-wide
/// lock `GET_LOCK('library_migrations')`, so a second migrator waits, then finds nothing to do.
/// `GET_LOCK` is local to one server, so on a multi-primary (Galera) cluster the migrator also
/// takes the one row of `schema_migrations_lock` with a conditional UPDATE: two migrators on
/// two nodes both write that row, so certification lets only one of them commit. The row names
/// its owner (server and session) and expires `leaseSeconds` after its last renewal (before each
/// statement); an owner whose session is gone from the same server is taken over at once.
/// DDL commits implicitly in MariaDB, so a migration that fails half-way is not rolled back:
/// write migrations that can be re-run (`CREATE TABLE IF NOT EXISTS`, ...).
public struct Migrator: Sendable {
    public static let lockName = "library_migrations"
    /// How long the lock row stays taken without renewal: the wait after a migrator on another
    /// node died holding it.
    public static let leaseSeconds = 120
    public let migrations: [Migration]
    private let logger: Logger

    public init(migrations: [Migration], logger: Logger = Logger(label: "library.migrations")) throws {
        var seen = Set<Int>()
        for migration in migrations where !seen.insert(migration.version).inserted {
            throw MigrationError.duplicateVersion(migration.version)
        }
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.logger = logger
    }

    public init(directory: String, logger: Logger = Logger(label: "library.migrations")) throws {
        try self.init(migrations: try Migration.load(fromDirectory: directory), logger: logger)
    }

    /// Applies the pending migrations and returns them. `lockTimeout` is in seconds.
    ///
    /// The lock lives and dies with the session: if the connection is lost, the work stops with
    /// an error rather than going on, unlocked, on a new session (the connection's silent
    /// retry is off meanwhile, and each statement first checks that the session is the same).
    @discardableResult
    public func migrate(on connection: DatabaseConnection, lockTimeout: Int = 30) throws -> [Migration] {
        let retried = connection.retriesOnNewSession
        connection.retriesOnNewSession = false
        defer { connection.retriesOnNewSession = retried }
        let session = try acquireLock(on: connection, timeout: lockTimeout)
        defer {
            if connection.connectionID == session {
                _ = try? connection.query("SELECT RELEASE_LOCK(?)", [.string(Self.lockName)])
            }
        }
        func checkLock() throws {
            // A new session does not hold the lock: stop rather than race another migrator.
            guard connection.connectionID == session else { throw MigrationError.lockLost }
        }
        try acquireLockRow(on: connection, timeout: lockTimeout)
        defer {
            if connection.connectionID == session {
                _ = try? connection.execute(
                    "UPDATE schema_migrations_lock SET owner = NULL, expires_at = NULL WHERE id = 1 AND owner = \(Self.sessionName)")
            }
        }

        try checkLock()
        try connection.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    INT UNSIGNED NOT NULL PRIMARY KEY,
                name       VARCHAR(255) NOT NULL,
                applied_at DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
            """)
        try checkLock()
        let applied = Set(try appliedVersions(on: connection))
        let pending = migrations.filter { !applied.contains($0.version) }

        for migration in pending {
            for (index, statement) in migration.statements.enumerated() {
                try checkLock()
                try renewLockRow(on: connection)
                do { try connection.execute(statement) } catch let error as DatabaseError {
                    throw MigrationError.failed(
                        version: migration.version, name: migration.name, statement: index + 1, error: error)
                }
            }
            try checkLock()
            _ = try connection.retryingDeadlocks(attempts: 5) {
                try connection.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                    [.int(Int64(migration.version)), .string(migration.name)])
            }
            logger.info("applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
        }
        return pending
    }

    /// Versions recorded as applied, ascending.
    public func appliedVersions(on connection: DatabaseConnection) throws -> [Int] {
        try connection.query("SELECT version FROM schema_migrations ORDER BY version").map { try $0.int(0) }
    }

    /// Waits in one-second GET_LOCK calls, each well inside the connection's read timeout.
    /// Returns the session id that holds the lock.
    private func acquireLock(on connection: DatabaseConnection, timeout: Int) throws -> Int? {
        for _ in 0..<max(timeout, 1) {
            let rows = try connection.query("SELECT GET_LOCK(?, 1)", [.string(Self.lockName)])
            if try rows.first?.optionalInt(0) == 1 { return connection.connectionID }
        }
        throw MigrationError.lockTimeout
    }

    /// This session's name in the lock row: server, port and connection id.
    static let sessionName = "CONCAT(@@hostname, ':', @@port, '#', CONNECTION_ID())"

    /// Takes the lock row: free, expired, or held by a session of this server that is gone
    /// (PROCESSLIST shows the sessions of the same account). A certification failure (1213)
    /// means another node's migrator won the row: wait as for a taken lock.
    private func acquireLockRow(on connection: DatabaseConnection, timeout: Int) throws {
        // DDL runs in total order on every node of a cluster, and aborts the statements that
        // use its table on every node, even as a no-op: a CREATE TABLE IF NOT EXISTS here would
        // cut short the lock holder's renewal on another node. So only when it is missing (two
        // migrators creating it at once are applied one after the other, the second a no-op).
        let lockTable = try connection.query(
            "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'schema_migrations_lock'")
        if lockTable.isEmpty {
            try connection.execute(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations_lock (
                    id         TINYINT UNSIGNED NOT NULL PRIMARY KEY,
                    owner      VARCHAR(255)     NULL,
                    expires_at DATETIME(6)      NULL,
                    CONSTRAINT chk_schema_migrations_lock_single_row CHECK (id = 1)
                ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
                """)
        }
        let deadline = ContinuousClock.now + .seconds(max(timeout, 1))
        while true {
            do {
                try connection.execute("INSERT IGNORE INTO schema_migrations_lock (id) VALUES (1)")
                let taken = try connection.execute(
                    """
                    UPDATE schema_migrations_lock
                    SET owner = \(Self.sessionName), expires_at = NOW(6) + INTERVAL ? SECOND
                    WHERE id = 1 AND (owner IS NULL OR expires_at < NOW(6)
                        OR (owner LIKE CONCAT(@@hostname, ':', @@port, '#%')
                            AND SUBSTRING_INDEX(owner, '#', -1) NOT IN (SELECT id FROM information_schema.PROCESSLIST)))
                    """, [.int(Int64(Self.leaseSeconds))])
                if taken.affectedRows == 1 { return }
            } catch let error as DatabaseError {
                guard case .deadlock = error else { throw error }
            }
            guard ContinuousClock.now < deadline else { throw MigrationError.lockTimeout }
            Thread.sleep(forTimeInterval: 0.2 + Double.random(in: 0..<0.2))
        }
    }

    /// Extends the lease before each statement. A row that is no longer ours (the lease ran out
    /// and another migrator took it) means we must stop.
    private func renewLockRow(on connection: DatabaseConnection) throws {
        // One row in autocommit: safe to run again when a cluster aborted it (1213).
        let renewed = try connection.retryingDeadlocks(attempts: 5) {
            try connection.execute(
                """
                UPDATE schema_migrations_lock SET expires_at = NOW(6) + INTERVAL ? SECOND
                WHERE id = 1 AND owner = \(Self.sessionName)
                """, [.int(Int64(Self.leaseSeconds))])
        }
        guard renewed.affectedRows == 1 else { throw MigrationError.lockLost }
    }
}
