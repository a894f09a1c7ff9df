import ArgumentParser
import Database
import Foundation
import LibraryApp
import Logging

/// `library-app create-admin`: the only way to make the first admin. The password comes from
/// `LIBRARY_ADMIN_PASSWORD` or standard input, never from the command line (where `ps` shows it).
struct CreateAdminCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-admin",
        abstract: "Create an admin account (password from LIBRARY_ADMIN_PASSWORD or the first line of stdin).",
        discussion: "An admin with the same username and email already there counts as done (exit 0)."
    )

    @Option(help: "3–50 characters: letters, digits, '_', '.', '-'.")
    var username: String

    @Option(help: "The admin's email address (used to log in).")
    var email: String

    func run() throws {
        let configuration = try loadConfiguration()
        let logger = LogSetup.bootstrap(level: configuration.logLevel, format: configuration.logFormat)
        guard
            let password = ProcessInfo.processInfo.environment["LIBRARY_ADMIN_PASSWORD"].flatMap({ $0.isEmpty ? nil : $0 })
                ?? readLine(strippingNewline: true)
        else {
            logger.critical("no password: set LIBRARY_ADMIN_PASSWORD or pipe it on standard input")
            throw ExitCode.failure
        }
        do {
            let outcome = try AdminAccounts.create(username: username, email: email, password: password, configuration: configuration)
            switch outcome {
            case let .created(id): logger.info("admin \(username) created with id \(id)")
            case let .alreadyExists(id): logger.info("admin \(username) already exists with id \(id); nothing changed")
            }
        } catch let refusal as AdminAccounts.Refusal {
            logger.critical("cannot create admin: \(refusal.message)")
            throw ExitCode.failure
        } catch {
            logger.critical("cannot create admin: \(error)")
            throw ExitCode.failure
        }
    }
}
