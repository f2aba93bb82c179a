import Crypto
import Fluent
import Vapor

extension User: ModelSessionAuthenticatable {}

/// Bearer tokens for the API (`Authorization: Bearer ...`): random 256-bit values, stored as SHA-256.
struct TokenAuthenticator: AsyncBearerAuthenticator {
    func authenticate(bearer: BearerAuthorization, for request: Request) async throws {
        let hash = Tokens.hash(bearer.token)
        guard let token = try await APIToken.query(on: request.db).filter(\.$tokenHash == hash).first(),
              token.expiresAt > Date(),
              let user = try await User.find(token.$user.id, on: request.db) else { return }
        request.auth.login(user)
    }
}

enum Tokens {
    static let lifetime: TimeInterval = 12 * 3600

    static func make() -> String {
        var g = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &g) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// Failed sign-ins per e-mail and per address: after 5 failures within 15 minutes, further attempts
/// are refused with 429 until the window has passed (OWASP Authentication Cheat Sheet, "login throttling").
actor LoginThrottle {
    static let shared = LoginThrottle()
    let limit = 5
    let window: TimeInterval = 15 * 60
    private var failures: [String: [Date]] = [:]

    /// Seconds to wait when `keys` are throttled, else nil.
    func retryAfter(_ keys: [String], now: Date = Date()) -> Int? {
        var wait: TimeInterval = 0
        for k in keys {
            let recent = (failures[k] ?? []).filter { now.timeIntervalSince($0) < window }
            failures[k] = recent
            if recent.count >= limit, let oldest = recent.first { wait = max(wait, window - now.timeIntervalSince(oldest)) }
        }
        return wait > 0 ? Int(wait.rounded(.up)) : nil
    }

    func recordFailure(_ keys: [String], now: Date = Date()) {
        for k in keys { failures[k, default: []].append(now) }
    }

    func recordSuccess(_ keys: [String]) {
        for k in keys { failures[k] = nil }
    }

    func reset() { failures = [:] }
}

enum SignIn {
    /// Verifies e-mail and password with bcrypt, throttled. Returns the user or throws 401/429.
    static func verify(email: String, password: String, on req: Request) async throws -> User {
        let address = req.remoteAddress?.ipAddress ?? "unknown"
        let keys = ["email:" + email.lowercased(), "ip:" + address]
        if let wait = await LoginThrottle.shared.retryAfter(keys) {
            throw Abort(.tooManyRequests, headers: ["Retry-After": String(wait)], reason: "Too many failed sign-ins; try again in \(wait) s.")
        }
        let user = try await User.query(on: req.db).filter(\.$email == email.lowercased()).first()
        // Verify against a dummy hash when the user does not exist, so timing does not reveal accounts.
        let hash = user?.passwordHash ?? "$2b$12$C6UzMDM.H6dfI/f/IKcEeO5Fx9PUfWgxqM1C0nMRy/nLKGy5g7rqa"
        let ok = (try? await req.password.async.verify(password, created: hash)) ?? false
        guard ok, let user else {
            await LoginThrottle.shared.recordFailure(keys)
            await Audit.record(req, user: nil, action: "login_failed", detail: email.lowercased())
            throw Abort(.unauthorized, reason: "Wrong e-mail or password.")
        }
        await LoginThrottle.shared.recordSuccess(keys)
        return user
    }
}

/// Requires a signed-in user (API: 401 JSON; pages: redirect to the sign-in page).
struct RequireUser: AsyncMiddleware {
    let redirect: Bool
    func respond(to request: Request, chainingTo next: AsyncResponder) async throws -> Response {
        guard request.auth.has(User.self) else {
            if redirect { return request.redirect(to: "/login") }
            throw Abort(.unauthorized, reason: "Sign in first: POST /api/v1/auth/login, then send the token as 'Authorization: Bearer TOKEN'.")
        }
        return try await next.respond(to: request)
    }
}

/// CSRF protection for forms posted with the session cookie: a per-session random token, sent in a
/// hidden `_csrf` field and compared on every state-changing request (OWASP synchronizer token pattern).
struct CSRF: AsyncMiddleware {
    static let field = "_csrf"

    static func token(_ req: Request) -> String {
        if let t = req.session.data["csrf"] { return t }
        let t = Tokens.make()
        req.session.data["csrf"] = t
        return t
    }

    func respond(to request: Request, chainingTo next: AsyncResponder) async throws -> Response {
        if request.method != .GET && request.method != .HEAD {
            // Multipart forms (uploads) carry the token in the action URL's query, so the body is parsed once.
            let isMultipart = request.headers.contentType?.type == "multipart"
            let sent = request.query[String.self, at: CSRF.field]
                ?? (isMultipart ? nil : try? request.content.get(String.self, at: CSRF.field))
                ?? request.headers.first(name: "X-CSRF-Token")
            guard let expected = request.session.data["csrf"], let sent, sent == expected else {
                throw Abort(.forbidden, reason: "The form has expired; reload the page and try again.")
            }
        }
        return try await next.respond(to: request)
    }
}

extension Request {
    /// The signed-in user (after RequireUser).
    var user: User {
        get throws {
            guard let u = auth.get(User.self) else { throw Abort(.unauthorized) }
            return u
        }
    }
}
