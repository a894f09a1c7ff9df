import CFastCGI
import Foundation
import Glibc
import Logging

/// A FastCGI application server: a fixed pool of worker threads accepting on one listening socket.
///
/// `run` returns after a shutdown signal (`SIGTERM`, `SIGINT`, `SIGUSR1`, `SIGHUP`) once every
/// request in flight has been answered, or when `gracePeriod` runs out.
public final class FastCGIServer: Sendable {
    public struct Configuration: Sendable {
        public var threads: Int
        public var gracePeriodSeconds: Double
        public var threadStackBytes: Int

        public init(threads: Int = 64, gracePeriodSeconds: Double = 30, threadStackBytes: Int = 4 << 20) {
            self.threads = threads
            self.gracePeriodSeconds = gracePeriodSeconds
            self.threadStackBytes = threadStackBytes
        }
    }

    public enum Outcome: Sendable {
        /// Every worker finished its last request.
        case drained(signal: Int32)
        /// The grace period ended with requests still running.
        case gracePeriodExpired(signal: Int32, busyWorkers: Int)
    }

    private let socket: ListenSocket
    private let configuration: Configuration
    private let logger: Logger

    public init(socket: ListenSocket, configuration: Configuration, logger: Logger) {
        self.socket = socket
        self.configuration = configuration
        self.logger = logger
    }

    /// Serves until a shutdown signal. `makeResponder` runs once on each worker thread.
    public func run(makeResponder: @escaping @Sendable (_ workerIndex: Int) -> FastCGIResponder) -> Outcome {
        _ = FastCGILibrary.initialize()
        // After FCGX_Init (which installs its own SIGTERM/SIGUSR1 handlers): our masks win.
        ShutdownSignals.blockInCallingThread()
        WakeSignal.installHandler()
        signal(SIGPIPE, SIG_IGN)

        let workers = (0..<configuration.threads).map { Worker(index: $0) }
        let listenFD = socket.fileDescriptor
        let logger = self.logger
        for worker in workers {
            let thread = Thread {
                let responder = makeResponder(worker.index)
                worker.run(listenSocket: listenFD, responder: responder, logger: logger)
            }
            thread.stackSize = configuration.threadStackBytes
            thread.name = "fcgi-worker-\(worker.index)"
            thread.start()
        }

        let signalNumber = ShutdownSignals.wait()
        logger.info("shutting down: finishing requests in flight", metadata: ["signal": "\(signalNumber)"])
        for worker in workers { worker.requestStop() }
        FCGX_ShutdownPending()

        let deadline = Date().addingTimeInterval(configuration.gracePeriodSeconds)
        while true {
            // Re-sent every round: a worker may have been between its check and accept() last time.
            let running = workers.filter { $0.wakeIfWaiting() }.count
            if running == 0 { return .drained(signal: signalNumber) }
            if Date() >= deadline { return .gracePeriodExpired(signal: signalNumber, busyWorkers: running) }
            usleep(20_000)
        }
    }
}
