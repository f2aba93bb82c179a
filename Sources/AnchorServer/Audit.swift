import Fluent
import Vapor

/// The audit log: every read or change of a case, and every sign-in, with who, what, when and from
/// where (the client address as `ClientAddress` finds it). Writing fails closed: when the event cannot
/// be stored, the request fails rather than showing or changing data unrecorded.
enum Audit {
    static func record(_ req: Request, user: User?, action: String, caseID: UUID? = nil, detail: String? = nil) async throws {
        let u = user ?? req.auth.get(User.self)
        let event = AuditEvent(userID: u?.id, userEmail: u?.email, action: action, caseID: caseID, detail: detail,
                               address: ClientAddress.of(req))
        do {
            try await event.save(on: req.db)
        } catch {
            req.logger.error("audit write failed, request refused: \(String(reflecting: error))")
            throw Abort(.serviceUnavailable, reason: "The audit log cannot be written, so the request was not carried out.")
        }
    }

    /// Records a read that comes in bursts (viewer slices) at most once per person, case, action and
    /// minute in this instance.
    static func recordThrottled(_ req: Request, user: User, action: String, caseID: UUID, detail: String? = nil) async throws {
        let key = "\(user.id?.uuidString ?? "")|\(caseID.uuidString)|\(action)"
        guard await AuditMinutes.shared.claim(key) else { return }
        do {
            try await record(req, user: user, action: action, caseID: caseID, detail: detail)
        } catch {
            await AuditMinutes.shared.release(key)
            throw error
        }
    }
}

/// The minute of the last throttled event per key.
actor AuditMinutes {
    static let shared = AuditMinutes()
    private var last: [String: Int] = [:]

    func claim(_ key: String, now: Date = Date()) -> Bool {
        let minute = Int(now.timeIntervalSince1970 / 60)
        if last[key] == minute { return false }
        if last.count > 100_000 { last = last.filter { $0.value == minute } }
        last[key] = minute
        return true
    }

    func release(_ key: String) { last[key] = nil }
}
