import Fluent
import Vapor

/// A browser session: the cookie holds a random 256-bit value, the database its SHA-256, the person,
/// the CSRF token of the session's forms, and when it began and was last used.
final class UserSession: Model, @unchecked Sendable {
    static let schema = "user_sessions"
    @ID(key: .id) var id: UUID?
    @Field(key: "token_hash") var tokenHash: String
    @Parent(key: "user_id") var user: User
    @Field(key: "csrf") var csrf: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "last_seen_at") var lastSeenAt: Date
    init() {}
    init(tokenHash: String, userID: UUID, csrf: String, now: Date) {
        self.tokenHash = tokenHash
        self.$user.id = userID
        self.csrf = csrf
        self.createdAt = now
        self.lastSeenAt = now
    }
}

struct CurrentSession: StorageKey { typealias Value = UserSession }

/// Browser sessions (OWASP Session Management Cheat Sheet): a new id at every sign-in (no fixation),
/// cookies `HttpOnly`, `Secure` (unless the server explicitly serves plain HTTP on loopback) and
/// `SameSite=Strict`, idle and absolute expiry, expired rows purged. Nothing is stored for a visitor
/// who has not signed in.
enum BrowserSessions {
    static let cookieName = "anchor_session"

    static func cookie(_ value: String, _ req: Request, maxAge: Int?, path: String = "/") -> HTTPCookies.Value {
        HTTPCookies.Value(string: value, expires: nil, maxAge: maxAge, domain: nil, path: path,
                          isSecure: !req.application.anchorConfig.plainHTTP, isHTTPOnly: true, sameSite: .strict)
    }

    /// Starts a session for `user` on `res`, ending the session the request came with (if any).
    static func start(_ user: User, req: Request, res: Response) async throws {
        if let old = req.cookies[cookieName]?.string {
            try await UserSession.query(on: req.db).filter(\.$tokenHash == Tokens.hash(old)).delete()
        }
        let token = Tokens.make()
        let s = UserSession(tokenHash: Tokens.hash(token), userID: try user.requireID(), csrf: Tokens.make(), now: Date())
        try await s.save(on: req.db)
        req.storage[CurrentSession.self] = s
        res.cookies[cookieName] = cookie(token, req, maxAge: Int(req.application.anchorConfig.sessionAbsoluteSeconds))
        res.cookies[CSRF.loginCookie] = cookie("", req, maxAge: 0, path: "/login")
    }

    /// Clears the session cookie on `res`.
    static func clear(_ req: Request, _ res: Response) {
        res.cookies[cookieName] = cookie("", req, maxAge: 0)
    }

    static func expired(_ s: UserSession, config: ServerConfig, now: Date) -> Bool {
        now.timeIntervalSince(s.lastSeenAt) > config.sessionIdleSeconds || now.timeIntervalSince(s.createdAt) > config.sessionAbsoluteSeconds
    }

    /// Deletes the sessions past their idle or absolute expiry, and expired API tokens.
    static func purge(on db: Database, config: ServerConfig, now: Date = Date()) async throws {
        try await UserSession.query(on: db).group(.or) { or in
            or.filter(\.$lastSeenAt < now.addingTimeInterval(-config.sessionIdleSeconds))
            or.filter(\.$createdAt < now.addingTimeInterval(-config.sessionAbsoluteSeconds))
        }.delete()
        try await APIToken.query(on: db).filter(\.$expiresAt < now).delete()
    }
}

/// Signs in the person of a valid session cookie (when no bearer token did already).
struct SessionAuthenticator: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: AsyncResponder) async throws -> Response {
        var clear = false
        if !request.auth.has(User.self), let value = request.cookies[BrowserSessions.cookieName]?.string, !value.isEmpty {
            let now = Date()
            let config = request.application.anchorConfig
            if let s = try await UserSession.query(on: request.db).filter(\.$tokenHash == Tokens.hash(value)).first() {
                if BrowserSessions.expired(s, config: config, now: now) {
                    try await s.delete(on: request.db)
                    clear = true
                } else if let user = try await User.find(s.$user.id, on: request.db), !user.isDisabled {
                    request.auth.login(user)
                    request.storage[AuthMethodKey.self] = .session
                    request.storage[CurrentSession.self] = s
                    // Written at most once a minute: idle expiry does not need finer steps.
                    if now.timeIntervalSince(s.lastSeenAt) > 60 {
                        s.lastSeenAt = now
                        try await s.save(on: request.db)
                    }
                }
            } else {
                clear = true
            }
        }
        let res = try await next.respond(to: request)
        if clear && res.cookies[BrowserSessions.cookieName] == nil { BrowserSessions.clear(request, res) }
        return res
    }
}
