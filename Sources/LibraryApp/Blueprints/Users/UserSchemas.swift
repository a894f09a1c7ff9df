import Basics
import Models
import JSON
import HTTPTypes
import Storage

/// Request and response shapes of the users blueprint (the `schemas.py` of the Flask design).
enum UserSchemas {
    struct Registration {
        var username: String
        var email: String
        var password: String
        var firstName: String?
        var lastName: String?
    }

    static func registration(_ object: [String: JSONValue]) throws(ProblemError) -> Registration {
        var reader = SchemaReader(object)
        let username = reader.string("username", required: true, check: UserRules.usernameProblems)
        let email = reader.string("email", required: true, check: UserRules.emailProblems)
        let password = reader.string("password", required: true, check: UserRules.passwordProblems)
        let firstName = reader.string("first_name", nullable: true, check: UserRules.nameProblems)
        let lastName = reader.string("last_name", nullable: true, check: UserRules.nameProblems)
        try reader.finish()
        guard let username = username.value, let email = email.value, let password = password.value else {
            throw ProblemError(.badRequest, detail: "The request body has invalid fields")  // finish() already threw
        }
        return Registration(
            username: username, email: UserRules.normalizedEmail(email), password: password,
            firstName: firstName.value, lastName: lastName.value)
    }

    struct Login {
        var email: String
        var password: String
    }

    static func login(_ object: [String: JSONValue]) throws(ProblemError) -> Login {
        var reader = SchemaReader(object)
        // No format rules here: a login answers the same 401 whatever was wrong with the pair.
        let email = reader.string("email", required: true)
        let password = reader.string("password", required: true)
        try reader.finish()
        guard let email = email.value, let password = password.value else {
            throw ProblemError(.badRequest, detail: "The request body has invalid fields")
        }
        return Login(email: UserRules.normalizedEmail(email), password: password)
    }

    /// `PATCH /users/me`: a user's own changes. A new email or password needs the current password.
    struct ProfileUpdate {
        var firstName: SchemaReader.Field<String>
        var lastName: SchemaReader.Field<String>
        var email: String?
        var password: String?
        var currentPassword: String?
    }

    static func profileUpdate(_ object: [String: JSONValue]) throws(ProblemError) -> ProfileUpdate {
        var reader = SchemaReader(object)
        let firstName = reader.string("first_name", nullable: true, check: UserRules.nameProblems)
        let lastName = reader.string("last_name", nullable: true, check: UserRules.nameProblems)
        let email = reader.string("email", check: UserRules.emailProblems)
        let password = reader.string("password", check: UserRules.passwordProblems)
        let currentPassword = reader.string("current_password")
        let changesCredentials = object["email"] != nil || object["password"] != nil
        if changesCredentials, currentPassword.value == nil, reader.errors["current_password"] == nil {
            reader.addError("current_password", "Required to change email or password.")
        }
        try reader.finish()
        return ProfileUpdate(
            firstName: firstName, lastName: lastName, email: email.value.map(UserRules.normalizedEmail),
            password: password.value, currentPassword: currentPassword.value)
    }

    /// `PATCH /users/{id}`: what an admin may change of any user.
    static func adminUpdate(_ object: [String: JSONValue]) throws(ProblemError) -> UserChanges {
        var reader = SchemaReader(object)
        var changes = UserChanges()
        changes.firstName = reader.string("first_name", nullable: true, check: UserRules.nameProblems)
        changes.lastName = reader.string("last_name", nullable: true, check: UserRules.nameProblems)
        changes.email = reader.string("email", check: UserRules.emailProblems).value.map(UserRules.normalizedEmail)
        let role = reader.string("role") { text in
            User.Role(rawValue: text) == nil ? ["Must be one of: user, admin."] : []
        }
        changes.role = role.value.flatMap(User.Role.init(rawValue:))
        try reader.finish()
        return changes
    }

    /// A user as `write` wrote it (the token-check cache reads its own entries back).
    static func user(from json: JSONValue) -> User? {
        guard case let .object(fields) = json else { return nil }
        func text(_ name: String) -> String? {
            if case let .string(value)? = fields[name] { return value }
            return nil
        }
        guard case let .integer(id)? = fields["id"], let username = text("username"), let email = text("email"),
            let role = text("role").flatMap(User.Role.init(rawValue:)),
            let createdAt = text("created_at").flatMap(UTCDateTime.init(rfc3339:))?.date
        else { return nil }
        return User(
            id: id, username: username, email: email, firstName: text("first_name"), lastName: text("last_name"),
            role: role, createdAt: createdAt)
    }

    static func write(_ user: User, to json: inout JSONWriter) {
        json.object { fields in
            fields.key("id"); fields.integer(user.id)
            fields.field("username", user.username)
            fields.field("email", user.email)
            fields.field("first_name", user.firstName)
            fields.field("last_name", user.lastName)
            fields.field("role", user.role.rawValue)
            fields.field("created_at", user.createdAt)
        }
    }
}
