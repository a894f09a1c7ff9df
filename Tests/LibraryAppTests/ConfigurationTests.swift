import Cache
import Testing
@testable import LibraryApp
import Database

@Suite struct ConfigurationTests {
    @Test func defaultsToDevelopment() throws {
        let configuration = try Configuration.fromEnvironment([:])
        #expect(configuration.environment == .development)
        #expect(configuration.maximumBodyBytes == 1 << 20)
    }

    /// No environment has a built-in key: without SECRET_KEY (or with a short one) nothing that
    /// signs tokens may start, whatever LIBRARY_ENV says.
    @Test func noEnvironmentHasABuiltInSigningKey() throws {
        for environment in Configuration.Environment.allCases where environment != .production {
            let configuration = try Configuration.fromEnvironment(["LIBRARY_ENV": environment.rawValue])
            #expect(configuration.secretKey.isEmpty)
            #expect(throws: Configuration.Invalid.self) { try configuration.checkSigningKey() }
            let short = try Configuration.fromEnvironment(["LIBRARY_ENV": environment.rawValue, "SECRET_KEY": "short"])
            #expect(throws: Configuration.Invalid.self) { try short.checkSigningKey() }
            let good = try Configuration.fromEnvironment([
                "LIBRARY_ENV": environment.rawValue,
                "SECRET_KEY": String(repeating: "x", count: 32),
            ])
            #expect(throws: Never.self) { try good.checkSigningKey() }
        }
    }

    @Test func productionRefusesACheapPasswordHash() {
        let base = [
            "LIBRARY_ENV": "production", "SECRET_KEY": String(repeating: "x", count: 32),
            "DATABASE_URL": "mysql://app:pw@127.0.0.1:3306/library",
        ]
        #expect(throws: Configuration.Invalid.self) {
            try Configuration.fromEnvironment(base.merging(["PASSWORD_HASH_COST": "ln=13,r=8,p=1"]) { $1 })
        }
        #expect(throws: Configuration.Invalid.self) {
            try Configuration.fromEnvironment(base.merging(["PASSWORD_HASH_COST": "ln=1,r=8,p=1"]) { $1 })
        }
        #expect(throws: Never.self) {
            try Configuration.fromEnvironment(base.merging(["PASSWORD_HASH_COST": "ln=14,r=8,p=1"]) { $1 })
        }
        // Testing keeps its cheap default; development may choose any cost.
        #expect(throws: Never.self) { try Configuration.fromEnvironment(["PASSWORD_HASH_COST": "ln=4,r=8,p=1"]) }
    }

    @Test func productionRefusesWeakOrMissingSecretsAndMissingDatabase() {
        let database = "mysql://app:pw@127.0.0.1:3306/library"
        #expect(throws: Configuration.Invalid.self) {
            try Configuration.fromEnvironment(["LIBRARY_ENV": "production", "DATABASE_URL": database])
        }
        #expect(throws: Configuration.Invalid.self) {
            try Configuration.fromEnvironment(["LIBRARY_ENV": "production", "SECRET_KEY": "short", "DATABASE_URL": database])
        }
        #expect(throws: Configuration.Invalid.self) {
            try Configuration.fromEnvironment(["LIBRARY_ENV": "production", "SECRET_KEY": String(repeating: "x", count: 32)])
        }
        #expect(throws: Never.self) {
            try Configuration.fromEnvironment([
                "LIBRARY_ENV": "production", "SECRET_KEY": String(repeating: "x", count: 32),
                "DATABASE_URL": database,
            ])
        }
    }

    @Test func failedSignInsPerAccountHaveALimitOfTheirOwn() throws {
        #expect(
            try Configuration.fromEnvironment([:]).rateLimits.accountLoginLimits == [
                RateLimit(amount: 10, multiples: 15, granularity: .minute)
            ])
        let set = try Configuration.fromEnvironment(["RATELIMIT_LOGIN_ACCOUNT": "3 per hour"])
        #expect(set.rateLimits.accountLoginLimits == [RateLimit(amount: 3, granularity: .hour)])
        #expect(throws: Configuration.Invalid.self) { try Configuration.fromEnvironment(["RATELIMIT_LOGIN_ACCOUNT": "lots"]) }
    }

    @Test func rejectsUnknownValues() {
        #expect(throws: Configuration.Invalid.self) { try Configuration.fromEnvironment(["LIBRARY_ENV": "staging"]) }
        #expect(throws: Configuration.Invalid.self) { try Configuration.fromEnvironment(["LOG_LEVEL": "loud"]) }
        #expect(throws: Configuration.Invalid.self) { try Configuration.fromEnvironment(["ACCESS_LOG": "maybe"]) }
    }

    @Test func logDescriptionMasksSecrets() throws {
        let configuration = try Configuration.fromEnvironment([
            "SECRET_KEY": "super-secret-value-that-is-long-enough", "DATABASE_URL": "mysql://app:hunter2@db:3306/library",
            "MEMCACHED_SERVERS": "127.0.0.1:11211, /run/mc.sock",
        ])
        let text = configuration.loggableDescription
        #expect(!text.contains("super-secret"))
        #expect(!text.contains("hunter2"))
        #expect(text.contains("mysql://app:***@db:3306/library"))
        #expect(configuration.memcachedServers == ["127.0.0.1:11211", "/run/mc.sock"])
    }

    /// A `didSet` does not run for assignments in the type's own initializer: the memberwise
    /// `databaseURL` must still give a database, as `fromEnvironment` does.
    @Test func theInitializerParsesTheDatabaseURL() throws {
        let url = "mysql://app:pw@127.0.0.1:3307/library"
        let configuration = Configuration(environment: .testing, secretKey: String(repeating: "k", count: 32), databaseURL: url)
        #expect(configuration.database?.host == "127.0.0.1")
        #expect(configuration.database?.port == 3307)
        #expect(configuration.database?.database == "library")
        #expect(Configuration(environment: .testing, secretKey: "").database == nil)
        var changed = configuration
        changed.databaseURL = nil
        #expect(changed.database == nil)
    }
}
