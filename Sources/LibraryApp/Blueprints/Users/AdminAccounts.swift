import Database
import Models
import Security
import HTTPTypes

/// Making admins outside the API (the `create-admin` command): the same validation and
/// storage as registration, with the admin role that no API call can grant to oneself.
public enum AdminAccounts {
    public enum Outcome: Equatable {
        case created(id: Int64)
        case alreadyExists(id: Int64)
    }

    public static func create(
        username: String, email: String, password: String,
        configuration: Configuration
    ) throws -> Outcome {
        var problems: [String: [String]] = [:]
        for (field, messages) in [
            ("username", UserRules.usernameProblems(username)),
            ("email", UserRules.emailProblems(email)),
            ("password", UserRules.passwordProblems(password)),
        ] where !messages.isEmpty {
            problems[field] = messages
        }
        guard problems.isEmpty else { throw ProblemError(.badRequest, detail: "Invalid admin account", errors: problems) }
        guard let databaseConfiguration = configuration.database else {
            throw DatabaseError.invalidConfiguration("DATABASE_URL is not set")
        }
        let store = UserStore(database: DatabaseConnection(configuration: databaseConfiguration))
        let normalizedEmail = UserRules.normalizedEmail(email)
        if let existing = try store.credentials(email: normalizedEmail)?.user,
            existing.role == .admin, existing.username.lowercased() == username.lowercased()
        {
            return .alreadyExists(id: existing.id)
        }
        let hash = try PasswordHasher(cost: configuration.passwordHashingCost).hash(password: password)
        do {
            let user = try store.insert(
                .init(
                    username: username, email: normalizedEmail, passwordHash: hash,
                    firstName: nil, lastName: nil, role: .admin))
            return .created(id: user.id)
        } catch let DatabaseError.duplicateKey(key) {
            let field = UserStore.field(forUniqueKey: key)
            throw ProblemError(.conflict, detail: "Another account already has that \(field)", errors: [field: ["Already taken."]])
        }
    }
}
