import Foundation
import Models
import Storage

/// `UserRepository` in memory (`UserStore`'s rules: unique username and email under a
/// case-insensitive collation, the last admin kept, no delete while books are on loan).
struct InMemoryUsers: UserRepository {
    let library: InMemoryLibrary

    func insert(_ user: NewUser) throws -> User {
        try library.change { state in
            try Self.checkUnique(username: user.username, email: user.email, except: nil, in: state)
            let created = User(
                id: state.nextID(), username: user.username, email: user.email, firstName: user.firstName, lastName: user.lastName,
                role: user.role, createdAt: library.now())
            state.users[created.id] = LibraryState.UserRow(user: created, passwordHash: user.passwordHash)
            return created
        }
    }

    func find(id: Int64) throws -> User? {
        library.read { $0.users[id]?.user }
    }

    func findForToken(userID: Int64, tokenID: String, sessionVersion: Int64) throws -> (user: User, revoked: Bool)? {
        library.read { state in
            state.users[userID].map { ($0.user, state.revokedTokens.contains(tokenID) || $0.sessionVersion != sessionVersion) }
        }
    }

    func credentials(email: String) throws -> (user: User, passwordHash: String, sessionVersion: Int64)? {
        library.read { state in
            state.users.values.first { $0.user.email.lowercased() == email.lowercased() }.map {
                ($0.user, $0.passwordHash, $0.sessionVersion)
            }
        }
    }

    func passwordHash(id: Int64) throws -> String? {
        library.read { $0.users[id]?.passwordHash }
    }

    func list(search: String?, paging: Paging) throws -> (users: [User], total: Int) {
        let users = library.read { state in
            state.users.values.map(\.user).filter { user in
                guard let search = search?.lowercased(), !search.isEmpty else { return true }
                return user.username.lowercased().contains(search) || user.email.lowercased().contains(search)
            }
        }.sorted { $0.id < $1.id }
        return (users.page(paging), users.count)
    }

    func update(id: Int64, _ changes: UserChanges) throws -> User? {
        try library.change { state in
            if let role = changes.role, role != .admin { try Self.checkRemoval(of: id, in: state) }
            guard var row = state.users[id] else { return nil }
            if let email = changes.email { try Self.checkUnique(username: nil, email: email, except: id, in: state) }
            Self.apply(changes.firstName, to: &row.user.firstName)
            Self.apply(changes.lastName, to: &row.user.lastName)
            if let email = changes.email { row.user.email = email }
            if let hash = changes.passwordHash {
                row.passwordHash = hash
                row.sessionVersion += 1
            }
            if let role = changes.role { row.user.role = role }
            state.users[id] = row
            return row.user
        }
    }

    func upgradePasswordHash(id: Int64, from old: String, to new: String) throws {
        try library.change { state in
            if state.users[id]?.passwordHash == old { state.users[id]?.passwordHash = new }
        }
    }

    func delete(id: Int64) throws -> Bool {
        try library.change { state in
            try Self.checkRemoval(of: id, in: state)
            guard state.users[id] != nil else { return false }
            guard state.activeLoans(userID: id).isEmpty else { throw UserConflict.activeLoans(userID: id) }
            for hold in state.activeHolds(userID: id).sorted(by: { $0.id < $1.id }) {
                state.holds[hold.id]?.status = .cancelled
                if hold.status == .waiting {
                    state.books[hold.bookID]?.book.holdsWaiting -= 1
                } else {
                    state.books[hold.bookID]?.book.copiesSetAside -= 1
                    state.passOn(freed: 1, bookID: hold.bookID, readyFrom: library.now(), policy: library.holdPolicy)
                }
            }
            state.holds = state.holds.filter { $0.value.userID != id }
            state.loans = state.loans.filter { $0.value.userID != id }
            state.users[id] = nil
            return true
        }
    }

    func revoke(tokenID: String, userID: Int64, expiresAt: Int64) throws {
        try library.change { state in _ = state.revokedTokens.insert(tokenID) }
    }

    /// `AdminGuard`: an admin may go only while another admin remains.
    private static func checkRemoval(of id: Int64, in state: LibraryState) throws {
        guard state.users[id]?.user.role == .admin else { return }
        guard state.users.values.contains(where: { $0.user.role == .admin && $0.user.id != id }) else {
            throw UserConflict.lastAdmin(userID: id)
        }
    }

    private static func checkUnique(username: String?, email: String?, except id: Int64?, in state: LibraryState) throws {
        for row in state.users.values where row.user.id != id {
            if let username, row.user.username.lowercased() == username.lowercased() { throw UserConflict.taken(field: "username") }
            if let email, row.user.email.lowercased() == email.lowercased() { throw UserConflict.taken(field: "email") }
        }
    }

    private static func apply(_ change: FieldChange<String>, to field: inout String?) {
        switch change {
        case .absent: break
        case .null: field = nil
        case let .value(value): field = value
        }
    }
}
