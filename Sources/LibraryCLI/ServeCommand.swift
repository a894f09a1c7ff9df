import ArgumentParser
import Database
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

    @Option(
        help: """
            Listen on this Unix socket path (made 0660), or HOST:PORT for TCP (:PORT is 127.0.0.1; \
            0.0.0.0:PORT every interface, best with FCGI_WEB_SERVER_ADDRS), instead of fd 0.
            """)
    var socket: String?

    @Option(
        help: """
            The group of the --socket PATH file: the web server's (www-data on Debian), so that it \
            can connect (default: $APP_SOCKET_GROUP, else the process's group).
            """)
    var socketGroup: String?

    /// `--socket-group`, else `$APP_SOCKET_GROUP` (an optional option cannot carry a default).
    private var group: String? {
        socketGroup ?? ProcessInfo.processInfo.environment["APP_SOCKET_GROUP"].flatMap { $0.isEmpty ? nil : $0 }
    }

    @Option(
        help: """
            Worker threads in this process: the requests it serves at once. Idle kept-alive \
            web-server connections hold no thread, so size this by the work, not by the web server.
            """)
    var threads: Int = ProcessInfo.processInfo.environment["APP_THREADS"].flatMap(Int.init) ?? 8

    @Option(
        help: """
            The worker threads' kernel scheduling: batch (SCHED_BATCH: a woken worker does not \
            preempt the web server or memcached; measured best where they share the cores) or \
            inherit (the policy the process started with). Default: $APP_WORKER_SCHEDULING, else batch.
            """)
    var scheduling: String = ProcessInfo.processInfo.environment["APP_WORKER_SCHEDULING"] ?? WorkerScheduling.batch.rawValue

    @Option(help: "Seconds to let requests in flight finish after SIGTERM before giving up.")
    var gracePeriod: Double = 30

    func validate() throws {
        guard (1...1024).contains(threads) else { throw ValidationError("--threads must be between 1 and 1024") }
        guard gracePeriod >= 0 else { throw ValidationError("--grace-period cannot be negative") }
        guard WorkerScheduling(rawValue: scheduling) != nil else {
            throw ValidationError("--scheduling (or APP_WORKER_SCHEDULING) must be batch or inherit, not '\(scheduling)'")
        }
        if let socket {
            do { _ = try ListenAddress(parsing: socket) } catch { throw ValidationError(error.description) }
        }
    }

    func run() throws {
        FastCGIServer.holdShutdownSignals()  // a SIGTERM during start-up stops the process once it can
        let configuration = try loadConfiguration(signsTokens: true)
        let logger = LogSetup.bootstrap(level: configuration.logLevel, format: configuration.logFormat)
        // Each worker's access lines go out in batches: at 32 KiB, at the latest every 200 ms,
        // and at exit.
        let logFlusher = LogFlusher(every: 0.2)
        defer { logFlusher.flushAll() }

        try checkDatabaseTLS(configuration, logger: logger)

        let listenSocket: ListenSocket
        do {
            if let socket {
                listenSocket = try ListenSocket.open(ListenAddress(parsing: socket), group: group)
            } else {
                // spawn-fcgi made the socket: its -M and -G options set its mode and group.
                guard group == nil else { throw ListenSocket.Failure.groupNeedsUnixSocket }
                listenSocket = try ListenSocket.inherited()
            }
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode.failure
        }

        let application = try makeApplication(configuration: configuration, logger: logger)
        do {
            try AppMetrics.bootstrap(
                routes: application.router.routes.map(\.name), workers: threads,
                directory: configuration.metricsDirectory)
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode.failure
        }
        application.bumpCacheEpochAtStart()
        logger.info(
            "library-app serving",
            metadata: [
                "socket": "\(listenSocket.description)", "threads": "\(threads)", "scheduling": "\(scheduling)",
                "pid": "\(getpid())",
                "configuration": "\(configuration.loggableDescription)",
            ])

        HoldSweeper.start(application: application)
        let server = FastCGIServer(
            socket: listenSocket,
            configuration: .init(
                threads: threads, gracePeriodSeconds: gracePeriod,
                scheduling: WorkerScheduling(rawValue: scheduling) ?? .batch,
                connectionsChanged: { AppMetrics.fastCGIConnectionsChanged(by: $0) }),
            logger: logger
        )
        let outcome: FastCGIServer.Outcome
        do {
            outcome = try server.run(makeResponder: { worker in
                let context = application.makeContext()
                context.logger = LogSetup.workerLogger(
                    level: configuration.logLevel, format: configuration.logFormat,
                    flusher: logFlusher)
                return FastCGIAdapter(application: application, context: context, worker: worker)
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

/// TLS to MariaDB that cannot work (a certificate from another CA, a server without TLS) is a
/// configuration error: said once at start (exit 78), not as a `503` on every request. Only
/// with TLS configured; a server that is merely down is no reason to stop (it is retried).
private func checkDatabaseTLS(_ configuration: Configuration, logger: Logger) throws {
    guard let database = configuration.database, database.tls.required else { return }
    let connection = DatabaseConnection(configuration: database)
    defer { connection.close() }
    do {
        try connection.connect()
    } catch let error as DatabaseError where error.isTLSFailure {
        logger.critical("cannot start: TLS to the database failed: \(error)")
        throw ExitCode(78)  // EX_CONFIG
    } catch {
        logger.warning(
            "database not reachable at start; serving, and connecting again per request",
            metadata: [
                "error": "\(error)"
            ])
    }
}

/// The application, or exit with the reason when its route table holds a route that could
/// never run (a duplicate, or one an earlier route always answers first).
func makeApplication(configuration: Configuration, logger: Logger) throws -> Application {
    do {
        return try Application(configuration: configuration, logger: logger)
    } catch {
        FileHandle.standardError.write(Data("library-app: \(error.description)\n".utf8))
        throw ExitCode(70)  // EX_SOFTWARE: a programming error, not a configuration one
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
