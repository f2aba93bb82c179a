import Fluent
import Vapor

/// Builds API shapes from rows (one query per related table, not per case).
enum CaseQueries {
    static func dtos(_ cases: [ReviewCase], on db: Database) async throws -> [CaseDTO] {
        let centreIDs = Set(cases.map { $0.$centre.id })
        let reviewerIDs = Set(cases.compactMap { $0.$reviewer.id })
        let centres = try await Centre.query(on: db).filter(\.$id ~~ Array(centreIDs)).all()
        let reviewers = reviewerIDs.isEmpty ? [] : try await User.query(on: db).filter(\.$id ~~ Array(reviewerIDs)).all()
        let centreName = Dictionary(centres.compactMap { c in c.id.map { ($0, c.name) } }, uniquingKeysWith: { a, _ in a })
        let reviewerEmail = Dictionary(reviewers.compactMap { u in u.id.map { ($0, u.email) } }, uniquingKeysWith: { a, _ in a })
        let now = Date()
        return cases.map { c in
            let end = c.status == ReviewCase.Status.approved.rawValue ? (c.updatedAt ?? now) : now
            return CaseDTO(id: c.id!, status: c.status, centre: centreName[c.$centre.id] ?? "", protocol_id: c.protocolID,
                           age_years: c.ageYears, diagnosis: c.diagnosis, planned_start: c.plannedStart,
                           prescription_gy: c.prescriptionGy, fractions: c.fractions, pseudonym: c.pseudonym,
                           version: c.currentVersion, worst_grade: c.worstGrade, reviewer: c.$reviewer.id.flatMap { reviewerEmail[$0] },
                           submitted_at: c.createdAt, updated_at: c.updatedAt,
                           waiting_hours: c.createdAt.map { end.timeIntervalSince($0) / 3600 })
        }
    }

    static func currentVersion(of c: ReviewCase, on db: Database) async throws -> CaseVersion? {
        try await CaseVersion.query(on: db).filter(\.$reviewCase.$id == c.requireID()).filter(\.$number == c.currentVersion).first()
    }
}
