import Logging

/// What a handler may use besides its request: the services of the worker thread serving it.
/// One per worker thread, never shared, so nothing in it needs a lock.
public final class Context {
    public let configuration: Configuration
    public var logger: Logger

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }
}
