import CMariaDB

/// Opens one Connector/C handle with the options every session of this service needs.
enum ConnectionFactory {
    /// Run by the server at every (re)connect: UTC for DATETIME/NOW(), strict SQL so that bad
    /// data is an error rather than a warning, whatever the server's own defaults are, and a
    /// row-lock wait shorter than the client's read timeout (5 s), so a blocked statement ends
    /// as a retryable lock timeout (1205) rather than a dropped connection.
    static let initCommand = "SET time_zone = '+00:00', innodb_lock_wait_timeout = 3, sql_mode = "
        + "'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ZERO_DATE,NO_ZERO_IN_DATE,NO_ENGINE_SUBSTITUTION'"

    /// Only a URL that asks for it sets `wsrep_sync_wait`: a server without Galera support
    /// refuses the variable.
    static func initCommand(_ configuration: DatabaseConfiguration) -> String {
        configuration.syncWait.map { initCommand + ", wsrep_sync_wait = \($0)" } ?? initCommand
    }

    static func open(_ configuration: DatabaseConfiguration) throws(DatabaseError) -> UnsafeMutablePointer<MYSQL> {
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
            mysql, configuration.host, configuration.user, configuration.password,
            configuration.database, UInt32(configuration.port), configuration.socketPath,
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
