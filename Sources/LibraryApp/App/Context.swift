import Database
import Logging
import Security

/// What a handler may use besides its request: the services of the worker thread serving it.
/// One per worker thread, never shared, so nothing in it needs a lock.
public final class Context {
    public let configuration: Configuration
    public var logger: Logger
    public let tokens: JWTSigner
    public let passwords: PasswordService
    private let databaseConnection: DatabaseConnection?

    init(configuration: Configuration, logger: Logger, tokens: JWTSigner, passwords: PasswordService,
         databaseConfiguration: DatabaseConfiguration?) {
        self.configuration = configuration
        self.logger = logger
        self.tokens = tokens
        self.passwords = passwords
        databaseConnection = databaseConfiguration.map { DatabaseConnection(configuration: $0, logger: logger) }
    }

    /// This thread's database session; it connects (or reconnects) on first use.
    public func database() throws -> DatabaseConnection {
        guard let databaseConnection else { throw DatabaseError.unavailable(code: 0, message: "DATABASE_URL is not set") }
        return databaseConnection
    }
}
