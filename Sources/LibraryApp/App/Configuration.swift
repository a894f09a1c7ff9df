public import Cache
public import Database
import Foundation
public import Logging
public import Models
public import Security

/// The application's settings, read once from the environment. `LIBRARY_ENV` names the set of
/// defaults, as the Development / Testing / Production classes of the Flask `config.py`.
public struct Configuration: Sendable {
    public enum Environment: String, Sendable, CaseIterable {
        case development, testing, production
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    public var environment: Environment
    /// The HS256 signing key, from `SECRET_KEY` only: no key is ever built in, so no process can
    /// sign with a key published in this repository. `serve` refuses to start without one of at
    /// least 32 bytes (RFC 8725: a key as long as the hash), whatever `LIBRARY_ENV` says.
    public var secretKey: String
    public var databaseURL: String? {
        didSet { database = Self.parse(databaseURL) }
    }
    /// `databaseURL` parsed; `fromEnvironment` refuses a URL that does not parse.
    public private(set) var database: DatabaseConfiguration?
    public var memcachedServers: [String]
    /// `memcachedServers` as the client takes them (validated by `fromEnvironment`). Parsed at
    /// each call: keep the result rather than ask again on a request's path.
    /// A failed server is not removed from the hash ring: its keys fail (a miss, a lost
    /// invalidation) rather than move to another server where other processes would not look.
    public var memcached: MemcachedConfiguration? {
        guard !memcachedServers.isEmpty,
            var settings = try? MemcachedConfiguration(
                serverList: memcachedServers.joined(separator: ","),
                keyPrefix: "library-api:")
        else { return nil }
        settings.removeFailedServers = false
        return settings
    }
    public var logLevel: Logger.Level
    /// `LOG_FORMAT`: `text` (default) or `json`, one object a line for log shippers.
    public var logFormat: LogFormat = .text
    public var accessLog: Bool
    /// `METRICS_DIR`: where each process keeps its counter file, so that one scrape shows the
    /// whole pool of the host (`PoolMetrics`). Unset: each process shows only itself.
    public var metricsDirectory: String?
    /// Request bodies above this are refused with `413` (docs/api.md, Conventions: 1 MiB).
    public var maximumBodyBytes: Int = 1 << 20
    /// scrypt cost of new password hashes (`PASSWORD_HASH_COST`, e.g. `ln=15,r=8,p=1`).
    public var passwordHashingCost: PasswordHashingCost = .production
    /// Lifetime of issued tokens (`JWT_EXPIRES_SECONDS`, default one hour).
    public var tokenLifetimeSeconds: Int64 = 3600
    /// Clock skew tolerated on `exp`/`nbf`/`iat` (`JWT_LEEWAY_SECONDS`, default 0, at most 300).
    public var tokenLeewaySeconds: Int64 = 0
    /// `LOAN_PERIOD_DAYS` (default 14), `MAX_ACTIVE_LOANS` (default 5), `MAX_RENEWALS` (default 2).
    public var loanPolicy = LoanPolicy()
    /// `MAX_HOLDS` (default 5, 1–100), `HOLD_PICKUP_SECONDS` (default 259200, 1–2592000).
    public var holdPolicy = HoldPolicy()
    /// Seconds a cached book read lives (`CACHE_DEFAULT_TIMEOUT`, default 60). Writes invalidate
    /// it sooner: a read is never stale.
    public var cacheTimeoutSeconds = 60
    /// A request that waited longer than this before a worker could start it is refused with
    /// `503` (`MAX_QUEUE_WAIT_MS`, default 2000; 0 turns shedding off). See `QueueWait`.
    public var maximumQueueWaitSeconds = 2.0
    public var rateLimits = RateLimitSettings()

    /// Flask-Limiter's settings (docs/api.md, Rate limits).
    public struct RateLimitSettings: Sendable {
        /// `RATELIMIT_ENABLED` (default true).
        public var enabled = true
        /// `RATELIMIT_FAIL_CLOSED`: refuse requests (`503`) while memcached is unreachable, instead of
        /// serving them unlimited (the default).
        public var failClosed = false
        /// `RATELIMIT_DEFAULT` (default `200 per day`), counted per route and client address.
        public var defaultLimits = [RateLimit(amount: 200, granularity: .day)]
        /// `RATELIMIT_LOGIN` (default `5 per 10 minute`) for `POST /users/login`.
        public var loginLimits = [RateLimit(amount: 5, multiples: 10, granularity: .minute)]
        /// `RATELIMIT_REGISTER` (default `20 per hour`) for `POST /users/register`.
        public var registerLimits = [RateLimit(amount: 20, granularity: .hour)]
        /// `RATELIMIT_LOGIN_ACCOUNT` (default `10 per 15 minute`): failed sign-ins per account,
        /// from every address together (`AccountLockout`).
        public var accountLoginLimits = [RateLimit(amount: 10, multiples: 15, granularity: .minute)]
        /// `RATELIMIT_TRUSTED_PROXIES`: peer addresses whose `X-Forwarded-For` names the client.
        public var trustedProxies: Set<String> = []

        public func limits(for route: RouteLimit) -> [RateLimit] {
            switch route {
            case .default: return defaultLimits
            case .login: return loginLimits
            case .register: return registerLimits
            case .exempt: return []
            }
        }
    }

    public static let minimumSecretKeyBytes = 32

    private static func parse(_ databaseURL: String?) -> DatabaseConfiguration? {
        databaseURL.flatMap { try? DatabaseConfiguration(url: $0) }
    }

    public init(
        environment: Environment, secretKey: String, databaseURL: String? = nil,
        memcachedServers: [String] = [], logLevel: Logger.Level = .info, accessLog: Bool = true
    ) {
        self.environment = environment
        self.secretKey = secretKey
        self.databaseURL = databaseURL
        database = Self.parse(databaseURL)  // didSet does not run in the type's own init
        self.memcachedServers = memcachedServers
        self.logLevel = logLevel
        self.accessLog = accessLog
    }

    /// Reads the configuration from environment variables; refuses what production must not run with.
    public static func fromEnvironment(_ variables: [String: String]) throws(Invalid) -> Configuration {
        func value(_ name: String) -> String? {
            guard let text = variables[name], !text.isEmpty else { return nil }
            return text
        }

        let environmentName = value("LIBRARY_ENV") ?? "development"
        guard let environment = Environment(rawValue: environmentName) else {
            throw Invalid(description: "LIBRARY_ENV must be one of development, testing, production (got \"\(environmentName)\")")
        }

        var configuration = Configuration(environment: environment, secretKey: value("SECRET_KEY") ?? "")
        switch environment {
        case .development:
            configuration.logLevel = .debug
        case .testing:
            configuration.logLevel = .info
            configuration.passwordHashingCost = .testing
        case .production:
            configuration.logLevel = .info
        }

        if let url = value("DATABASE_URL") {
            do {
                _ = try DatabaseConfiguration(url: url)
            } catch {
                throw Invalid(description: "DATABASE_URL is not a valid mysql://USER:PASSWORD@HOST:PORT/DATABASE URL: \(error)")
            }
            configuration.databaseURL = url
        }
        configuration.memcachedServers = (value("MEMCACHED_SERVERS") ?? "")
            .split(separator: ",").map { $0.trimmingSpaces() }.filter { !$0.isEmpty }

        if let level = value("LOG_LEVEL") {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw Invalid(description: "LOG_LEVEL must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            configuration.logLevel = parsed
        }

        if let cost = value("PASSWORD_HASH_COST") {
            guard let parsed = parseCost(cost) else {
                throw Invalid(description: "PASSWORD_HASH_COST must look like ln=15,r=8,p=1 (scrypt N=2^ln, r, p)")
            }
            configuration.passwordHashingCost = parsed
        }
        func integer(_ name: String, in range: ClosedRange<Int>) throws(Invalid) -> Int? {
            guard let text = value(name) else { return nil }
            guard let number = Int(text), range.contains(number) else {
                throw Invalid(description: "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
            }
            return number
        }
        func limits(_ name: String) throws(Invalid) -> [RateLimit]? {
            guard let text = value(name) else { return nil }
            do {
                return try RateLimit.parseList(text)
            } catch {
                throw Invalid(description: "\(name): \(error) (use e.g. \"200 per day\" or \"5 per 10 minute;100 per day\")")
            }
        }
        func flag(_ name: String) throws(Invalid) -> Bool? {
            guard let text = value(name) else { return nil }
            guard let parsed = parseBool(text) else { throw Invalid(description: "\(name) must be true or false") }
            return parsed
        }

        if let format = value("LOG_FORMAT") {
            guard let parsed = LogFormat(rawValue: format.lowercased()) else {
                throw Invalid(description: "LOG_FORMAT must be text or json")
            }
            configuration.logFormat = parsed
        }
        if let enabled = try flag("ACCESS_LOG") { configuration.accessLog = enabled }
        if let directory = value("METRICS_DIR") {
            guard directory.hasPrefix("/") else { throw Invalid(description: "METRICS_DIR must be an absolute path") }
            configuration.metricsDirectory = directory
        }
        if let seconds = try integer("JWT_EXPIRES_SECONDS", in: 60...31_536_000) { configuration.tokenLifetimeSeconds = Int64(seconds) }
        if let seconds = try integer("JWT_LEEWAY_SECONDS", in: 0...300) { configuration.tokenLeewaySeconds = Int64(seconds) }
        if let days = try integer("LOAN_PERIOD_DAYS", in: 1...365) { configuration.loanPolicy.loanPeriodDays = days }
        if let count = try integer("MAX_ACTIVE_LOANS", in: 1...1000) { configuration.loanPolicy.maximumActiveLoans = count }
        if let count = try integer("MAX_RENEWALS", in: 0...100) { configuration.loanPolicy.maximumRenewals = count }
        if let count = try integer("MAX_HOLDS", in: HoldPolicy.maximumActiveHoldsRange) {
            configuration.holdPolicy.maximumActiveHolds = count
        }
        if let seconds = try integer("HOLD_PICKUP_SECONDS", in: HoldPolicy.pickupSecondsRange) {
            configuration.holdPolicy.pickupSeconds = seconds
        }

        if let seconds = try integer("CACHE_DEFAULT_TIMEOUT", in: 1...86_400) { configuration.cacheTimeoutSeconds = seconds }
        if let milliseconds = try integer("MAX_QUEUE_WAIT_MS", in: 0...600_000) {
            configuration.maximumQueueWaitSeconds = milliseconds == 0 ? .infinity : Double(milliseconds) / 1000
        }
        if let enabled = try flag("RATELIMIT_ENABLED") { configuration.rateLimits.enabled = enabled }
        if let closed = try flag("RATELIMIT_FAIL_CLOSED") { configuration.rateLimits.failClosed = closed }
        if let parsed = try limits("RATELIMIT_DEFAULT") { configuration.rateLimits.defaultLimits = parsed }
        if let parsed = try limits("RATELIMIT_LOGIN") { configuration.rateLimits.loginLimits = parsed }
        if let parsed = try limits("RATELIMIT_REGISTER") { configuration.rateLimits.registerLimits = parsed }
        if let parsed = try limits("RATELIMIT_LOGIN_ACCOUNT") { configuration.rateLimits.accountLoginLimits = parsed }
        if let proxies = value("RATELIMIT_TRUSTED_PROXIES") {
            configuration.rateLimits.trustedProxies = Set(proxies.split(separator: ",").map { $0.trimmingSpaces() }.filter { !$0.isEmpty })
        }
        if !configuration.memcachedServers.isEmpty {
            do {
                _ = try MemcachedConfiguration(serverList: configuration.memcachedServers.joined(separator: ","))
            } catch {
                throw Invalid(description: "MEMCACHED_SERVERS: \(error)")
            }
        }

        if environment == .production {
            try configuration.checkSigningKey()
            guard configuration.databaseURL != nil else {
                throw Invalid(description: "production needs DATABASE_URL (mysql://USER:PASSWORD@HOST:PORT/DATABASE)")
            }
            guard !configuration.passwordHashingCost.isWeaker(than: minimumProductionHashingCost) else {
                throw Invalid(
                    description:
                        "production needs PASSWORD_HASH_COST of at least \(minimumProductionHashingCost) (got \(configuration.passwordHashingCost))"
                )
            }
        }
        return configuration
    }

    /// The weakest scrypt cost production accepts: N = 2^14 is the floor of current guidance.
    public static let minimumProductionHashingCost = PasswordHashingCost(ln: 14, r: 8, p: 1)!

    /// Throws unless `SECRET_KEY` can sign tokens: set, and at least 32 bytes. Everything that
    /// signs or verifies tokens (`serve`) calls it, in every environment; commands that sign
    /// nothing (`migrate`, `routes`) do not need a key.
    public func checkSigningKey() throws(Invalid) {
        guard secretKey.utf8.count >= Self.minimumSecretKeyBytes else {
            let problem = secretKey.isEmpty ? "is not set" : "is shorter than \(Self.minimumSecretKeyBytes) bytes"
            throw Invalid(description: "SECRET_KEY \(problem): tokens are signed with it (make one with `openssl rand -hex 32`)")
        }
    }

    /// `ln=15,r=8,p=1` → the scrypt cost, or nil.
    static func parseCost(_ text: String) -> PasswordHashingCost? {
        var values: [String: Int] = [:]
        for part in text.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, let number = Int(pair[1]) else { return nil }
            values[String(pair[0]).trimmingCharacters(in: .whitespaces)] = number
        }
        guard values.count == 3, let ln = values["ln"], let r = values["r"], let p = values["p"] else { return nil }
        return PasswordHashingCost(ln: ln, r: r, p: p)
    }

    static func parseBool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: return nil
        }
    }

    /// For the startup log line: every setting, with secrets masked.
    public var loggableDescription: String {
        [
            "environment=\(environment.rawValue)",
            "secret_key=<\(secretKey.utf8.count) bytes>",
            "database_url=\(databaseURL.map(Self.maskingPassword) ?? "<unset>")",
            "memcached_servers=\(memcachedServers.isEmpty ? "<none>" : memcachedServers.joined(separator: ","))",
            "log_level=\(logLevel.rawValue)",
            "log_format=\(logFormat.rawValue)",
            "access_log=\(accessLog)",
            "metrics_dir=\(metricsDirectory ?? "<unset>")",
            "maximum_body_bytes=\(maximumBodyBytes)",
            "password_hash_cost=\(passwordHashingCost)",
            "jwt_expires_seconds=\(tokenLifetimeSeconds)",
            "jwt_leeway_seconds=\(tokenLeewaySeconds)",
            "loan_period_days=\(loanPolicy.loanPeriodDays)",
            "max_active_loans=\(loanPolicy.maximumActiveLoans)",
            "max_renewals=\(loanPolicy.maximumRenewals)",
            "max_holds=\(holdPolicy.maximumActiveHolds)",
            "hold_pickup_seconds=\(holdPolicy.pickupSeconds)",
            "cache_default_timeout=\(cacheTimeoutSeconds)",
            "max_queue_wait_ms=\(maximumQueueWaitSeconds.isFinite ? String(Int(maximumQueueWaitSeconds * 1000)) : "off")",
            "ratelimit_enabled=\(rateLimits.enabled)",
            "ratelimit_default=\(rateLimits.defaultLimits.map(\.description).joined(separator: ";"))",
            "ratelimit_login=\(rateLimits.loginLimits.map(\.description).joined(separator: ";"))",
            "ratelimit_register=\(rateLimits.registerLimits.map(\.description).joined(separator: ";"))",
            "ratelimit_login_account=\(rateLimits.accountLoginLimits.map(\.description).joined(separator: ";"))",
            "ratelimit_fail_closed=\(rateLimits.failClosed)",
            "ratelimit_trusted_proxies=\(rateLimits.trustedProxies.sorted().joined(separator: ","))",
        ].joined(separator: " ")
    }

    /// `mysql://app:s3cret@host/db` → `mysql://app:***@host/db`.
    static func maskingPassword(_ url: String) -> String {
        guard let scheme = url.range(of: "://"),
            let at = url[scheme.upperBound...].lastIndex(of: "@")
        else { return url }
        let credentials = url[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }
}
