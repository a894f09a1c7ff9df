import CMariaDB

/// Opens one Connector/C handle with the options every session of this service needs.
enum ConnectionFactory {
    /// Run by the server at every (re)connect: UTC for DATETIME/NOW(), strict SQL so that bad
    /// data is an error rather than a warning, whatever the server's own defaults are, and a
    /// row-lock wait shorter than the client's read timeout (5 s), so a blocked statement ends
    /// as a retryable lock timeout (1205) rather than a dropped connection.
    static let initCommand =
        "SET time_zone = '+00:00', innodb_lock_wait_timeout = 3, sql_mode = "
        + "'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ZERO_DATE,NO_ZERO_IN_DATE,NO_ENGINE_SUBSTITUTION'"

    /// Only a URL that asks for it sets `wsrep_sync_wait`: a server without Galera support
    /// refuses the variable.
    static func initCommand(_ configuration: DatabaseConfiguration) -> String {
        configuration.syncWait.map { initCommand + ", wsrep_sync_wait = \($0)" } ?? initCommand
    }

    /// Connects to the URL's hosts in turn, from `first` (an index into `endpoints`), and returns
    /// the handle and the index of the host it reached. With several hosts (a Galera cluster) a
    /// node that does not say `wsrep_ready=ON` (not synced, or not in the primary component) is
    /// passed over like one that is down. The last host's error is thrown when none will do.
    static func open(
        _ configuration: DatabaseConfiguration, from first: Int = 0
    ) throws(DatabaseError) -> (handle: UnsafeMutablePointer<MYSQL>, endpoint: Int) {
        let endpoints = configuration.endpoints
        guard endpoints.count > 1 else { return (try open(configuration, at: endpoints[0]), 0) }
        var lastError = DatabaseError.unavailable(code: 0, message: "no database host")
        for step in 0..<endpoints.count {
            let index = (first + step) % endpoints.count
            do throws(DatabaseError) {
                let mysql = try open(configuration, at: endpoints[index])
                let ready: Bool
                do throws(DatabaseError) { ready = try isReadyNode(mysql) } catch {
                    mysql_close(mysql)
                    throw error
                }
                if ready { return (mysql, index) }
                mysql_close(mysql)
                lastError = notReady(endpoints[index])
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    /// Whether the node may serve: a Galera node that is ready (`wsrep_ready=ON`), synced
    /// (`wsrep_local_state` 4: not joining, not a donor) and in the primary component
    /// (`wsrep_cluster_status=Primary`), or a server without a Galera provider (the variables
    /// missing, or `wsrep_provider_name` empty). One round trip. Throws the query's error.
    static func isReadyNode(_ mysql: UnsafeMutablePointer<MYSQL>) throws(DatabaseError) -> Bool {
        let query = """
            SHOW GLOBAL STATUS WHERE Variable_name IN \
            ('wsrep_provider_name', 'wsrep_ready', 'wsrep_local_state', 'wsrep_cluster_status')
            """
        guard mysql_query(mysql, query) == 0, let result = mysql_store_result(mysql) else {
            throw DatabaseError.classify(code: Int(mysql_errno(mysql)), message: String(cString: mysql_error(mysql)))
        }
        defer { mysql_free_result(result) }
        var status: [String: String] = [:]
        while let row = mysql_fetch_row(result) {
            guard let name = row[0] else { continue }
            status[String(cString: name)] = row[1].map { String(cString: $0) } ?? ""
        }
        guard let provider = status["wsrep_provider_name"], !provider.isEmpty else { return true }
        return status["wsrep_ready"] == "ON" && status["wsrep_local_state"] == "4"
            && status["wsrep_cluster_status"] == "Primary"
    }

    /// Classified like a lost connection (`ER_UNKNOWN_COM_ERROR`, what such a node answers to
    /// queries): the worker drops the handle and tries the next host.
    static func notReady(_ endpoint: DatabaseEndpoint) -> DatabaseError {
        .unavailable(code: Int(ER_UNKNOWN_COM_ERROR), message: "node \(endpoint) is not synced in the primary component")
    }

    private static func open(
        _ configuration: DatabaseConfiguration, at endpoint: DatabaseEndpoint
    ) throws(DatabaseError) -> UnsafeMutablePointer<MYSQL> {
        try ConnectorLibrary.prepareCurrentThread()
        guard let mysql = mysql_init(nil) else {
            throw DatabaseError.unavailable(code: 0, message: "mysql_init failed (out of memory)")
        }
        // mysql_optionsv is C-variadic and so not callable from Swift; mysql_options sets the same.
        var connectTimeout = UInt32(configuration.connectTimeout)
        var readTimeout = UInt32(configuration.readTimeout)
        var writeTimeout = UInt32(configuration.writeTimeout)
        var off: my_bool = 0
        var noLocalInfile: UInt32 = 0
        mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &connectTimeout)
        mysql_options(mysql, MYSQL_OPT_READ_TIMEOUT, &readTimeout)
        mysql_options(mysql, MYSQL_OPT_WRITE_TIMEOUT, &writeTimeout)
        // Auto-reconnect would silently drop prepared statements, locks and transactions.
        mysql_options(mysql, MYSQL_OPT_RECONNECT, &off)
        mysql_options(mysql, MYSQL_OPT_LOCAL_INFILE, &noLocalInfile)
        mysql_options(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4")
        mysql_options(mysql, MYSQL_INIT_COMMAND, initCommand(configuration))
        applyTLS(configuration.tls, to: mysql)

        let connected = mysql_real_connect(
            mysql, endpoint.host, configuration.user, configuration.password,
            configuration.database, UInt32(endpoint.port), configuration.socketPath,
            UInt(CLIENT_FOUND_ROWS))
        guard connected != nil else {
            let error = DatabaseError.classify(
                code: Int(mysql_errno(mysql)), message: String(cString: mysql_error(mysql)), connecting: true)
            mysql_close(mysql)
            throw error
        }
        return mysql
    }

    /// `ssl-*` options of the database URL onto Connector/C's: TLS enforced (no fallback to
    /// plain text), the server's certificate checked unless the URL turns that off.
    private static func applyTLS(_ tls: DatabaseTLS, to mysql: UnsafeMutablePointer<MYSQL>) {
        guard tls.required else { return }
        var on: my_bool = 1
        var verify: my_bool = tls.verifyServerCertificate ? 1 : 0
        mysql_options(mysql, MYSQL_OPT_SSL_ENFORCE, &on)
        mysql_options(mysql, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify)
        let files: [(mysql_option, String?)] = [
            (MYSQL_OPT_SSL_CA, tls.caFile), (MYSQL_OPT_SSL_CAPATH, tls.caPath), (MYSQL_OPT_SSL_CRL, tls.crlFile),
            (MYSQL_OPT_SSL_CERT, tls.certificateFile), (MYSQL_OPT_SSL_KEY, tls.keyFile),
            (MYSQL_OPT_SSL_CIPHER, tls.cipher), (MARIADB_OPT_TLS_VERSION, tls.versions),
        ]
        for case let (option, value?) in files {
            mysql_options(mysql, option, value)
        }
    }
}
