import ArgumentParser
import Basics
import Database
import Foundation
import Logging
import LibraryApp
import Models
import Logging
import Storage

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
        let loader = CatalogueLoader(database: database)
        do {
            try seedBooks(loader, logger: logger)
            if loans > 0 {
                try LoanHistorySeeder(loader: LoanHistoryLoader(database: database), logger: logger, seed: seed).run(
                    loans: loans, years: years, force: force)
            }
        } catch {
            logger.critical("seed failed: \(error)")
            throw ExitCode.failure
        }
    }

    private func seedBooks(_ loader: CatalogueLoader, logger: Logger) throws {
        let existing = try loader.bookCount()
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
            inserted += try loader.inTransaction {
                var added = 0
                for _ in 0..<Self.batchesPerTransaction where inserted + added < wanted {
                    let rows = (0..<min(Self.batchSize, wanted - inserted - added)).map { _ in catalogue.next() }
                    added += try loader.insertSkippingTakenISBNs(
                        rows.map {
                            BookFields(
                                title: $0.title, author: $0.author, isbn: $0.isbn, publishedYear: $0.publishedYear, genre: $0.genre,
                                description: $0.description, copies: $0.copies)
                        })
                }
                return added
            }
        }
        let seconds = Date().timeIntervalSince(started)
        logger.info("seed: added \(inserted) books in \(String(format: "%.1f", seconds)) s; the catalogue has \(existing + inserted)")
    }
}
