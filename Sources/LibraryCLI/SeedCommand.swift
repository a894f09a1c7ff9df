import ArgumentParser
import Basics
import Database
import Foundation
import Logging
import LibraryApp
import Models
import Logging

/// `library-app seed --books N [--loans M]`: fills the catalogue with generated books for demos
/// and benchmarks, and with `--loans` a loan history (`SampleHistory`) for the reports.
/// Idempotent by default: with N or more books (M or more loans) already there it does nothing,
/// otherwise it adds the difference; `--force` adds N books (M loans) whatever is there.
struct SeedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed",
        abstract: "Load a generated catalogue of books, and a loan history (each skipped when the table already has that many).",
        discussion: """
            100 000 books take well under a minute: multi-row INSERTs of \(batchSize) rows, \(batchesPerTransaction) per \
            transaction. --loans adds readers (one per 50 loans, who cannot sign in) and their loans over --years years \
            (1 000 000 in a few minutes), then brings every count the schema keeps in line with them: run it on a \
            database nobody else writes to meanwhile.
            """
    )

    static let batchSize = 500
    static let batchesPerTransaction = 10

    @Option(help: "How many books the catalogue should hold (1–10000000).")
    var books: Int

    @Option(help: "How many loans the history should hold (0–10000000); 0: no history.")
    var loans = 0

    @Option(help: "How many years back the history of --loans goes (1–50).")
    var years = 5

    @Flag(help: "Add --books more books (--loans more loans) even when the tables already have that many.")
    var force = false

    @Option(help: "Seed of the generator: the same seed gives the same books.")
    var seed: UInt64 = 1

    func validate() throws {
        guard (1...10_000_000).contains(books) else { throw ValidationError("--books must be between 1 and 10000000") }
        guard (0...10_000_000).contains(loans) else { throw ValidationError("--loans must be between 0 and 10000000") }
        guard (1...50).contains(years) else { throw ValidationError("--years must be between 1 and 50") }
    }

    func run() throws {
        let configuration = try loadConfiguration()
        let logger = LogSetup.bootstrap(level: configuration.logLevel, format: configuration.logFormat)
        guard var databaseConfiguration = configuration.database else {
            logger.critical("seed needs DATABASE_URL")
            throw ExitCode.failure
        }
        databaseConfiguration.readTimeout = 300
        let database = DatabaseConnection(configuration: databaseConfiguration, logger: logger)
        do {
            try seedBooks(database, logger: logger)
            if loans > 0 {
                try LoanHistorySeeder(database: database, logger: logger, seed: seed).run(loans: loans, years: years, force: force)
            }
        } catch {
            logger.critical("seed failed: \(error)")
            throw ExitCode.failure
        }
    }

    private func seedBooks(_ database: DatabaseConnection, logger: Logger) throws {
        let existing = try database.query("SELECT COUNT(*) AS books FROM books").first?.int("books") ?? 0
        let wanted = force ? books : books - existing
        guard wanted > 0 else {
            logger.info("seed: the catalogue already has \(existing) books (asked for \(books)); nothing to do")
            return
        }
        let started = Date()
        // Mixing in the count gives a --force run other ISBNs than the run before it.
        var catalogue = SampleCatalogue(seed: seed &+ UInt64(existing) &* 0x9E37_79B9, currentYear: UTCDateTime.currentYear())
        var inserted = 0
        while inserted < wanted {
            inserted += try database.transaction(attempts: 3) {
                var added = 0
                for _ in 0..<Self.batchesPerTransaction where inserted + added < wanted {
                    let rows = (0..<min(Self.batchSize, wanted - inserted - added)).map { _ in catalogue.next() }
                    added += try insert(rows, into: database)
                }
                return added
            }
        }
        let seconds = Date().timeIntervalSince(started)
        logger.info("seed: added \(inserted) books in \(String(format: "%.1f", seconds)) s; the catalogue has \(existing + inserted)")
    }

    /// One multi-row INSERT; returns the rows added. IGNORE skips a book whose ISBN is taken
    /// (one added by hand, say): the loop then simply makes another.
    private func insert(_ rows: [SampleCatalogue.Entry], into database: DatabaseConnection) throws -> Int {
        let placeholders = Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?)", count: rows.count).joined(separator: ", ")
        var parameters: [DatabaseValue] = []
        parameters.reserveCapacity(rows.count * 8)
        for row in rows {
            parameters += [
                .string(row.title), .string(row.author), .string(row.isbn.digits), DatabaseValue(row.publishedYear),
                .string(row.genre), DatabaseValue(row.description), DatabaseValue(row.copies), DatabaseValue(row.copies),
            ]
        }
        return try database.execute(
            """
            INSERT IGNORE INTO books (title, author, isbn, published_year, genre, description, copies_total, copies_available)
            VALUES \(placeholders)
            """, parameters
        ).affectedRows
    }
}
