import Foundation

/// Where and how to connect, parsed from a URL:
///
///     mysql://USER:PASSWORD@HOST:PORT/DB
///     mysql://USER:PASSWORD@localhost/DB?socket=/abs/path.sock
///
/// User, password and database are percent-decoded. Optional query items: `socket`,
/// `connect_timeout`, `read_timeout`, `write_timeout` (whole seconds), `wsrep_sync_wait`
/// (Galera, 0-15: set on every session; 1 makes each read wait until this node has applied
/// every write the cluster committed before it, docs/cluster.md), and TLS (`ssl`,
/// `ssl-ca`, ...: see `DatabaseTLS`). Unknown options are refused, never ignored.
///
/// This is the one place the URL is read: the authority (`HOST:PORT`) and the query options
/// are parsed apart, so that a list of hosts can take the authority's place later.
public struct DatabaseConfiguration: Sendable, Equatable, CustomStringConvertible {
    public var user: String
    public var password: String
    /// `localhost` means the Unix socket to Connector/C; use `127.0.0.1` for TCP on loopback.
    public var host: String
    public var port: Int
    public var database: String
    public var socketPath: String?
    /// Short on purpose: a dead database must turn into a quick `503`, not a hung worker.
    public var connectTimeout: Int
    /// Also bounds the longest single statement; give long-running jobs (migrations, seeding)
    /// a configuration with a larger value.
    public var readTimeout: Int
    public var writeTimeout: Int
    public var tls: DatabaseTLS
    /// Galera's causality checks for this session (`wsrep_sync_wait`); nil leaves the server's.
    public var syncWait: Int?

    public init(
        user: String, password: String = "", host: String = "localhost", port: Int = 3306,
        database: String, socketPath: String? = nil,
        connectTimeout: Int = 3, readTimeout: Int = 5, writeTimeout: Int = 5, tls: DatabaseTLS = DatabaseTLS()
    ) {
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.database = database
        self.socketPath = socketPath
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.writeTimeout = writeTimeout
        self.tls = tls
    }

    public init(url string: String) throws {
        guard let components = URLComponents(string: string),
              let scheme = components.scheme?.lowercased(), scheme == "mysql" || scheme == "mariadb"
        else { throw DatabaseError.invalidConfiguration("expected mysql://USER:PASSWORD@HOST:PORT/DB") }

        func decoded(_ part: String?) throws -> String {
            guard let part else { return "" }
            guard let value = part.removingPercentEncoding else {
                throw DatabaseError.invalidConfiguration("bad percent-encoding in the database URL")
            }
            return value
        }
        let user = try decoded(components.percentEncodedUser)
        guard !user.isEmpty else { throw DatabaseError.invalidConfiguration("the database URL names no user") }
        let database = try decoded(String(components.percentEncodedPath.drop(while: { $0 == "/" })))
        guard !database.isEmpty, !database.contains("/") else {
            throw DatabaseError.invalidConfiguration("the database URL names no database (…/DB)")
        }

        self.init(
            user: user,
            password: try decoded(components.percentEncodedPassword),
            host: components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "localhost",
            port: components.port ?? 3306,
            database: database
        )
        for item in components.queryItems ?? [] {
            try apply(option: item.name, value: item.value ?? "")
        }
        try tls.check()
    }

    private mutating func apply(option name: String, value: String) throws(DatabaseError) {
        switch name {
        case "socket":
            guard value.hasPrefix("/") else {
                throw DatabaseError.invalidConfiguration("socket must be an absolute path")
            }
            socketPath = value
        case "connect_timeout": connectTimeout = try Self.seconds(name, value)
        case "read_timeout": readTimeout = try Self.seconds(name, value)
        case "write_timeout": writeTimeout = try Self.seconds(name, value)
        case "wsrep_sync_wait":
            guard let mask = Int(value), (0...15).contains(mask) else {
                throw DatabaseError.invalidConfiguration("wsrep_sync_wait must be a number from 0 to 15")
            }
            syncWait = mask
        default:
            guard try tls.accept(option: name, value: value) else {
                throw DatabaseError.invalidConfiguration("unknown database URL option '\(name)'")
            }
        }
    }

    private static func seconds(_ name: String, _ value: String) throws(DatabaseError) -> Int {
        guard let seconds = Int(value), (1...3600).contains(seconds) else {
            throw DatabaseError.invalidConfiguration("\(name) must be whole seconds between 1 and 3600")
        }
        return seconds
    }

    /// The password never appears here: configurations get logged.
    public var description: String {
        let place = socketPath.map { "\(host) via \($0)" } ?? "\(host):\(port)"
        let sync = syncWait.map { "?wsrep_sync_wait=\($0)" } ?? ""
        return "mysql://\(user):***@\(place)/\(database)\(sync)\(tls.summary)"
    }
}
