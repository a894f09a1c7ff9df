import LibraryApp
import Logging

enum LogSetup {
    /// swift-log to standard error, one `write` per line (spawn-fcgi and the process manager
    /// collect it).
    static func bootstrap(level: Logger.Level) -> Logger {
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, level: level) }
        return Logger(label: "library-app")
    }
}
