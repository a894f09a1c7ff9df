import ArgumentParser

/// `library-app`: the FastCGI server and its administrative subcommands.
struct LibraryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "library-app",
        abstract: "The Library REST API, served over FastCGI behind nginx or lighttpd.",
        subcommands: [
            ServeCommand.self, MigrateCommand.self, CreateAdminCommand.self, RoutesCommand.self, SeedCommand.self,
            UnlockCommand.self,
        ],
        defaultSubcommand: ServeCommand.self
    )
}
