import Fluent
import Vapor

/// Verdict vocabulary of EORTC/SIOP-Europe radiotherapy quality assurance.
enum Verdict: String, Codable, CaseIterable, Sendable {
    case perProtocol = "per_protocol"
    case acceptableVariation = "acceptable_variation"
    case unacceptableVariation = "unacceptable_variation"
    case justifiedUnacceptableVariation = "justified_unacceptable_variation"
}

/// A reviewer's verdict on one version of a case.
final class Review: Model, @unchecked Sendable {
    static let schema = "reviews"
    @ID(key: .id) var id: UUID?
    @Parent(key: "case_id") var reviewCase: ReviewCase
    @Field(key: "version_number") var versionNumber: Int
    @Parent(key: "reviewer_id") var reviewer: User
    @Field(key: "target") var target: String
    @Field(key: "oar") var oar: String
    @Field(key: "dose") var dose: String
    @Field(key: "comment") var comment: String?
    /// Per-constraint overrides of the automatic grade: JSON list of {structure, metric, grade, reason}.
    @Field(key: "overrides_json") var overridesJSON: String?
    /// `approved` or `changes_requested`.
    @Field(key: "outcome") var outcome: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    init() {}
}

/// A message in a case's thread between the centre and the reviewers.
final class Message: Model, @unchecked Sendable {
    static let schema = "messages"
    @ID(key: .id) var id: UUID?
    @Parent(key: "case_id") var reviewCase: ReviewCase
    @Parent(key: "user_id") var user: User
    @Field(key: "body") var body: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    init() {}
    init(caseID: UUID, userID: UUID, body: String) {
        self.$reviewCase.id = caseID
        self.$user.id = userID
        self.body = body
    }
}

/// A change of a case's status, kept for turnaround figures.
final class CaseEvent: Model, @unchecked Sendable {
    static let schema = "case_events"
    @ID(key: .id) var id: UUID?
    @Parent(key: "case_id") var reviewCase: ReviewCase
    @Field(key: "from_status") var fromStatus: String?
    @Field(key: "to_status") var toStatus: String
    @Field(key: "user_id") var userID: UUID?
    @Field(key: "at") var at: Date
    init() {}
    init(caseID: UUID, from: String?, to: String, userID: UUID?, at: Date = Date()) {
        self.$reviewCase.id = caseID
        self.fromStatus = from
        self.toStatus = to
        self.userID = userID
        self.at = at
    }
}

enum Workflow {
    /// Moves a case to a new status and records the event (in the caller's transaction).
    static func transition(_ c: ReviewCase, to status: ReviewCase.Status, by userID: UUID?, on db: Database) async throws {
        let from = c.status
        c.status = status.rawValue
        try await c.save(on: db)
        try await CaseEvent(caseID: try c.requireID(), from: from, to: status.rawValue, userID: userID).save(on: db)
    }

    /// The anchor centre(s) reviewing a centre's cases.
    static func reviewingCentres(of centreID: UUID, on db: Database) async throws -> [UUID] {
        try await CentreLink.query(on: db).filter(\.$partner.$id == centreID).all().map { $0.$anchor.id }
    }

    /// True when `user` coordinates (or administers) an anchor centre that reviews the case's centre.
    static func coordinates(_ user: User, _ c: ReviewCase, on db: Database) async throws -> Bool {
        guard user.roleValue == .coordinator || user.roleValue == .admin else { return false }
        return try await reviewingCentres(of: c.$centre.id, on: db).contains(user.$centre.id)
    }

    /// A reviewer of the reviewing anchor centre chosen by rota: the one with the fewest open cases
    /// (in review), ties broken by the longest since their last assignment, then by e-mail.
    static func rotaReviewer(for c: ReviewCase, on db: Database) async throws -> User? {
        let centres = try await reviewingCentres(of: c.$centre.id, on: db)
        guard !centres.isEmpty else { return nil }
        let reviewers = try await User.query(on: db).filter(\.$centre.$id ~~ centres).filter(\.$role == User.Role.reviewer.rawValue)
            .sort(\.$email).all()
        guard !reviewers.isEmpty else { return nil }
        let open = try await ReviewCase.query(on: db).filter(\.$status ~~ [ReviewCase.Status.inReview.rawValue, ReviewCase.Status.qaComplete.rawValue,
                                                                             ReviewCase.Status.submitted.rawValue, ReviewCase.Status.resubmitted.rawValue])
            .filter(\.$reviewer.$id != nil).all()
        var load: [UUID: Int] = [:]
        for o in open { if let r = o.$reviewer.id { load[r, default: 0] += 1 } }
        return reviewers.min { (load[$0.id!] ?? 0, $0.email) < (load[$1.id!] ?? 0, $1.email) }
    }

    /// After the analysis: a case with a reviewer goes to review; one without, to the rota's choice.
    static func afterAnalysis(_ c: ReviewCase, on db: Database) async throws {
        if c.$reviewer.id == nil, let r = try await rotaReviewer(for: c, on: db) { c.$reviewer.id = r.id }
        if c.$reviewer.id != nil { try await transition(c, to: .inReview, by: nil, on: db) }
    }
}
