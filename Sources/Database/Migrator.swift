import Logging

/// Applies migrations in version order, each once, recording them in `schema_migrations`.
///
/// Safe to run from several processes at once: all work happens while holding the server-wide
/// lock `GET_LOCK('library_migrations')`, so a second migrator waits, then finds nothing to do.
/// DDL commits implicitly in MariaDB, so a migration that fails half-way is not rolled back:
/// write migrations that can be re-run (`CREATE TABLE IF NOT EXISTS`, ...).
public struct Migrator: Sendable {
    public static let lockName = "library_migrations"
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

        try checkLock()
        try connection.execute("""
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
                do { try connection.execute(statement) } catch let error as DatabaseError {
                    throw MigrationError.failed(
                        version: migration.version, name: migration.name, statement: index + 1, error: error)
                }
            }
            try checkLock()
            try connection.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                [.int(Int64(migration.version)), .string(migration.name)])
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
}
