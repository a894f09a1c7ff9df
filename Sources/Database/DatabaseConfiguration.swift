import Foundation

/// Where and how to connect, parsed from a URL:
///
///     mysql://USER:PASSWORD@HOST:PORT/DB
///     mysql://USER:PASSWORD@localhost/DB?socket=/abs/path.sock
///     mysql://USER:PASSWORD@HOST1:PORT1,HOST2:PORT2,HOST3:PORT3/DB    (a Galera cluster)
///
/// With several hosts a connection goes to the first that answers and says `wsrep_ready=ON`,
/// and after a lost connection tries the next one (`ConnectionFactory`, docs/cluster.md).
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
    /// The URL's other hosts (a cluster's nodes), tried after `host`:`port`.
    public var otherEndpoints: [DatabaseEndpoint] = []
    /// Where to connect, in order of preference.
    public var endpoints: [DatabaseEndpoint] { [DatabaseEndpoint(host: host, port: port)] + otherEndpoints }
    /// Galera's causality checks for this session (`wsrep_sync_wait`); nil leaves the server's.
    public var syncWait: Int?
    /// A Galera cluster: several hosts, or Galera's causality checks asked for. Its health
    /// check asks whether the node is synced in the primary component (`DatabaseConnection.ping`).
    public var isCluster: Bool { !otherEndpoints.isEmpty || syncWait != nil }

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

    public init(url given: String) throws {
        let (string, others) = try Self.splitHostList(given)
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
        if !others.isEmpty {
            guard socketPath == nil else {
                throw DatabaseError.invalidConfiguration("socket and a list of hosts exclude each other")
            }
            otherEndpoints = others
        }
    }

    /// `HOST1:PORT1,HOST2:PORT2` in the authority: the URL with the first host alone (for
    /// URLComponents, which knows one host), and the others parsed here. IPv6 literals in
    /// brackets, as in a URL: `[::1]:3306`.
    static func splitHostList(_ url: String) throws(DatabaseError) -> (url: String, others: [DatabaseEndpoint]) {
        guard let schemeEnd = url.range(of: "://") else { return (url, []) }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let hostsStart = authority.lastIndex(of: "@").map { authority.index(after: $0) } ?? authority.startIndex
        let hosts = authority[hostsStart...].split(separator: ",", omittingEmptySubsequences: false)
        guard hosts.count > 1 else { return (url, []) }
        var others: [DatabaseEndpoint] = []
        for entry in hosts.dropFirst() {
            guard let components = URLComponents(string: "mysql://\(entry)"), let host = components.host, !host.isEmpty,
                components.user == nil, components.path.isEmpty
            else { throw .invalidConfiguration("bad host in the database URL's host list") }
            others.append(DatabaseEndpoint(host: host, port: components.port ?? 3306))
        }
        let first = String(url[..<hostsStart]) + String(hosts[0]) + String(rest[authorityEnd...])
        return (first, others)
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
        let place = socketPath.map { "\(host) via \($0)" } ?? endpoints.map(\.description).joined(separator: ",")
        let sync = syncWait.map { "?wsrep_sync_wait=\($0)" } ?? ""
        return "mysql://\(user):***@\(place)/\(database)\(sync)\(tls.summary)"
    }
}

/// One server of the URL's host list.
public struct DatabaseEndpoint: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
