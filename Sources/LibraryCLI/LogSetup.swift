import LibraryApp
import Logging

enum LogSetup {
    /// swift-log to standard error (spawn-fcgi and the process manager collect it), one
    /// `write` per line.
    static func bootstrap(level: Logger.Level, format: LogFormat = .text) -> Logger {
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, level: level, format: format) }
        return Logger(label: "library-app")
    }

    /// A worker thread's logger: its lines (the access log) buffered in an output of its own.
    static func workerLogger(level: Logger.Level, format: LogFormat, flusher: LogFlusher) -> Logger {
        let output = flusher.makeOutput()
        return Logger(label: "library-app") { label in LineLogHandler(label: label, level: level, format: format, output: output) }
    }
}
