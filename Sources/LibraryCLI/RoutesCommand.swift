import ArgumentParser
import LibraryApp
import Logging

/// `library-app routes` (hidden): the routes the application registers, one `METHOD PATH` a
/// line, e.g. `GET /books/{id}`. The end-to-end tests compare them with the OpenAPI document.
struct RoutesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "routes",
        abstract: "Print the application's routes, one `METHOD PATH` a line.",
        shouldDisplay: false
    )

    func run() throws {
        let configuration = try loadConfiguration()
        let logger = LogSetup.bootstrap(level: .error)  // standard error: stdout is the list
        let application = try makeApplication(configuration: configuration, logger: logger)
        for route in application.router.routes {
            print("\(route.method) \(route.pattern.description)")
        }
    }
}
