package import Database
package import Models

/// The repositories over one MariaDB connection. Each is made once, so a handler's call through
/// `any BookRepository` costs one indirect call and no allocation.
package final class MariaDBSession: StorageSession {
    package let connection: DatabaseConnection
    package let books: any BookRepository
    package let loans: any LoanRepository
    package let holds: any HoldRepository
    package let users: any UserRepository
    package let reports: any ReportRepository

    package init(connection: DatabaseConnection, holdPolicy: HoldPolicy) {
        self.connection = connection
        books = BookStore(database: connection, holdPolicy: holdPolicy)
        loans = LoanStore(database: connection, holdPolicy: holdPolicy)
        holds = HoldStore(database: connection, policy: holdPolicy)
        users = UserStore(database: connection, holdPolicy: holdPolicy)
        reports = ReportStore(database: connection)
    }

    package var isConnected: Bool { connection.isConnected }

    package func ping() throws {
        try connection.ping()
    }
}
