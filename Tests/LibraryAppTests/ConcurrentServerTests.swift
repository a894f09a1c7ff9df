import FastCGI
import Foundation
import Glibc
import Logging
import Security
import Testing
@testable import LibraryApp

/// The FastCGI server with the real adapter and application, on a unix socket in a temporary
/// folder, answering several client threads at once, each on a kept connection: the worker pool
/// and the poller they share, the per-worker contexts, the access-log buffers and their flusher,
/// the shared health probe. No database or memcached: the requests are the ones
/// answered without them. Run under the thread sanitizer by `make tsan`.
@Suite struct ConcurrentServerTests {
    /// Hands each request to the real adapter and notes which worker served it.
    final class CountingResponder: FastCGIResponder {
        let worker: Int
        let adapter: FastCGIAdapter
        let served: Locked<[Int: Int]>

        init(worker: Int, adapter: FastCGIAdapter, served: Locked<[Int: Int]>) {
            (self.worker, self.adapter, self.served) = (worker, adapter, served)
        }

        func respond(to exchange: FastCGIExchange) {
            served.withLock { $0[worker, default: 0] += 1 }
            adapter.respond(to: exchange)
        }
    }

    struct Call {
        let method: String
        let path: String
        var headers: [(String, String)] = []
        var body = ""
        let status: Int
    }

    static let secretKey = String(repeating: "k", count: 32)
    /// Signed with the server's key: verified (and kept in the worker's token cache), then the
    /// user cannot be read without a database.
    static let validToken = JWTSigner(secret: Array(secretKey.utf8)).sign(claims: .issue(sub: "1", role: "user"))

    /// Answered without a database or memcached, each with a status of its own.
    static let calls = [
        Call(method: "GET", path: "/health", status: 503),
        Call(method: "GET", path: "/users/me", headers: [("Authorization", "Bearer \(validToken)")], status: 503),
        Call(method: "GET", path: "/nope?x=1", status: 404),
        Call(method: "DELETE", path: "/health", status: 405),
        Call(method: "GET", path: "/users/me", status: 401),
        Call(method: "GET", path: "/users/me", headers: [("Authorization", "Bearer a.b.c")], status: 401),
        Call(method: "POST", path: "/users/login", headers: [("Content-Type", "application/json")], body: "{bad", status: 400),
        Call(method: "POST", path: "/users/register", headers: [("Content-Type", "text/plain")], body: "{}", status: 415),
        Call(method: "GET", path: "/books?page=0", headers: [("Authorization", "Bearer x")], status: 401),
        Call(method: "GET", path: "/%FF", status: 400),
        // the first of two Authorization fields counts, as before they were HTTPFields (joined
        // into one value, the second would have made it no bearer token: 401)
        Call(
            method: "GET", path: "/users/me", headers: [("Authorization", "Bearer \(validToken)"), ("Authorization", "Bearer x")],
            status: 503),
        Call(method: "GE T", path: "/health", status: 400),  // no method token
        // holds its worker for a while, so the other clients' requests must be served by others
        // (fast requests alone may all be served by one worker, the leader again each time)
        Call(method: "GET", path: "/_testing/sleep?ms=20", status: 200),
    ]

    @Test func manyClientsAtOnceEachGetTheirOwnAnswers() throws {
        let directory = try TemporaryDirectory()
        let socketPath = directory.path + "/app.sock"
        let logPath = directory.path + "/access.log"
        let logFD = open(logPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        #expect(logFD >= 0)
        defer { close(logFD) }

        let configuration = Configuration(environment: .testing, secretKey: Self.secretKey)
        let quiet = Logger(label: "server") { _ in SwiftLogNoOpLogHandler() }
        let application = try Application(configuration: configuration, logger: quiet)
        let flusher = LogFlusher(every: 0.01)
        let served = Locked<[Int: Int]>([:])
        let server = FastCGIServer(
            socket: try ListenSocket.open(.unix(path: socketPath)),
            configuration: .init(threads: 4, gracePeriodSeconds: 10), logger: quiet)

        let serverThread = Locked<pthread_t?>(nil)
        let outcome = Locked<Result<FastCGIServer.Outcome, any Error>?>(nil)
        let stopped = DispatchSemaphore(value: 0)
        Thread {
            serverThread.withLock { $0 = pthread_self() }
            let result = Result {
                try server.run { worker in
                    let context = application.makeContext()
                    let output = flusher.makeOutput(fileDescriptor: logFD, bufferBytes: 512)
                    context.logger = Logger(label: "access") { LineLogHandler(label: $0, level: .info, output: output) }
                    return CountingResponder(
                        worker: worker, adapter: FastCGIAdapter(application: application, context: context),
                        served: served)
                }
            }
            outcome.withLock { $0 = result }
            stopped.signal()
        }.start()

        // 8 clients, 40 requests each on one kept connection, every request with an id of its own:
        // an answer carrying another request's id would be cross-talk between connections.
        let clients = 8, perClient = 40
        let failures = Locked<[String]>([])
        DispatchQueue.concurrentPerform(iterations: clients) { client in
            do {
                let connection = try Self.connect(socketPath)
                for index in 0..<perClient {
                    let call = Self.calls[(client + index) % Self.calls.count]
                    let id = "c\(client)-r\(index)"
                    let response = try connection.send(
                        method: call.method, path: call.path,
                        headers: call.headers + [("X-Request-Id", id)], body: Array(call.body.utf8))
                    if response.status != call.status || response.headers["X-Request-Id"] != id
                        || (try? JSONSerialization.jsonObject(with: Data(response.body))) == nil
                    {
                        failures.withLock { $0.append("\(call.method) \(call.path) as \(id): \(response.status) \(response.headers)") }
                    }
                }
            } catch {
                failures.withLock { $0.append("client \(client): \(error)") }
            }
        }

        pthread_kill(try #require(serverThread.withLock { $0 }), SIGHUP)
        #expect(stopped.wait(timeout: .now() + 15) == .success, "the server did not drain after SIGHUP")
        flusher.flushAll()

        #expect(failures.withLock { $0 } == [])
        let total = clients * perClient
        let perWorker = served.withLock { $0 }
        #expect(perWorker.values.reduce(0, +) == total)
        #expect(perWorker.count > 1, "one worker served everything: \(perWorker)")
        if case let .success(.drained(signal))? = outcome.withLock({ $0 }) {
            #expect(signal == SIGHUP)
        } else {
            Issue.record("the server did not drain: \(String(describing: outcome.withLock { $0 }))")
        }

        // One access line per request, none lost or torn by the per-worker buffers.
        let logged = try String(contentsOfFile: logPath, encoding: .utf8).split(separator: "\n")
            .filter { $0.contains(" info access: ") }  // not the warnings of the 503s
            .map { $0.split(separator: " ").last.map(String.init) ?? "" }
        let sent = (0..<clients).flatMap { client in (0..<perClient).map { "request_id=c\(client)-r\($0)" } }
        #expect(logged.sorted() == sent.sorted())
    }

    /// The server's socket appears once `ListenSocket.open` returns, but connect may race the
    /// workers' start: retry briefly.
    static func connect(_ path: String) throws -> FastCGITestClient {
        var lastError: (any Error)?
        for _ in 0..<50 {
            do { return try FastCGITestClient(socketPath: path) } catch { lastError = error; usleep(20_000) }
        }
        throw lastError!
    }
}

/// A folder under the system temporary directory, removed with its contents when released.
final class TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/library-test-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
        path = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
