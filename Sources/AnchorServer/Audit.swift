import Fluent
import Vapor

/// The audit log: every view or change of a case, and every sign-in, with who, what, when and from where.
enum Audit {
    static func record(_ req: Request, user: User?, action: String, caseID: UUID? = nil, detail: String? = nil) async {
        let u = user ?? req.auth.get(User.self)
        let event = AuditEvent(userID: u?.id, userEmail: u?.email, action: action, caseID: caseID, detail: detail,
                               address: req.headers.first(name: "X-Forwarded-For") ?? req.remoteAddress?.ipAddress)
        do { try await event.save(on: req.db) } catch { req.logger.error("audit write failed: \(error)") }
    }
}
