import Database
import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// A private `mariadbd` for one test process: a data directory under /tmp made by
/// `mariadb-install-db`, a Unix socket and no TCP port (`--skip-networking`), root with an empty
/// password. It is stopped by PID (SIGTERM, then SIGKILL after 10 s) and its directory removed
/// when the test process exits.
enum ThrowawayMariaDB {
    // Read by the atexit handler, which cannot capture context. Written once, before it is armed.
    nonisolated(unsafe) private static var serverPID: pid_t = 0
    nonisolated(unsafe) private static var directory = ""

    static func start() throws -> DatabaseConfiguration {
        let server = try executable("mariadbd", "mysqld")
        let installer = try executable("mariadb-install-db", "mysql_install_db")
        var template = Array("/tmp/library-dbtest-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw failure("mkdtemp failed") }
        let dir = String(cString: made)
        let asRoot = getuid() == 0 ? ["--user=root"] : []

        let install = try spawn(
            installer,
            [
                "--no-defaults", "--datadir=\(dir)/data", "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ] + asRoot, output: "\(dir)/install.log")
        guard waitForExit(install) == 0 else {
            throw failure("mariadb-install-db failed: \(tail(of: "\(dir)/install.log"))")
        }

        let socket = "\(dir)/mysqld.sock"
        let pid = try spawn(
            server,
            [
                "--no-defaults", "--datadir=\(dir)/data", "--socket=\(socket)", "--skip-networking",
                "--pid-file=\(dir)/mysqld.pid", "--log-error=\(dir)/error.log",
                "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
                "--innodb-buffer-pool-size=64M", "--innodb-flush-log-at-trx-commit=0",
                "--max-connections=200",
            ] + asRoot, output: "\(dir)/stdout.log")
        serverPID = pid
        directory = dir
        atexit { ThrowawayMariaDB.stop() }

        let configuration = DatabaseConfiguration(
            user: "root", host: "localhost", database: "mysql", socketPath: socket,
            connectTimeout: 2, readTimeout: 10, writeTimeout: 10)
        let deadline = Date().addingTimeInterval(30)
        while true {
            do {
                try DatabaseConnection(configuration: configuration).ping()
                return configuration
            } catch {
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid {
                    serverPID = 0
                    throw failure("mariadbd exited: \(tail(of: "\(dir)/error.log"))")
                }
                if Date() > deadline { throw failure("mariadbd did not answer within 30 s: \(error)") }
                usleep(100_000)
            }
        }
    }

    private static func stop() {
        let pid = serverPID
        if pid > 0 {
            kill(pid, SIGTERM)
            var status: Int32 = 0
            var waited = 0
            while waitpid(pid, &status, WNOHANG) == 0 {
                if waited == 100 { kill(pid, SIGKILL) }
                usleep(100_000)
                waited += 1
            }
            serverPID = 0
        }
        if !directory.isEmpty { try? FileManager.default.removeItem(atPath: directory) }
    }

    private static func executable(_ names: String...) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"]
        for name in names {
            for folder in folders where access("\(folder)/\(name)", X_OK) == 0 {
                return "\(folder)/\(name)"
            }
        }
        throw failure("\(names[0]) not found: install mariadb-server, or set TEST_DATABASE_URL")
    }

    /// posix_spawn rather than Foundation's Process: we reap the child ourselves, by PID.
    private static func spawn(_ path: String, _ arguments: [String], output: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard status == 0 else { throw failure("cannot start \(path): \(String(cString: strerror(status)))") }
        return pid
    }

    private static func waitForExit(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
    }

    private static func tail(of file: String) -> String {
        let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(5).joined(separator: " | ")
    }

    private static func failure(_ message: String) -> TestDatabase.SetupError {
        TestDatabase.SetupError(description: "throwaway MariaDB: \(message)")
    }
}
