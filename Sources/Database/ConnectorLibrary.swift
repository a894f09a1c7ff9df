import CMariaDB
#if canImport(Glibc)
    import Glibc
#endif

/// Connector/C's process and thread set-up, done lazily by the first connection of each.
///
/// `mysql_server_init` is not thread-safe, so it runs once per process through a global `let`
/// (Swift initialises globals exactly once, under a lock). `mysql_thread_init` runs once per
/// thread that opens a connection, and `mysql_thread_end` when that thread exits (a pthread key
/// destructor), as the Connector/C documentation asks of threaded clients.
enum ConnectorLibrary {
    private static let initialised: Bool = mysql_server_init(0, nil, nil) == 0

    private static let threadKey: pthread_key_t = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { _ in mysql_thread_end() }
        precondition(status == 0, "pthread_key_create failed")
        return key
    }()

    /// Call before using Connector/C on the current thread.
    static func prepareCurrentThread() throws(DatabaseError) {
        guard initialised else { throw DatabaseError.other(code: 0, message: "mysql_server_init failed") }
        if pthread_getspecific(threadKey) == nil {
            _ = mysql_thread_init()
            // Any non-NULL value: it only marks the thread and makes the destructor run.
            pthread_setspecific(threadKey, UnsafeRawPointer(bitPattern: 1))
        }
    }
}
