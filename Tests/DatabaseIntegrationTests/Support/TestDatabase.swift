import Database
import Foundation

/// Gives each test an empty database of its own on a real MariaDB server:
/// the server named by `TEST_DATABASE_URL` (its user needs CREATE and DROP DATABASE), or else a
/// throwaway `mariadbd` started once for the whole test process (see `ThrowawayMariaDB`).
/// No server is a test failure, never a skip.
enum TestDatabase {
    struct SetupError: Error, CustomStringConvertible {
        let description: String
    }

    /// The administrative configuration, resolved once per process.
    private static let server: Result<DatabaseConfiguration, SetupError> = {
        do {
            if let url = ProcessInfo.processInfo.environment["TEST_DATABASE_URL"], !url.isEmpty {
                return .success(try DatabaseConfiguration(url: url))
            }
            return .success(try ThrowawayMariaDB.start())
        } catch let error as SetupError {
            return .failure(error)
        } catch {
            return .failure(SetupError(description: "no test database: \(error)"))
        }
    }()

    static func serverConfiguration() throws -> DatabaseConfiguration { try server.get() }

    /// The path of the repository's `sql/` folder.
    static let migrationsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("sql").path

    /// Runs `body` with the configuration of a new, empty utf8mb4 database, dropped afterwards.
    static func withFreshDatabase(_ body: (DatabaseConfiguration) throws -> Void) throws {
        let admin = DatabaseConnection(configuration: try serverConfiguration())
        // The name is ours (hex), never user input: identifiers cannot be parameters.
        let name = "test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        try admin.execute("CREATE DATABASE \(name) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        defer { _ = try? admin.execute("DROP DATABASE \(name)") }
        var configuration = admin.configuration
        configuration.database = name
        try body(configuration)
    }

    /// A fresh database with every migration of `sql/` applied.
    static func withMigratedDatabase(_ body: (DatabaseConnection) throws -> Void) throws {
        try withFreshDatabase { configuration in
            let connection = DatabaseConnection(configuration: configuration)
            try Migrator(directory: migrationsDirectory).migrate(on: connection)
            try body(connection)
        }
    }
}
