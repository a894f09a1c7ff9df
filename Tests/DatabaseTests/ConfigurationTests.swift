import Testing
@testable import Database

@Suite struct ConfigurationTests {
    @Test func parsesTCPURL() throws {
        let configuration = try DatabaseConfiguration(url: "mysql://library:s3cret@127.0.0.1:3307/library")
        #expect(configuration.user == "library")
        #expect(configuration.password == "s3cret")
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 3307)
        #expect(configuration.database == "library")
        #expect(configuration.socketPath == nil)
    }

    @Test func parsesSocketURLAndTimeouts() throws {
        let configuration = try DatabaseConfiguration(
            url: "mysql://root:@localhost/library_dev?socket=/tmp/run/mysqld.sock&connect_timeout=2&read_timeout=30")
        #expect(configuration.host == "localhost")
        #expect(configuration.port == 3306)
        #expect(configuration.socketPath == "/tmp/run/mysqld.sock")
        #expect(configuration.password == "")
        #expect(configuration.connectTimeout == 2)
        #expect(configuration.readTimeout == 30)
        #expect(configuration.writeTimeout == 5)
    }

    /// Galera's causality checks: set on every session only when the URL asks for them.
    @Test func wsrepSyncWaitGoesIntoTheSessionSettings() throws {
        let plain = try DatabaseConfiguration(url: "mysql://u:p@127.0.0.1:3307/library")
        #expect(plain.syncWait == nil)
        #expect(!plain.isCluster)  // its health check stays a COM_PING
        #expect(!ConnectionFactory.initCommand(plain).contains("wsrep"))
        let synced = try DatabaseConfiguration(url: "mysql://u:p@127.0.0.1:3307/library?wsrep_sync_wait=1")
        #expect(synced.syncWait == 1)
        #expect(synced.isCluster)
        #expect(ConnectionFactory.initCommand(synced).hasSuffix(", wsrep_sync_wait = 1"))
        #expect(synced.description == "mysql://u:***@127.0.0.1:3307/library?wsrep_sync_wait=1")
        for bad in ["16", "-1", "yes", ""] {
            #expect(throws: DatabaseError.self) {
                try DatabaseConfiguration(url: "mysql://u:p@127.0.0.1/library?wsrep_sync_wait=\(bad)")
            }
        }
    }

    /// A Galera cluster's nodes: tried in the order given, the options apply to all.
    @Test func parsesAListOfHosts() throws {
        let configuration = try DatabaseConfiguration(
            url: "mysql://app:p%40ss@db1:3306,db2:3307,10.0.0.3/library?connect_timeout=2&wsrep_sync_wait=1")
        #expect(configuration.user == "app" && configuration.password == "p@ss" && configuration.database == "library")
        #expect(configuration.host == "db1" && configuration.port == 3306)
        #expect(
            configuration.endpoints == [
                DatabaseEndpoint(host: "db1", port: 3306), DatabaseEndpoint(host: "db2", port: 3307),
                DatabaseEndpoint(host: "10.0.0.3", port: 3306),
            ])
        #expect(configuration.connectTimeout == 2 && configuration.syncWait == 1)
        #expect(configuration.description == "mysql://app:***@db1:3306,db2:3307,10.0.0.3:3306/library?wsrep_sync_wait=1")
        #expect(try DatabaseConfiguration(url: "mysql://u:p@h:3306/db").endpoints == [DatabaseEndpoint(host: "h", port: 3306)])
        #expect(try DatabaseConfiguration(url: "mysql://u:p@h1,h2/db").isCluster)
        for bad in [
            "mysql://u:p@h1:3306,/db", "mysql://u:p@h1,h2:x/db",
            "mysql://u:p@localhost,h2/db?socket=/tmp/s.sock",
        ] {
            #expect(throws: DatabaseError.self, "\(bad)") { try DatabaseConfiguration(url: bad) }
        }
    }

    @Test func percentDecodesUserAndPassword() throws {
        let configuration = try DatabaseConfiguration(url: "mysql://app%40x:p%3Aa%2Fss%40w%25rd@db.local/lib")
        #expect(configuration.user == "app@x")
        #expect(configuration.password == "p:a/ss@w%rd")
    }

    @Test func descriptionHidesThePassword() throws {
        let configuration = try DatabaseConfiguration(url: "mysql://u:topsecret@h:1/d")
        #expect(!configuration.description.contains("topsecret"))
    }

    @Test(arguments: [
        "postgres://u:p@h/d", "mysql://u:p@h", "mysql://u:p@h/", "mysql://:p@h/d",
        "mysql://u:p@h/d?socket=relative.sock", "mysql://u:p@h/d?read_timeout=0", "mysql://u:p@h/d?colour=red",
    ])
    func rejectsBadURLs(_ url: String) {
        #expect(throws: DatabaseError.self) { try DatabaseConfiguration(url: url) }
    }
}
