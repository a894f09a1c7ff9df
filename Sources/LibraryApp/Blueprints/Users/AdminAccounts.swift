import Database
import Models
import Security
import HTTPTypes
import Storage

/// Making admins outside the API (the `create-admin` command): the same validation and
/// storage as registration, with the admin role that no API call can grant to oneself.
public enum AdminAccounts {
    public enum Outcome: Equatable {
        case created(id: Int64)
        case alreadyExists(id: Int64)
    }

    /// Why no admin was made (beside a database failure).
    public enum Refusal: Error, Equatable {
        /// The fields break the rules of registration: messages per field.
        case invalid(problems: [String: [String]])
        /// Another account has the username or the email.
        case taken(field: String)

        public var message: String {
            switch self {
            case let .invalid(problems):
                let fields = problems.map { "\($0.key): \($0.value.joined(separator: " "))" }.sorted().joined(separator: "; ")
                return "Invalid admin account (\(fields))"
            case let .taken(field):
                return "Another account already has that \(field) (\(field): Already taken.)"
            }
        }
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
        guard problems.isEmpty else { throw Refusal.invalid(problems: problems) }
        guard let databaseConfiguration = configuration.database else {
            throw DatabaseError.invalidConfiguration("DATABASE_URL is not set")
        }
        let store = UserStore(database: DatabaseConnection(configuration: databaseConfiguration), holdPolicy: configuration.holdPolicy)
        let normalizedEmail = UserRules.normalizedEmail(email)
        if let existing = try store.credentials(email: normalizedEmail)?.user,
            existing.role == .admin, existing.username.lowercased() == username.lowercased()
        {
            return .alreadyExists(id: existing.id)
        }
        let hash = try PasswordHasher(cost: configuration.passwordHashingCost).hash(password: password)
        do {
            let user = try store.insert(
                NewUser(
                    username: username, email: normalizedEmail, passwordHash: hash,
                    firstName: nil, lastName: nil, role: .admin))
            return .created(id: user.id)
        } catch let UserConflict.taken(field) {
            throw Refusal.taken(field: field)
        }
    }
}
