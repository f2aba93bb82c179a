import Vapor

struct LoginRequest: Content { var email: String; var password: String }
struct LoginResponse: Content { var token: String; var expires_at: Date; var user: UserDTO }

struct UserDTO: Content {
    var id: UUID
    var email: String
    var role: String
    var centre: String
}

/// A case as the API shows it.
struct CaseDTO: Content {
    var id: UUID
    var status: String
    var centre: String
    var protocol_id: String
    var age_years: Double
    var diagnosis: String
    var planned_start: String
    /// The prescription (Gy) and fractions given with the submission, when given.
    var prescription_gy: Double?
    var fractions: Int?
    var pseudonym: String?
    var version: Int
    var worst_grade: String?
    var reviewer: String?
    var submitted_at: Date?
    var updated_at: Date?
    /// Hours from submission until now (or until approval).
    var waiting_hours: Double?
}

struct CaseListResponse: Content { var cases: [CaseDTO] }

struct CaseCreatedResponse: Content {
    var id: UUID
    var status: String
    var version: Int
    var files: Int
    var skipped: [String]
}

struct AuditDTO: Content {
    var at: Date
    var user: String?
    var action: String
    var case_id: UUID?
    var detail: String?
    var address: String?
}

struct ErrorDTO: Content { var error: Bool; var reason: String }
