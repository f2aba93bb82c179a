import Fluent

/// The prescription and number of fractions a submitter may give with a case (optional columns).
struct AddSubmissionPrescription: AsyncMigration {
    func prepare(on db: Database) async throws {
        try await db.schema(ReviewCase.schema).field("prescription_gy", .double).update()
        try await db.schema(ReviewCase.schema).field("fractions", .int).update()
    }

    func revert(on db: Database) async throws {
        try await db.schema(ReviewCase.schema).deleteField("fractions").update()
        try await db.schema(ReviewCase.schema).deleteField("prescription_gy").update()
    }
}
