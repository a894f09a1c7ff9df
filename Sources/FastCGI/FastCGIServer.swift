import CFastCGI
import Foundation
import Glibc
public import Logging

/// A FastCGI application server: a fixed pool of worker threads sharing one poller over the
/// listening socket and every open web-server connection (see `Worker`).
///
/// `run` returns after a shutdown signal (`SIGTERM`, `SIGINT`, `SIGUSR1`, `SIGHUP`) once every
/// request in flight has been answered, or when `gracePeriod` runs out.
public final class FastCGIServer: Sendable {
    public struct Configuration: Sendable {
        /// Requests served at once. Idle kept-alive connections need no thread, so this is
        /// sized by the work (CPU, and waits on MariaDB and memcached), not by the web server.
        public var threads: Int
        public var gracePeriodSeconds: Double
        public var threadStackBytes: Int
        /// The kernel policy of the worker threads (see `WorkerScheduling`).
        public var scheduling: WorkerScheduling
        /// Told +1 when the web server opens a connection and -1 when one closes (a gauge).
        public var connectionsChanged: (@Sendable (_ delta: Int) -> Void)?

        public init(
            threads: Int = 8, gracePeriodSeconds: Double = 30, threadStackBytes: Int = 4 << 20,
            scheduling: WorkerScheduling = .batch,
            connectionsChanged: (@Sendable (_ delta: Int) -> Void)? = nil
        ) {
            self.threads = threads
            self.gracePeriodSeconds = gracePeriodSeconds
            self.threadStackBytes = threadStackBytes
            self.scheduling = scheduling
            self.connectionsChanged = connectionsChanged
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

    /// Blocks the shutdown signals in the calling thread and the threads it starts afterwards:
    /// to be called first thing in the process. A signal that arrives while the process is still
    /// starting then waits for `run` to collect it; otherwise the handler FCGX_Init installs
    /// (on opening the socket) takes it, and the process serves on as if never told to stop.
    public static func holdShutdownSignals() {
        ShutdownSignals.blockInCallingThread()
    }

    /// Serves until a shutdown signal. `makeResponder` runs once on each worker thread.
    public func run(makeResponder: @escaping @Sendable (_ workerIndex: Int) -> any FastCGIResponder) throws -> Outcome {
        _ = FastCGILibrary.initialize()
        // After FCGX_Init (which installs its own SIGTERM/SIGUSR1 handlers): our masks win.
        ShutdownSignals.blockInCallingThread()
        WakeSignal.installHandler()
        signal(SIGPIPE, SIG_IGN)
        FileDescriptorLimit.raiseToHardLimit()  // every kept connection is a descriptor

        let poller = try ReadinessPoller()
        socket.makeNonBlocking()
        try poller.watchListener(socket.fileDescriptor)

        let workers = (0..<configuration.threads).map { Worker(index: $0, connectionsChanged: configuration.connectionsChanged) }
        let listener = socket
        let logger = self.logger
        let scheduling = configuration.scheduling
        for worker in workers {
            let name = "fcgi-worker-\(worker.index)"
            let thread = Thread {
                ThreadName.setForCallingThread(name)
                if let code = scheduling.applyToCallingThread(), worker.index == 0 {  // said once
                    logger.warning(
                        "worker threads keep the scheduling policy they started with",
                        metadata: ["wanted": "\(scheduling.rawValue)", "error": "\(String(cString: strerror(code)))"])
                }
                let responder = makeResponder(worker.index)
                worker.run(listener: listener, poller: poller, responder: responder, logger: logger)
            }
            thread.stackSize = configuration.threadStackBytes
            thread.name = name
            thread.start()
        }

        let signalNumber = ShutdownSignals.wait()
        logger.info("shutting down: finishing requests in flight", metadata: ["signal": "\(signalNumber)"])
        // New connections are left to the other processes on the socket; open ones are served
        // until they fall quiet (Worker.quietPeriodMilliseconds), each closed after its answer.
        poller.forget(socket.fileDescriptor)
        for worker in workers { worker.requestStop() }

        let deadline = Date().addingTimeInterval(configuration.gracePeriodSeconds)
        while true {
            // Re-sent every round: a worker may have been between its check and its wait last time.
            let running = workers.filter { $0.wakeIfWaiting() }.count
            if running == 0 { return .drained(signal: signalNumber) }
            if Date() >= deadline { return .gracePeriodExpired(signal: signalNumber, busyWorkers: running) }
            usleep(20_000)
        }
    }
}

/// The process may hold one descriptor per connection the web server keeps open: raise the
/// soft limit to the hard one, as nginx's `worker_rlimit_nofile` does.
enum FileDescriptorLimit {
    static func raiseToHardLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}

/// Foundation keeps `Thread.name` to itself on Linux; the kernel's name is what `top -H`,
/// `perf` and `/proc` show (at most 15 bytes; `pthread_setname_np` is not in Swift's Glibc).
enum ThreadName {
    static func setForCallingThread(_ name: String) {
        let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }
}
