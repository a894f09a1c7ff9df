/// What a worker thread calls for each request. Each worker thread makes its own responder,
/// so per-thread resources (a database connection, a cache handle) need no lock.
public protocol FastCGIResponder: AnyObject {
    func respond(to exchange: FastCGIExchange)
}
