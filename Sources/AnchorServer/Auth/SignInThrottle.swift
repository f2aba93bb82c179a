import Crypto
import Fluent
import Vapor

/// One sign-in attempt for one throttling key (an account or a client address). Rows live in the
/// database, so every instance on it enforces the same limits.
final class LoginAttempt: Model, @unchecked Sendable {
    static let schema = "login_attempts"
    enum Outcome: String { case pending, failed, succeeded, throttled }
    @ID(key: .id) var id: UUID?
    @Field(key: "key") var key: String
    @Field(key: "outcome") var outcome: String
    @Field(key: "at") var at: Date
    init() {}
    init(key: String, at: Date) {
        self.key = key
        self.outcome = Outcome.pending.rawValue
        self.at = at
    }
}

/// Sign-in throttling with a growing delay (OWASP Authentication Cheat Sheet, "Login Throttling";
/// NIST SP 800-63B 5.2.2, rate limiting). Each attempt is written before the password is checked, so
/// concurrent guesses count against each other; a key with `free` or more failed or pending attempts
/// in the window must wait `baseDelay × 2^(n − free)` seconds (at most `maxDelay`) after the last one.
/// Accounts allow few failures; an address allows many more, so that wrong guesses at made-up names
/// behind one hospital's NAT slow down that address rather than lock out its staff. A success never
/// clears an address's failures. Typed e-mails are stored only as a keyed hash.
enum SignInThrottle {
    struct Limit { var key: String; var free: Int }
    static let window: TimeInterval = 15 * 60
    static let baseDelay: TimeInterval = 30
    static let maxDelay: TimeInterval = 15 * 60

    static func accountKey(_ email: String) -> String {
        "account:" + SHA256.hash(data: Data(("anchor-sign-in\u{1}" + email.lowercased()).utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func delay(failures n: Int, free: Int) -> TimeInterval {
        guard n >= free else { return 0 }
        return min(maxDelay, baseDelay * pow(2, Double(min(n - free, 20))))
    }

    /// Records a pending attempt for each key; returns the rows and the seconds to wait (nil: go on).
    static func begin(_ limits: [Limit], on db: Database, now: Date = Date()) async throws -> (rows: [LoginAttempt], wait: Int?) {
        var rows: [LoginAttempt] = []
        for l in limits {
            let r = LoginAttempt(key: l.key, at: now)
            try await r.save(on: db)
            rows.append(r)
        }
        var wait: TimeInterval = 0
        for (l, mine) in zip(limits, rows) {
            let others = try await LoginAttempt.query(on: db)
                .filter(\.$key == l.key)
                .filter(\.$at > now.addingTimeInterval(-window))
                .filter(\.$outcome ~~ [LoginAttempt.Outcome.pending.rawValue, LoginAttempt.Outcome.failed.rawValue])
                .filter(\.$id != mine.id!)
                .all()
            guard let last = others.map(\.at).max() else { continue }
            let d = delay(failures: others.count, free: l.free)
            wait = max(wait, last.addingTimeInterval(d).timeIntervalSince(now))
        }
        if wait > 0 {
            try await finish(rows, .throttled, on: db)
            return (rows, Int(wait.rounded(.up)))
        }
        return (rows, nil)
    }

    static func finish(_ rows: [LoginAttempt], _ outcome: LoginAttempt.Outcome, on db: Database) async throws {
        for r in rows {
            r.outcome = outcome.rawValue
            try await r.save(on: db)
        }
    }

    /// Drops attempts older than the window.
    static func purge(on db: Database, now: Date = Date()) async throws {
        try await LoginAttempt.query(on: db).filter(\.$at < now.addingTimeInterval(-2 * window)).delete()
    }
}

enum SignIn {
    /// Verifies e-mail and password with bcrypt, throttled. Returns the user or throws 401/429.
    static func verify(email: String, password: String, on req: Request) async throws -> User {
        let address = ClientAddress.of(req) ?? "unknown"
        let normalised = email.lowercased().trimmingCharacters(in: .whitespaces)
        let config = req.application.anchorConfig
        let (rows, wait) = try await SignInThrottle.begin([
            .init(key: SignInThrottle.accountKey(normalised), free: config.signInFailuresPerAccount),
            .init(key: "address:" + address, free: config.signInFailuresPerAddress),
        ], on: req.db)
        let user = try await User.query(on: req.db).filter(\.$email == normalised).first()
        if let wait {
            try await Audit.record(req, user: nil, action: "login_throttled", detail: user == nil ? "unknown account" : "account \(user!.email)")
            throw Abort(.tooManyRequests, headers: ["Retry-After": String(wait)], reason: "Too many failed sign-ins; try again in \(wait) s.")
        }
        // Verify against a dummy hash when the user does not exist, so timing does not reveal accounts.
        let hash = user?.passwordHash ?? "$2b$12$C6UzMDM.H6dfI/f/IKcEeO5Fx9PUfWgxqM1C0nMRy/nLKGy5g7rqa"
        let ok = (try? await req.password.async.verify(password, created: hash)) ?? false
        guard ok, let user, !user.isDisabled else {
            try await SignInThrottle.finish(rows, .failed, on: req.db)
            // The typed e-mail is not stored: it may be a password typed into the wrong field.
            let detail = user == nil ? "unknown account" : (user!.isDisabled ? "account disabled" : "wrong password")
            try await Audit.record(req, user: user, action: "login_failed", detail: detail)
            throw Abort(.unauthorized, reason: "Wrong e-mail or password.")
        }
        try await SignInThrottle.finish(rows, .succeeded, on: req.db)
        return user
    }
}
