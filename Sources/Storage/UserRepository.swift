package import Models

/// A new user's fields, already validated and normalised.
package struct NewUser: Sendable, Equatable {
    package var username: String
    package var email: String
    package var passwordHash: String
    package var firstName: String?
    package var lastName: String?
    package var role: User.Role

    package init(username: String, email: String, passwordHash: String, firstName: String?, lastName: String?, role: User.Role) {
        self.username = username
        self.email = email
        self.passwordHash = passwordHash
        self.firstName = firstName
        self.lastName = lastName
        self.role = role
    }
}

/// A change to a user: nil and `.absent` fields stay as they are.
package struct UserChanges: Sendable, Equatable {
    package var firstName: FieldChange<String> = .absent
    package var lastName: FieldChange<String> = .absent
    package var email: String?
    /// A new password's hash; every token issued before stops working.
    package var passwordHash: String?
    package var role: User.Role?

    package init(
        firstName: FieldChange<String> = .absent, lastName: FieldChange<String> = .absent, email: String? = nil,
        passwordHash: String? = nil, role: User.Role? = nil
    ) {
        self.firstName = firstName
        self.lastName = lastName
        self.email = email
        self.passwordHash = passwordHash
        self.role = role
    }
}

/// The accounts and the revoked tokens (`UserStore` on MariaDB; an in-memory one in the tests).
/// A taken username or email throws `UserConflict.taken`; taking the last admin away,
/// `UserConflict.lastAdmin`.
package protocol UserRepository {
    func insert(_ user: NewUser) throws -> User
    func find(id: Int64) throws -> User?
    /// A token's user, and whether that token was revoked (a logout, or a password change
    /// since the token's session version).
    func findForToken(userID: Int64, tokenID: String, sessionVersion: Int64) throws -> (user: User, revoked: Bool)?
    /// The user, password hash and session version for a login, read together.
    func credentials(email: String) throws -> (user: User, passwordHash: String, sessionVersion: Int64)?
    func passwordHash(id: Int64) throws -> String?
    /// A page of users whose username or email contains `search`, and the total count.
    func list(search: String?, paging: Paging) throws -> (users: [User], total: Int)
    /// The user as changed, or nil when there is no such user.
    func update(id: Int64, _ changes: UserChanges) throws -> User?
    /// A stronger hash of the same password, only if the password was not changed meanwhile.
    func upgradePasswordHash(id: Int64, from old: String, to new: String) throws
    /// Deletes the user with their history, their active holds cancelled; false when there is
    /// no such user. `UserConflict.activeLoans` while books are on loan to them.
    func delete(id: Int64) throws -> Bool
    /// Refuses the token from now until it would have expired.
    func revoke(tokenID: String, userID: Int64, expiresAt: Int64) throws
}
