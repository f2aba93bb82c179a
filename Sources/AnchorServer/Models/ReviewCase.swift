import Fluent
import Vapor

/// A case submitted for review: one child's plan, in one or more versions (resubmissions).
final class ReviewCase: Model, @unchecked Sendable {
    static let schema = "cases"

    /// Case states: the review workflow of docs/architecture.md.
    enum Status: String, Codable, CaseIterable, Sendable {
        case submitted, qaComplete = "qa_complete", qaFailed = "qa_failed", inReview = "in_review",
             approved, changesRequested = "changes_requested", resubmitted
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "centre_id") var centre: Centre
    @Parent(key: "submitted_by") var submitter: User
    @OptionalParent(key: "reviewer_id") var reviewer: User?
    @Field(key: "status") var status: String
    @Field(key: "protocol_id") var protocolID: String
    @Field(key: "age_years") var ageYears: Double
    @Field(key: "diagnosis") var diagnosis: String
    /// Planned start of treatment, `YYYY-MM-DD`.
    @Field(key: "planned_start") var plannedStart: String
    /// The prescription (Gy) and number of fractions given with the submission, when given: they win over
    /// the plan's and the protocol's in the grading.
    @OptionalField(key: "prescription_gy") var prescriptionGy: Double?
    @OptionalField(key: "fractions") var fractions: Int?
    @Field(key: "pseudonym") var pseudonym: String?
    @Field(key: "current_version") var currentVersion: Int
    @Field(key: "worst_grade") var worstGrade: String?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}
    init(id: UUID? = nil, centreID: UUID, submitterID: UUID, protocolID: String, ageYears: Double, diagnosis: String, plannedStart: String,
         prescriptionGy: Double? = nil, fractions: Int? = nil) {
        self.prescriptionGy = prescriptionGy
        self.fractions = fractions
        self.id = id
        self.$centre.id = centreID
        self.$submitter.id = submitterID
        self.status = Status.submitted.rawValue
        self.protocolID = protocolID
        self.ageYears = ageYears
        self.diagnosis = diagnosis
        self.plannedStart = plannedStart
        self.currentVersion = 1
    }
}

/// One submitted version of a case: its files and the QA computed from them.
final class CaseVersion: Model, @unchecked Sendable {
    static let schema = "case_versions"
    @ID(key: .id) var id: UUID?
    @Parent(key: "case_id") var reviewCase: ReviewCase
    @Field(key: "number") var number: Int
    @Field(key: "status") var status: String
    /// The `anchor dvh` JSON of this version, once analysed.
    @Field(key: "dvh_json") var dvhJSON: String?
    /// The `anchor check` JSON of this version, once analysed.
    @Field(key: "check_json") var checkJSON: String?
    /// The QA report (HTML with inline SVG), once analysed.
    @Field(key: "report_html") var reportHTML: String?
    /// The DVH plot of the QA report (inline SVG), for the case page.
    @Field(key: "dvh_svg") var dvhSVG: String?
    @Field(key: "failure") var failure: String?
    @Field(key: "worst_grade") var worstGrade: String?
    @Field(key: "analysed_at") var analysedAt: Date?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}
    init(caseID: UUID, number: Int) {
        self.$reviewCase.id = caseID
        self.number = number
        self.status = ReviewCase.Status.submitted.rawValue
    }
}

/// A DICOM file of a case version, stored content-addressed under the data folder.
final class StoredFile: Model, @unchecked Sendable {
    static let schema = "stored_files"
    @ID(key: .id) var id: UUID?
    @Parent(key: "version_id") var version: CaseVersion
    @Field(key: "sha256") var sha256: String
    @Field(key: "size") var size: Int
    @Field(key: "original_name") var originalName: String
    @Field(key: "modality") var modality: String?
    @Field(key: "sop_class_uid") var sopClassUID: String?
    init() {}
    init(versionID: UUID, sha256: String, size: Int, originalName: String, modality: String?, sopClassUID: String?) {
        self.$version.id = versionID
        self.sha256 = sha256
        self.size = size
        self.originalName = originalName
        self.modality = modality
        self.sopClassUID = sopClassUID
    }
}

/// A unit of background work (the analysis of a case version), claimed by any server instance.
final class Job: Model, @unchecked Sendable {
    static let schema = "jobs"
    enum State: String, Codable, Sendable { case queued, running, done, failed }
    @ID(key: .id) var id: UUID?
    @Field(key: "kind") var kind: String
    @Field(key: "version_id") var versionID: UUID
    @Field(key: "state") var state: String
    @Field(key: "attempts") var attempts: Int
    @Field(key: "locked_at") var lockedAt: Date?
    @Field(key: "locked_by") var lockedBy: String?
    @Field(key: "error") var error: String?
    @Field(key: "queued_at") var queuedAt: Date
    init() {}
    init(kind: String, versionID: UUID) {
        self.kind = kind
        self.versionID = versionID
        self.state = State.queued.rawValue
        self.attempts = 0
        self.queuedAt = Date()
    }
}

/// Who did what to which case, when, from where.
final class AuditEvent: Model, @unchecked Sendable {
    static let schema = "audit_events"
    @ID(key: .id) var id: UUID?
    @Field(key: "user_id") var userID: UUID?
    @Field(key: "user_email") var userEmail: String?
    @Field(key: "action") var action: String
    @Field(key: "case_id") var caseID: UUID?
    @Field(key: "detail") var detail: String?
    @Field(key: "address") var address: String?
    @Field(key: "at") var at: Date
    init() {}
    init(userID: UUID?, userEmail: String?, action: String, caseID: UUID?, detail: String?, address: String?) {
        self.userID = userID
        self.userEmail = userEmail
        self.action = action
        self.caseID = caseID
        self.detail = detail
        self.address = address
        self.at = Date()
    }
}
