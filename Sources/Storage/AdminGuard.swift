import Database
import Models
import HTTPTypes

/// At least one admin always remains. A change that can take an admin away (a delete, a role
/// change) calls `checkRemoval` first in its transaction: it writes the one `admin_guard` row,
/// then counts the admins that would remain. The write, not a `FOR UPDATE`, is what holds on a
/// Galera cluster too (sql/006_admin_guard.sql tells why).
struct AdminGuard {
    let database: DatabaseConnection

    /// Refuses (`UserConflict.lastAdmin`) when `userID` is an admin and no other admin exists. Must be the
    /// first statement of the transaction: later reads then see every such change committed
    /// before this one took the guard.
    func checkRemoval(of userID: Int64) throws {
        // Matched rows (the connection counts found rows): 0 only without migration 006.
        guard try database.perform("UPDATE admin_guard SET changes = changes + 1 WHERE id = 1").affectedRows == 1 else {
            throw DatabaseError.misuse("admin_guard has no row: run library-app migrate")
        }
        guard let row = try database.fetch("SELECT role FROM users WHERE id = \(userID) FOR UPDATE").first,
            try row.string("role") == User.Role.admin.rawValue
        else { return }
        let others = try database.fetch(
            "SELECT id FROM users WHERE role = 'admin' AND id <> \(userID) LIMIT 1 LOCK IN SHARE MODE")
        guard others.isEmpty else { return }
        throw UserConflict.lastAdmin(userID: userID)
    }
}
