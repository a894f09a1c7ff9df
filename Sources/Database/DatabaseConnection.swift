import CMariaDB
import Glibc
public import Logging

/// What `execute` reports. With CLIENT_FOUND_ROWS, `affectedRows` of an UPDATE counts the rows
/// that matched, changed or not: "0" means "no such row", never "same values".
public struct ExecuteResult: Sendable, Equatable {
    public var affectedRows: Int
    public var lastInsertID: Int
}

/// One MariaDB session: prepared statements only, cached by SQL text, typed values in and out.
///
/// Not thread-safe by design: each worker thread owns one. It connects lazily, and after a lost
/// connection (`DatabaseError.unavailable`) it drops its handle and statement cache, so that the
/// next call connects and prepares afresh. Outside a transaction a call that lost its connection
/// is tried once more on a new one, when repeating it cannot apply a write twice.
public final class DatabaseConnection {
    public let configuration: DatabaseConfiguration
    /// Past this many cached statements the cache is emptied (the server caps prepared
    /// statements per server: max_prepared_stmt_count, 16382 by default).
    public var statementCacheLimit = 128
    /// Whether a call that lost an old connection is tried once more on a new session (see
    /// `withRetry`). A caller whose work depends on session state, such as a lock held with
    /// GET_LOCK, turns it off: a new session does not hold the lock.
    public var retriesOnNewSession = true

    private let logger: Logger
    private var handle: UnsafeMutablePointer<MYSQL>?
    /// Which of the configuration's hosts the next connect tries first.
    private var endpointIndex = 0
    private var statements: [String: PreparedStatement] = [:]
    public private(set) var isInTransaction = false

    public init(configuration: DatabaseConfiguration, logger: Logger = Logger(label: "library.database")) {
        self.configuration = configuration
        self.logger = logger
    }

    deinit { close() }

    public var isConnected: Bool { handle != nil }

    /// The server's id for this session (`CONNECTION_ID()`), or nil while disconnected.
    public var connectionID: Int? { handle.map { Int(mysql_thread_id($0)) } }

    /// Connects now instead of on the first call.
    public func connect() throws {
        do { _ = try connectedHandle() } catch { throw error.error }
    }

    public func close() {
        if let handle { mysql_close(handle) }
        handle = nil
        statements.removeAll()  // after mysql_close: statements are then only freed
        isInTransaction = false
    }

    // MARK: statements

    /// Runs a statement that returns no rows (INSERT, UPDATE, DELETE, DDL, ...).
    @discardableResult
    public func execute(_ sql: String, _ parameters: [DatabaseValue] = []) throws -> ExecuteResult {
        let outcome = try run(sql, parameters, collectRows: false, idempotent: false)
        return ExecuteResult(affectedRows: outcome.affectedRows, lastInsertID: outcome.lastInsertID)
    }

    /// Runs a statement and returns all its rows.
    public func query(_ sql: String, _ parameters: [DatabaseValue] = []) throws -> [Row] {
        try run(sql, parameters, collectRows: true, idempotent: true).rows
    }

    /// Health check: one round trip; reconnects once if the link was stale. On one server a
    /// `COM_PING`. On a Galera cluster (`configuration.isCluster`) the round trip asks the node
    /// whether it is synced and in the primary component instead, since a node cut off from
    /// the others still answers a ping: a node that is not is dropped like a lost connection,
    /// and the retry connects to the next ready host of the list (or fails, with none).
    public func ping() throws {
        let clustered = configuration.isCluster
        try withRetry(idempotent: true) { mysql throws(PreparedStatement.Failure) in
            if clustered {
                let ready: Bool
                do throws(DatabaseError) { ready = try ConnectionFactory.isReadyNode(mysql) } catch {
                    throw PreparedStatement.Failure(error: error, serverMayHaveRun: false)
                }
                guard ready else {
                    let endpoint = configuration.endpoints[endpointIndex]  // the one connected to
                    throw PreparedStatement.Failure(error: ConnectionFactory.notReady(endpoint), serverMayHaveRun: false)
                }
            } else if mysql_ping(mysql) != 0 {
                throw PreparedStatement.Failure(error: Self.error(of: mysql), serverMayHaveRun: false)
            }
        }
    }

    // MARK: transactions

    /// Runs `body` between START TRANSACTION and COMMIT; any error rolls back and is rethrown.
    /// The whole body runs again, up to `attempts` times in all, after a `.deadlock`, and after
    /// the connection was lost between START TRANSACTION and COMMIT: the server rolls back a
    /// session that goes away, so nothing of that attempt was committed, and the next one runs
    /// on a new connection. A connection lost at COMMIT is not retried: the commit may have
    /// happened. Nor is a failed START TRANSACTION (it has had its reconnect already).
    public func transaction<T>(attempts: Int = 1, _ body: () throws -> T) throws -> T {
        guard !isInTransaction else { throw DatabaseError.misuse("transactions do not nest") }
        var attempt = 1
        while true {
            var phase = TransactionPhase.starting
            do {
                return try transactionOnce(&phase, body)
            } catch let error as DatabaseError {
                guard attempt < attempts, Self.mayRunAgain(after: error, in: phase) else { throw error }
                attempt += 1
                logger.info("retrying transaction", metadata: ["attempt": "\(attempt)", "after": "\(error)"])
                Self.backOff(beforeAttempt: attempt)
            }
        }
    }

    /// Runs `body` — one statement in autocommit, atomic on its own — again after a deadlock
    /// (on a Galera cluster also a certification failure), at most `attempts` times in all.
    public func retryingDeadlocks<T>(attempts: Int, _ body: () throws -> T) throws -> T {
        guard !isInTransaction else { throw DatabaseError.misuse("retry the whole transaction, not one statement of it") }
        var attempt = 1
        while true {
            do {
                return try body()
            } catch let error as DatabaseError {
                guard case .deadlock = error, attempt < attempts else { throw error }
                attempt += 1
                logger.info("retrying statement after deadlock", metadata: ["attempt": "\(attempt)"])
                Self.backOff(beforeAttempt: attempt)
            }
        }
    }

    /// A random pause before a retry, up to 5 ms doubled at each attempt (at most 320 ms), so
    /// that transactions which aborted each other, here or on other nodes of a cluster, do not
    /// meet again at once. Only before a retry: the first attempt never waits.
    static func backOff(beforeAttempt attempt: Int) {
        let ceiling = 0.005 * Double(1 << min(attempt - 1, 6))
        var pause = timespec(tv_sec: 0, tv_nsec: Int(Double.random(in: 0..<ceiling) * 1e9))
        _ = nanosleep(&pause, nil)
    }

    private enum TransactionPhase { case starting, running, committing }

    private static func mayRunAgain(after error: DatabaseError, in phase: TransactionPhase) -> Bool {
        switch error {
        case .deadlock: return true
        case .unavailable: return phase == .running
        default: return false
        }
    }

    private func transactionOnce<T>(_ phase: inout TransactionPhase, _ body: () throws -> T) throws -> T {
        try execute("START TRANSACTION")
        isInTransaction = true
        phase = .running
        do {
            let result = try body()
            phase = .committing
            try execute("COMMIT")
            isInTransaction = false
            return result
        } catch {
            if isConnected {
                do { try execute("ROLLBACK") } catch let rollbackError {
                    logger.warning("rollback failed", metadata: ["error": "\(rollbackError)"])
                }
            }
            isInTransaction = false
            throw error
        }
    }

    // MARK: internals

    func run(
        _ sql: String, _ parameters: [DatabaseValue], collectRows: Bool, idempotent: Bool
    ) throws -> (rows: [Row], affectedRows: Int, lastInsertID: Int) {
        try withRetry(idempotent: idempotent) { mysql throws(PreparedStatement.Failure) in
            let statement: PreparedStatement
            do throws(DatabaseError) { statement = try prepared(sql, on: mysql) } catch {
                throw PreparedStatement.Failure(error: error, serverMayHaveRun: false)
            }
            return try statement.run(parameters, collectRows: collectRows)
        }
    }

    /// One attempt, and a second on a fresh connection when the first lost an old connection,
    /// no transaction is open, and repeating cannot apply a write twice.
    private func withRetry<T>(
        idempotent: Bool,
        _ work: (UnsafeMutablePointer<MYSQL>) throws(PreparedStatement.Failure) -> T
    ) throws -> T {
        try ConnectorLibrary.prepareCurrentThread()  // cheap after the first time on a thread
        // The session that held the transaction is gone: a new one would run the rest of the
        // body in autocommit mode, so refuse until the transaction block ends.
        if isInTransaction && handle == nil {
            throw DatabaseError.unavailable(code: Int(CR_SERVER_LOST), message: "connection lost during the transaction")
        }
        var attempt = 1
        while true {
            let reusedHandle = handle != nil
            let inTransaction = isInTransaction
            do {
                return try work(connectedHandle())
            } catch let failure {
                guard case let .unavailable(code, _) = failure.error else {
                    log(failure.error)
                    throw failure.error
                }
                if handle != nil { discardAfterLostConnection(code: code) }
                let repeatable = idempotent || !failure.serverMayHaveRun
                guard attempt == 1, reusedHandle, !inTransaction, repeatable, retriesOnNewSession else { throw failure.error }
                attempt += 1
            }
        }
    }

    private func prepared(_ sql: String, on mysql: UnsafeMutablePointer<MYSQL>) throws(DatabaseError) -> PreparedStatement {
        if let statement = statements[sql] { return statement }
        if statements.count >= statementCacheLimit { statements.removeAll() }
        let statement = try PreparedStatement(connection: mysql, sql: sql)
        statements[sql] = statement
        return statement
    }

    /// Like `close()`, but a transaction stays marked open until its block ends (see `withRetry`).
    private func discardAfterLostConnection(code: Int) {
        logger.warning("database connection lost; reconnecting on next use", metadata: ["code": "\(code)"])
        let wasInTransaction = isInTransaction
        close()
        // with a list of hosts, the next connect starts at the next one: this one may be down
        endpointIndex = (endpointIndex + 1) % configuration.endpoints.count
        isInTransaction = wasInTransaction
    }

    private func log(_ error: DatabaseError) {
        // Expected outcomes (a taken username, a deadlock) are the caller's to report.
        if case .other = error { logger.error("database error", metadata: ["error": "\(error)"]) }
    }

    private func connectedHandle() throws(PreparedStatement.Failure) -> UnsafeMutablePointer<MYSQL> {
        if let handle { return handle }
        do {
            let (mysql, endpoint) = try ConnectionFactory.open(configuration, from: endpointIndex)
            handle = mysql
            endpointIndex = endpoint
            logger.debug("connected to database", metadata: ["connection_id": "\(mysql_thread_id(mysql))"])
            return mysql
        } catch {
            logger.warning("cannot connect to database", metadata: ["error": "\(error)"])
            throw PreparedStatement.Failure(error: error, serverMayHaveRun: false)
        }
    }

    static func error(of mysql: UnsafeMutablePointer<MYSQL>) -> DatabaseError {
        DatabaseError.classify(code: Int(mysql_errno(mysql)), message: String(cString: mysql_error(mysql)))
    }
}
