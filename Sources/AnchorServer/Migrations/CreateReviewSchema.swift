import Fluent

/// Tables of the review workflow: verdicts, per-constraint overrides, the message thread, and the
/// status history from which turnaround is computed.
struct CreateReviewSchema: AsyncMigration {
    func prepare(on db: Database) async throws {
        try await db.schema("reviews")
            .id()
            .field("case_id", .uuid, .required, .references(ReviewCase.schema, "id", onDelete: .cascade))
            .field("version_number", .int, .required)
            .field("reviewer_id", .uuid, .required, .references(User.schema, "id"))
            .field("target", .string, .required)
            .field("oar", .string, .required)
            .field("dose", .string, .required)
            .field("comment", .string)
            .field("overrides_json", .string)
            .field("outcome", .string, .required)
            .field("created_at", .datetime)
            .create()
        try await db.schema("messages")
            .id()
            .field("case_id", .uuid, .required, .references(ReviewCase.schema, "id", onDelete: .cascade))
            .field("user_id", .uuid, .required, .references(User.schema, "id"))
            .field("body", .string, .required)
            .field("created_at", .datetime)
            .create()
        try await db.schema("case_events")
            .id()
            .field("case_id", .uuid, .required, .references(ReviewCase.schema, "id", onDelete: .cascade))
            .field("from_status", .string)
            .field("to_status", .string, .required)
            .field("user_id", .uuid)
            .field("at", .datetime, .required)
            .create()
    }

    func revert(on db: Database) async throws {
        for s in ["case_events", "messages", "reviews"] { try await db.schema(s).delete() }
    }
}
