public import Foundation

/// A library member or administrator, as stored. The password hash never leaves the storage layer.
public struct User: Sendable, Equatable {
    public enum Role: String, Sendable, CaseIterable {
        case user, admin
    }

    public var id: Int64
    public var username: String
    public var email: String
    public var firstName: String?
    public var lastName: String?
    public var role: Role
    public var createdAt: Date

    public init(id: Int64, username: String, email: String, firstName: String?, lastName: String?, role: Role, createdAt: Date) {
        self.id = id
        self.username = username
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.role = role
        self.createdAt = createdAt
    }
}
