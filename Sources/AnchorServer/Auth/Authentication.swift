import Crypto
import Fluent
import Vapor

/// How the current request was authenticated.
enum AuthMethod: Sendable { case bearer, session }
struct AuthMethodKey: StorageKey { typealias Value = AuthMethod }

/// Bearer tokens for the API (`Authorization: Bearer ...`): random 256-bit values, stored as SHA-256.
/// A token ends at its expiry, at `POST /api/v1/auth/logout`, when its owner signs out in the browser,
/// and when its owner is disabled.
struct TokenAuthenticator: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: AsyncResponder) async throws -> Response {
        if let bearer = request.headers.bearerAuthorization {
            let hash = Tokens.hash(bearer.token)
            if let token = try await APIToken.query(on: request.db).filter(\.$tokenHash == hash).first(), token.expiresAt > Date(),
               let user = try await User.find(token.$user.id, on: request.db), !user.isDisabled {
                request.auth.login(user)
                request.storage[AuthMethodKey.self] = .bearer
                request.storage[CurrentToken.self] = token
            }
        }
        return try await next.respond(to: request)
    }
}

struct CurrentToken: StorageKey { typealias Value = APIToken }

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

    /// Ends every API token and browser session of a person (sign-out, disabling, password change).
    static func revokeAll(of userID: UUID, on db: Database, keepingSession: UUID? = nil) async throws {
        try await APIToken.query(on: db).filter(\.$user.$id == userID).delete()
        var q = UserSession.query(on: db).filter(\.$user.$id == userID)
        if let keep = keepingSession { q = q.filter(\.$id != keep) }
        try await q.delete()
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

/// The API takes JSON (and multipart for uploads), never HTML form encodings: a cross-site page can
/// post those without the browser asking (the "simple requests" of the Fetch standard). A call
/// authenticated by the browser's session cookie rather than a bearer token must also be JSON and come
/// from this server's own origin; uploads take a bearer token.
struct APIRequestGuard: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: AsyncResponder) async throws -> Response {
        let safe = request.method == .GET || request.method == .HEAD || request.method == .OPTIONS
        if !safe {
            let type = request.headers.contentType
            if type == .urlEncodedForm || type?.type == "text" {
                throw Abort(.unsupportedMediaType, reason: "The API takes JSON (or multipart/form-data for uploads).")
            }
            if request.storage[AuthMethodKey.self] == .session {
                guard type == .json || (type?.type == "application" && type?.subType == "json") else {
                    throw Abort(.forbidden, reason: "Calls signed in with the browser's session must send JSON; use a bearer token otherwise.")
                }
                guard let origin = request.headers.first(name: .origin), SameOrigin.check(origin, request) else {
                    throw Abort(.forbidden, reason: "Cross-origin call refused.")
                }
            }
        }
        return try await next.respond(to: request)
    }
}

enum SameOrigin {
    /// True when `origin` (`https://host:port`) names the host the request was sent to.
    static func check(_ origin: String, _ req: Request) -> Bool {
        guard let host = req.headers.first(name: .host), let url = URL(string: origin), let oh = url.host else { return false }
        let originHost = url.port.map { "\(oh):\($0)" } ?? oh
        return originHost.lowercased() == host.lowercased()
    }
}

/// CSRF protection for forms posted with the session cookie: a per-session random token, sent in a
/// hidden `_csrf` field and compared on every state-changing request (OWASP synchronizer token pattern).
/// The sign-in form, before any session exists, uses a double-submit cookie instead, so an anonymous
/// visit stores nothing on the server.
struct CSRF: AsyncMiddleware {
    static let field = "_csrf"
    static let loginCookie = "anchor_login_csrf"

    /// The token to put in the page's forms.
    static func token(_ req: Request) -> String {
        if let s = req.storage[CurrentSession.self] { return s.csrf }
        if let t = req.storage[LoginCSRFToken.self] { return t }
        let t = req.cookies[loginCookie]?.string ?? Tokens.make()
        req.storage[LoginCSRFToken.self] = t
        return t
    }

    /// Sets the sign-in form's cookie on a response that showed the form.
    static func attachLoginCookie(_ res: Response, _ req: Request) {
        guard req.storage[CurrentSession.self] == nil, let t = req.storage[LoginCSRFToken.self] else { return }
        res.cookies[loginCookie] = BrowserSessions.cookie(t, req, maxAge: 3600, path: "/login")
    }

    func respond(to request: Request, chainingTo next: AsyncResponder) async throws -> Response {
        if request.method != .GET && request.method != .HEAD {
            // Multipart forms (uploads) carry the token in the action URL's query, so the body is parsed once.
            let isMultipart = request.headers.contentType?.type == "multipart"
            let sent = request.query[String.self, at: CSRF.field]
                ?? (isMultipart ? nil : try? request.content.get(String.self, at: CSRF.field))
                ?? request.headers.first(name: "X-CSRF-Token")
            let expected = request.storage[CurrentSession.self]?.csrf ?? request.cookies[CSRF.loginCookie]?.string
            guard let expected, let sent, !expected.isEmpty, sent == expected else {
                throw Abort(.forbidden, reason: "The form has expired; reload the page and try again.")
            }
        }
        return try await next.respond(to: request)
    }
}

struct LoginCSRFToken: StorageKey { typealias Value = String }

extension Request {
    /// The signed-in user (after RequireUser).
    var user: User {
        get throws {
            guard let u = auth.get(User.self) else { throw Abort(.unauthorized) }
            return u
        }
    }
}
