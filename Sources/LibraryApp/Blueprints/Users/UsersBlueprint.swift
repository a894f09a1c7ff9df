import Foundation
import Models
import Security
import HTTPTypes
import JSON
import Storage

/// `/users`: registration, login and logout, the caller's own account, and user administration.
enum UsersBlueprint {
    static func make() -> Blueprint {
        var users = Blueprint("users", prefix: "/users")
        users.post("/register", access: .everyone, limit: .register, register)
        users.post("/login", access: .everyone, limit: .login, login)
        users.post("/logout", access: .user, logout)
        users.get("/me", access: .user, showMe)
        users.patch("/me", access: .user, updateMe)
        // A deleted user's holds are cancelled: their books' holds_waiting or copies change.
        users.delete("/me", access: .user, invalidates: .books, deleteMe)
        users.get("", access: .admin, list)
        users.get("/{id}", access: .ownerOrAdmin, show)
        users.patch("/{id}", access: .admin, update)
        users.delete("/{id}", access: .admin, invalidates: .books, delete)
        return users
    }

    // MARK: registration and sessions

    @Sendable static func register(_ request: Request, _ context: Context) throws -> Response {
        let input = try UserSchemas.registration(request.jsonObject())
        let hash = try context.passwords.hash(password: input.password)
        let user = try context.storage().users.insert(
            NewUser(
                username: input.username, email: input.email, passwordHash: hash,
                firstName: input.firstName, lastName: input.lastName, role: .user))
        return .created(at: "/users/\(user.id)") { UserSchemas.write(user, to: &$0) }
    }

    @Sendable static func login(_ request: Request, _ context: Context) throws -> Response {
        let input = try UserSchemas.login(request.jsonObject())
        let lockout = try AccountLockout.begin(email: input.email, context: context)
        // Only a wrong email or password is a failed sign-in; any other outcome gives its place back.
        var refused = false
        defer { if !refused { lockout?.giveBack(context: context) } }
        let store = try context.storage().users
        guard let account = try store.credentials(email: input.email) else {
            try context.passwords.verifyDummy(password: input.password)  // the same time as a wrong password
            refused = true
            throw badCredentials()
        }
        guard try context.passwords.verify(password: input.password, against: account.passwordHash) else {
            refused = true
            throw badCredentials()
        }
        if context.passwords.needsRehash(account.passwordHash) {
            try store.upgradePasswordHash(
                id: account.user.id, from: account.passwordHash,
                to: context.passwords.hash(password: input.password))
        }
        let lifetime = context.configuration.tokenLifetimeSeconds
        let claims = JWTClaims.issue(
            sub: String(account.user.id), role: account.user.role.rawValue, lifetime: lifetime,
            sessionVersion: account.sessionVersion)
        let token = context.tokens.sign(claims: claims)
        var headers = HTTPFields()
        headers[.cacheControl] = "no-store"
        return .json(headers: headers) { json in
            json.object { body in
                body.field("token", token)
                body.field("token_type", "Bearer")
                body.key("expires_in"); body.integer(lifetime)
                body.key("user"); UserSchemas.write(account.user, to: &body)
            }
        }
    }

    @Sendable static func logout(_ request: Request, _ context: Context) throws -> Response {
        let caller = try request.requirePrincipal()
        try context.storage().users
            .revoke(tokenID: caller.tokenID, userID: caller.userID, expiresAt: caller.tokenExpiresAt)
        context.invalidate { try AuthCache(client: $0, seal: context.cacheSeal).forget(tokenID: caller.tokenID, userID: caller.userID) }
        return .noContent()
    }

    // MARK: the caller's own account

    @Sendable static func showMe(_ request: Request, _ context: Context) throws -> Response {
        ok(try request.requirePrincipal().user)
    }

    @Sendable static func updateMe(_ request: Request, _ context: Context) throws -> Response {
        let caller = try request.requirePrincipal()
        let input = try UserSchemas.profileUpdate(request.jsonObject())
        let store = try context.storage().users
        if let current = input.currentPassword, input.email != nil || input.password != nil {
            guard let hash = try store.passwordHash(id: caller.userID),
                try context.passwords.verify(password: current, against: hash)
            else {
                throw ProblemError(
                    .badRequest, detail: "The request body has invalid fields",
                    errors: ["current_password": ["Incorrect password."]])
            }
        }
        var changes = UserChanges(firstName: input.firstName, lastName: input.lastName, email: input.email)
        if let password = input.password { changes.passwordHash = try context.passwords.hash(password: password) }
        guard let user = try store.update(id: caller.userID, changes) else { throw notFound(caller.userID) }
        context.forgetCachedUser(caller.userID)
        return ok(user)
    }

    @Sendable static func deleteMe(_ request: Request, _ context: Context) throws -> Response {
        let caller = try request.requirePrincipal()
        try deleteUser(caller.userID, context: context)
        return .noContent()
    }

    // MARK: administration

    @Sendable static func list(_ request: Request, _ context: Context) throws -> Response {
        var errors: [String: [String]] = [:]
        let pagination = Pagination.read(from: request.query, errors: &errors)
        if let search = request.query["q"], search.count > 254 {
            errors["q", default: []].append("Longer than maximum length 254.")
        }
        guard errors.isEmpty else { throw ProblemError(.badRequest, detail: "Invalid query parameters", errors: errors) }
        let page = try context.storage().users.list(search: request.query["q"], paging: pagination.paging)
        return .json(headers: pagination.headers(total: page.total, path: "/users", query: request.query, filters: ["q"])) { json in
            json.array { list in page.users.forEach { UserSchemas.write($0, to: &list) } }
        }
    }

    @Sendable static func show(_ request: Request, _ context: Context) throws -> Response {
        let caller = try request.requirePrincipal()
        let id = try request.pathParameters.id()
        try caller.requireOwnerOrAdmin(ownerID: id, notFound: notFound(id))
        if id == caller.userID { return ok(caller.user) }
        return try ok(existing(id, in: context.storage().users))
    }

    @Sendable static func update(_ request: Request, _ context: Context) throws -> Response {
        let caller = try request.requirePrincipal()
        let id = try request.pathParameters.id()
        let changes = try UserSchemas.adminUpdate(request.jsonObject())
        if id == caller.userID, let role = changes.role, role != caller.role {
            throw ProblemError(.conflict, detail: "Admins cannot change their own role; ask another admin")
        }
        // A demotion is never of the last admin (the store's guard), even when two admins
        // demote each other at once.
        guard let user = try context.storage().users.update(id: id, changes) else { throw notFound(id) }
        context.forgetCachedUser(id)
        return ok(user)
    }

    @Sendable static func delete(_ request: Request, _ context: Context) throws -> Response {
        try deleteUser(request.pathParameters.id(), context: context)
        return .noContent()
    }

    // MARK: helpers

    /// Deletes a user with their history, their holds cancelled (`UserRepository.delete`: `409`
    /// while they have books on loan, or for the last admin).
    private static func deleteUser(_ id: Int64, context: Context) throws {
        guard try context.storage().users.delete(id: id) else { throw notFound(id) }
        context.forgetCachedUser(id)
    }

    private static func existing(_ id: Int64, in store: any UserRepository) throws -> User {
        guard let user = try store.find(id: id) else { throw notFound(id) }
        return user
    }

    private static func ok(_ user: User) -> Response {
        .json { UserSchemas.write(user, to: &$0) }
    }

    static func notFound(_ id: Int64) -> ProblemError {
        ProblemError(.notFound, detail: "User \(id) not found")
    }

    private static func badCredentials() -> ProblemError {
        BearerAuthenticator.unauthorized("Invalid email or password", challenge: BearerAuthenticator.challenge)
    }
}
