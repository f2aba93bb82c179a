import Fluent
import Vapor

/// A person: member of one centre with one role (../shared/ARCHITECTURE.md, People and access).
final class User: Model, Authenticatable, @unchecked Sendable {
    static let schema = "users"
    enum Role: String, Codable, CaseIterable, Sendable { case submitter, reviewer, coordinator, admin }

    @ID(key: .id) var id: UUID?
    @Field(key: "email") var email: String
    @Field(key: "password_hash") var passwordHash: String
    @Field(key: "role") var role: String
    @Parent(key: "centre_id") var centre: Centre
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    /// Set when an admin disables the person: no sign-in, no session, no token.
    @OptionalField(key: "disabled_at") var disabledAt: Date?

    init() {}
    init(id: UUID? = nil, email: String, passwordHash: String, role: Role, centreID: UUID) {
        self.id = id
        self.email = email.lowercased()
        self.passwordHash = passwordHash
        self.role = role.rawValue
        self.$centre.id = centreID
    }

    var roleValue: Role { Role(rawValue: role) ?? .submitter }
    var isDisabled: Bool { disabledAt != nil }
}

/// A bearer token for the API; only its SHA-256 is stored.
final class APIToken: Model, @unchecked Sendable {
    static let schema = "api_tokens"
    @ID(key: .id) var id: UUID?
    @Field(key: "token_hash") var tokenHash: String
    @Parent(key: "user_id") var user: User
    @Field(key: "expires_at") var expiresAt: Date
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    init() {}
    init(tokenHash: String, userID: UUID, expiresAt: Date) {
        self.tokenHash = tokenHash
        self.$user.id = userID
        self.expiresAt = expiresAt
    }
}
