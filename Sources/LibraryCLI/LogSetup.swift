import Logging

enum LogSetup {
    /// swift-log to standard error (spawn-fcgi and the process manager collect it).
    static func bootstrap(level: Logger.Level) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "library-app")
    }
}
