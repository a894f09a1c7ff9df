public import Models

/// Who is calling: the user behind a verified, unrevoked token, with the role the database
/// holds now (a demoted admin loses admin rights at once, whatever the token says).
public struct Principal: Sendable, Equatable {
    /// The caller's record as the database holds it now (read with the token check, in one query).
    public let user: User
    public let tokenID: String
    /// Unix time the token expires; a revocation is kept until then.
    public let tokenExpiresAt: Int64

    public var userID: Int64 { user.id }
    public var role: User.Role { user.role }
    public var isAdmin: Bool { role == .admin }

    /// For `ownerOrAdmin` routes: anyone else is told the resource does not exist (`404`),
    /// so that ids of other users' records reveal nothing.
    public func requireOwnerOrAdmin(ownerID: Int64, notFound: @autoclosure () -> ProblemError) throws(ProblemError) {
        guard isAdmin || ownerID == userID else { throw notFound() }
    }
}
