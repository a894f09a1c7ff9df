import ArgumentParser
import FastCGI
import Foundation
import LibraryApp
import Logging

/// `library-app serve`: answers FastCGI requests until SIGTERM/SIGINT, then drains and exits 0.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve FastCGI requests on the socket inherited as fd 0 (spawn-fcgi) or on --socket."
    )

    @Option(help: "Listen on this Unix socket path, or HOST:PORT / :PORT for TCP, instead of fd 0.")
    var socket: String?

    @Option(help: """
        Worker threads in this process: the requests it serves at once. Idle kept-alive \
        web-server connections hold no thread, so size this by the work, not by the web server.
        """)
    var threads: Int = ProcessInfo.processInfo.environment["APP_THREADS"].flatMap(Int.init) ?? 8

    @Option(help: "Seconds to let requests in flight finish after SIGTERM before giving up.")
    var gracePeriod: Double = 30

    func validate() throws {
        guard (1...1024).contains(threads) else { throw ValidationError("--threads must be between 1 and 1024") }
        guard gracePeriod >= 0 else { throw ValidationError("--grace-period cannot be negative") }
    }

    func run() throws {
        let configuration = try loadConfiguration(signsTokens: true)
        let logger = LogSetup.bootstrap(level: configuration.logLevel)
        // Each worker's access lines go out in batches: at 32 KiB, at the latest every 200 ms,
        // and at exit.
        let logFlusher = LogFlusher(every: 0.2)
        defer { logFlusher.flushAll() }
        AppMetrics.bootstrap()

        let listenSocket: ListenSocket
        do {
            listenSocket = try socket.map { try ListenSocket.open($0) } ?? ListenSocket.inherited()
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode.failure
        }

        let application = Application(configuration: configuration, logger: logger)
        logger.info("library-app serving", metadata: [
            "socket": "\(listenSocket.description)", "threads": "\(threads)", "pid": "\(getpid())",
            "configuration": "\(configuration.loggableDescription)",
        ])

        let server = FastCGIServer(
            socket: listenSocket,
            configuration: .init(threads: threads, gracePeriodSeconds: gracePeriod),
            logger: logger
        )
        let outcome: FastCGIServer.Outcome
        do {
            outcome = try server.run(makeResponder: { _ in
                let context = application.makeContext()
                context.logger = LogSetup.workerLogger(level: configuration.logLevel, flusher: logFlusher)
                return FastCGIAdapter(application: application, context: context)
            })
        } catch {
            logger.critical("cannot serve: \(error)")
            throw ExitCode.failure
        }
        switch outcome {
        case let .drained(signal):
            logger.info("stopped after signal \(signal): every request finished")
        case let .gracePeriodExpired(signal, busy):
            logger.error("stopped after signal \(signal): \(busy) requests still running after \(gracePeriod)s")
            throw ExitCode.failure
        }
    }
}

/// Reads the configuration or exits with the reason, before anything starts. A command that
/// signs or verifies tokens also needs a usable `SECRET_KEY`.
func loadConfiguration(signsTokens: Bool = false) throws -> Configuration {
    do {
        let configuration = try Configuration.fromEnvironment(ProcessInfo.processInfo.environment)
        if signsTokens { try configuration.checkSigningKey() }
        return configuration
    } catch {
        FileHandle.standardError.write(Data("library-app: configuration error: \(error.description)\n".utf8))
        throw ExitCode(78)  // EX_CONFIG
    }
}
