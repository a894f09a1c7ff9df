/// One worker's way to the stored data: its repositories, over one database session (or, in
/// the tests, one in-memory library). Not shared between threads.
package protocol StorageSession: AnyObject {
    var books: any BookRepository { get }
    var loans: any LoanRepository { get }
    var holds: any HoldRepository { get }
    var users: any UserRepository { get }
    var reports: any ReportRepository { get }
    /// Throws when the store cannot be reached (`/health`).
    func ping() throws
    /// Whether it holds an open connection now (metrics).
    var isConnected: Bool { get }
}
