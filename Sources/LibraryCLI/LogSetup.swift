import LibraryApp
import Logging

enum LogSetup {
    /// swift-log to standard error (spawn-fcgi and the process manager collect it), one
    /// `write` per line, or through `output`'s buffer for a server.
    static func bootstrap(level: Logger.Level, output: LogOutput = .standardError) -> Logger {
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, level: level, output: output) }
        return Logger(label: "library-app")
    }
}
