import ArgumentParser
import Database
import LibraryApp
import Logging

/// `library-app migrate`: applies the new `sql/NNN_name.sql` migrations, each once.
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the schema migrations that have not run yet (safe to run twice, or from two hosts at once)."
    )

    @Option(help: "The folder of NNN_name.sql migrations.")
    var directory: String = "sql"

    func run() throws {
        let configuration = try loadConfiguration()
        let logger = LogSetup.bootstrap(level: configuration.logLevel, format: configuration.logFormat)
        guard var database = configuration.database else {
            logger.critical("migrate needs DATABASE_URL")
            throw ExitCode.failure
        }
        database.readTimeout = 300  // DDL on a large table may take a while
        let connection = DatabaseConnection(configuration: database, logger: logger)
        do {
            let applied = try Migrator(directory: directory, logger: logger).migrate(on: connection)
            logger.info("migrations applied: \(applied.isEmpty ? "none (up to date)" : applied.map(\.name).joined(separator: ", "))")
        } catch {
            logger.critical("migration failed: \(error)")
            throw ExitCode.failure
        }
    }
}
