import Cache
import Foundation
import Synchronization
#if canImport(Glibc)
    import Glibc
#endif

/// A private `memcached` for tests: `-l 127.0.0.1` on a free port (or a Unix socket under /tmp),
/// started with posix_spawn and always stopped by its PID: by `stop()`, by `deinit`, or at exit
/// for any left running. A server that cannot start is a test failure, never a skip.
final class TestMemcached: @unchecked Sendable {  // `pid` belongs to the test that made the server
    struct SetupError: Error, CustomStringConvertible { let description: String }

    let port: UInt16
    let socketPath: String?
    private(set) var pid: pid_t = 0

    /// Everything started by this process and not yet reaped, for the exit handler.
    private static let running = Mutex<Set<pid_t>>([])
    private static let exitHandler: Void = { atexit { TestMemcached.stopAllAtExit() } }()

    /// One server shared by the tests that need no server of their own.
    static let shared: Result<TestMemcached, SetupError> = Result { try TestMemcached() }.mapError {
        $0 as? SetupError ?? SetupError(description: "\($0)")
    }
    static func sharedServer() throws -> TestMemcached { try shared.get() }

    init(unixSocket: Bool = false) throws {
        if unixSocket {
            socketPath = "/tmp/cache-test-\(getpid())-\(UUID().uuidString.prefix(8)).sock"
            port = 0
        } else {
            socketPath = nil
            port = try Self.freePort()
        }
        try start()
    }

    deinit { stop() }

    var server: MemcachedServer {
        socketPath.map { .unixSocket(path: $0) } ?? .tcp(host: "127.0.0.1", port: port)
    }

    /// A client of this server alone, with a key prefix of its own unless one is given.
    func client(
        prefix: String = "t\(UUID().uuidString.prefix(8)):", _ tune: (inout MemcachedConfiguration) -> Void = { _ in }
    ) -> MemcachedClient {
        var configuration = MemcachedConfiguration(servers: [server], keyPrefix: prefix)
        tune(&configuration)
        return MemcachedClient(configuration: configuration)
    }

    /// Starts the server (again, on the same port or socket) and waits until it accepts.
    func start() throws {
        _ = Self.exitHandler
        guard pid == 0 else { return }
        let binary = try Self.executable()
        var arguments = ["-U", "0", "-m", "64", "-I", "2m", "-t", "2"]
        if let socketPath {
            unlink(socketPath)
            arguments += ["-s", socketPath, "-a", "0700"]
        } else {
            arguments += ["-l", "127.0.0.1", "-p", "\(port)"]
        }
        if getuid() == 0 { arguments += ["-u", "root"] }  // memcached refuses to run as root otherwise
        pid = try Self.spawn(binary, arguments)
        Self.running.withLock { _ = $0.insert(pid) }

        let deadline = Date().addingTimeInterval(10)
        while !accepts() {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                Self.running.withLock { _ = $0.remove(pid) }
                pid = 0
                throw SetupError(description: "memcached \(arguments.joined(separator: " ")) exited with status \(status)")
            }
            if Date() > deadline { stop(); throw SetupError(description: "memcached did not accept within 10 s") }
            usleep(10_000)
        }
    }

    /// Stops the server: SIGCONT (in case it is paused), SIGTERM (memcached notices it on its next
    /// one-second clock tick), SIGKILL after 3 s; reaps it.
    func stop() {
        guard pid > 0 else { return }
        Self.terminate(pid)
        Self.running.withLock { _ = $0.remove(pid) }
        pid = 0
        if let socketPath { unlink(socketPath) }
    }

    /// Freezes the server (SIGSTOP): the kernel still completes connects, nothing answers.
    func pause() { kill(pid, SIGSTOP) }
    func resume() { kill(pid, SIGCONT) }

    private func accepts() -> Bool {
        let fd: Int32
        var result: Int32 = -1
        if let socketPath {
            fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { path in
                for (i, byte) in socketPath.utf8.enumerated() { path[i] = byte }
            }
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        } else {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: port)
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        close(fd)
        return result == 0
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        return address
    }

    /// A free port below the ephemeral range (32768-60999 on Linux): a client reconnecting to a
    /// stopped server on an ephemeral port can connect to itself and take the port.
    static func freePort() throws -> UInt16 {
        for _ in 0..<100 {
            let port = UInt16.random(in: 20000..<32000)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = loopback(port: port)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            if bound { return port }
        }
        throw SetupError(description: "cannot find a free port: \(String(cString: strerror(errno)))")
    }

    private static func terminate(_ pid: pid_t) {
        kill(pid, SIGCONT)
        kill(pid, SIGTERM)
        var status: Int32 = 0
        var waited = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if waited == 300 { kill(pid, SIGKILL) }
            usleep(10_000)
            waited += 1
        }
    }

    private static func stopAllAtExit() {
        for pid in running.withLock({ $0 }) { terminate(pid) }
        running.withLock { $0.removeAll() }
    }

    private static func executable() throws -> String {
        let folders =
            (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
            + ["/usr/bin", "/usr/local/bin", "/usr/sbin"]
        guard let path = folders.map({ (folder: String) -> String in folder + "/memcached" }).first(where: { access($0, X_OK) == 0 }) else {
            throw SetupError(description: "memcached not found: install the memcached package")
        }
        return path
    }

    /// posix_spawn rather than Foundation's Process: we reap the child ourselves, by PID.
    private static func spawn(_ path: String, _ arguments: [String]) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // The test runner's threads may block or ignore SIGTERM: the child gets neither.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var signals = sigset_t()
        sigemptyset(&signals)
        posix_spawnattr_setsigmask(&attributes, &signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &signals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        guard status == 0 else { throw SetupError(description: "cannot start memcached: \(String(cString: strerror(status)))") }
        return pid
    }
}

/// Wall-clock milliseconds taken by `body`.
func milliseconds<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    let result = try body()
    return (result, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
}
