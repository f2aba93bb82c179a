import Fluent

/// Sign-in attempts (shared by every instance on the database), browser sessions with their expiry,
/// and disabled people.
struct CreateSecuritySchema: AsyncMigration {
    func prepare(on db: Database) async throws {
        try await db.schema(User.schema).field("disabled_at", .datetime).update()
        try await db.schema(LoginAttempt.schema)
            .id()
            .field("key", .string, .required)
            .field("outcome", .string, .required)
            .field("at", .datetime, .required)
            .create()
        try await db.schema(UserSession.schema)
            .id()
            .field("token_hash", .string, .required)
            .field("user_id", .uuid, .required, .references(User.schema, "id", onDelete: .cascade))
            .field("csrf", .string, .required)
            .field("created_at", .datetime, .required)
            .field("last_seen_at", .datetime, .required)
            .unique(on: "token_hash")
            .create()
    }

    func revert(on db: Database) async throws {
        try await db.schema(UserSession.schema).delete()
        try await db.schema(LoginAttempt.schema).delete()
        try await db.schema(User.schema).deleteField("disabled_at").update()
    }
}
