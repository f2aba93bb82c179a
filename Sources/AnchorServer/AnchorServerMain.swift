import Fluent
import Vapor

/// Entry points for the `anchor` command line: serving, and the admin tasks that work on the same
/// data folder (the running server sees their changes at once: it caches nothing of them).
public enum AnchorServerMain {
    /// Runs the server until interrupted.
    public static func serve(_ config: ServerConfig) async throws {
        var env = Environment(name: "production", arguments: ["anchor"])
        try LoggingSystem.bootstrap(from: &env)
        let app = try await Application.make(env)
        do {
            try await configure(app, config: config)
            if !config.allowDemoData, try await Demo.holdsDemoPeople(app.db) {
                throw AdminTasks.Failure(description: "the data folder \(config.dataDirectory) holds the demo's people, whose password anyone can read in the demo's output; serve it only with --allow-demo-data, or use another data folder")
            }
            try await app.execute()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    /// True when `text` is an IP address or a CIDR block (for `--trusted-proxy`).
    public static func isAddressOrBlock(_ text: String) -> Bool {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let bytes = ClientAddress.parse(parts[0]) else { return false }
        if parts.count == 2 { guard let n = Int(parts[1]), n >= 0, n <= bytes.count * 8 else { return false } }
        return true
    }

    /// Opens the data folder's database (migrated), runs `body`, and shuts down.
    public static func withDatabase<T: Sendable>(_ config: ServerConfig, _ body: @Sendable (Database) async throws -> T) async throws -> T {
        var cfg = config
        cfg.runsJobs = false
        let app = try await Application.make(.init(name: "production", arguments: ["anchor"]))
        app.logger.logLevel = .warning
        do {
            try await configure(app, config: cfg)
            let result = try await body(app.db)
            try await app.asyncShutdown()
            return result
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }
}

/// The admin tasks behind `anchor admin ...`.
public enum AdminTasks {
    public struct Failure: Error, CustomStringConvertible { public var description: String }

    @discardableResult
    public static func createCentre(name: String, kind: String, on db: Database) async throws -> UUID {
        guard let k = Centre.Kind(rawValue: kind) else { throw Failure(description: "kind must be anchor or partner, not '\(kind)'") }
        if try await Centre.query(on: db).filter(\.$name == name).first() != nil { throw Failure(description: "a centre named '\(name)' exists already") }
        let c = Centre(name: name, kind: k, deidSecret: Tokens.make() + Tokens.make())
        try await c.save(on: db)
        return try c.requireID()
    }

    @discardableResult
    public static func createUser(email: String, password: String, centre: String, role: String, on db: Database) async throws -> UUID {
        guard let r = User.Role(rawValue: role) else {
            throw Failure(description: "role must be one of \(User.Role.allCases.map(\.rawValue).joined(separator: ", ")), not '\(role)'")
        }
        do { try PasswordPolicy.check(password, email: email) } catch let e as PasswordPolicy.Refusal { throw Failure(description: e.description) }
        guard email.contains("@") else { throw Failure(description: "'\(email)' is not an e-mail address") }
        guard let c = try await Centre.query(on: db).filter(\.$name == centre).first() else {
            throw Failure(description: "no centre named '\(centre)'")
        }
        if try await User.query(on: db).filter(\.$email == email.lowercased()).first() != nil {
            throw Failure(description: "a user with e-mail \(email) exists already")
        }
        // bcrypt, cost 12 (Vapor's default), OWASP Password Storage Cheat Sheet.
        let u = User(email: email, passwordHash: try Bcrypt.hash(password), role: r, centreID: try c.requireID())
        try await u.save(on: db)
        return try u.requireID()
    }

    /// Sets a person's password (the policy applies) and ends their sessions and API tokens.
    public static func setPassword(email: String, password: String, on db: Database) async throws {
        guard let u = try await User.query(on: db).filter(\.$email == email.lowercased()).first() else {
            throw Failure(description: "no person with e-mail \(email)")
        }
        do { try PasswordPolicy.check(password, email: email) } catch let e as PasswordPolicy.Refusal { throw Failure(description: e.description) }
        u.passwordHash = try Bcrypt.hash(password)
        try await u.save(on: db)
        try await Tokens.revokeAll(of: try u.requireID(), on: db)
        try await AuditEvent(userID: u.id, userEmail: u.email, action: "password_set", caseID: nil, detail: "anchor admin set-password", address: nil).save(on: db)
    }

    /// Disables a person: no sign-in, and every session and API token ends now. Their cases, reviews
    /// and audit trail stay.
    public static func disableUser(email: String, on db: Database) async throws {
        guard let u = try await User.query(on: db).filter(\.$email == email.lowercased()).first() else {
            throw Failure(description: "no person with e-mail \(email)")
        }
        if u.disabledAt == nil {
            u.disabledAt = Date()
            try await u.save(on: db)
        }
        try await Tokens.revokeAll(of: try u.requireID(), on: db)
        try await AuditEvent(userID: u.id, userEmail: u.email, action: "user_disabled", caseID: nil, detail: "anchor admin disable-user", address: nil).save(on: db)
    }

    public static func link(partner: String, anchor: String, on db: Database) async throws {
        guard let p = try await Centre.query(on: db).filter(\.$name == partner).first() else { throw Failure(description: "no centre named '\(partner)'") }
        guard let a = try await Centre.query(on: db).filter(\.$name == anchor).first() else { throw Failure(description: "no centre named '\(anchor)'") }
        guard p.kind == Centre.Kind.partner.rawValue else { throw Failure(description: "'\(partner)' is not a partner centre") }
        guard a.kind == Centre.Kind.anchor.rawValue else { throw Failure(description: "'\(anchor)' is not an anchor centre") }
        if try await CentreLink.query(on: db).filter(\.$partner.$id == p.requireID()).filter(\.$anchor.$id == a.requireID()).first() != nil { return }
        try await CentreLink(partnerID: try p.requireID(), anchorID: try a.requireID()).save(on: db)
    }
}

/// Files shipped with the server.
public enum AnchorServerResources {
    /// The OpenAPI 3.1 document of the API.
    public static var openAPIURL: URL? { root.appendingPathComponent("openapi.yaml") }

    /// The copied `Resources` folder. (Foundation on Linux reports a bundle's `Resources` subfolder as
    /// its resourceURL, on macOS the bundle itself: look for the folder that holds `Views`.)
    static var root: URL {
        for base in [Bundle.module.bundleURL, Bundle.module.resourceURL].compactMap({ $0 }) {
            for candidate in [base.appendingPathComponent("Resources"), base] where FileManager.default.fileExists(atPath: candidate.appendingPathComponent("Views").path) {
                return candidate
            }
        }
        return Bundle.module.bundleURL.appendingPathComponent("Resources")
    }
}

extension AdminTasks {
    /// The admin tasks on a data folder's database (what `anchor admin` runs).
    public static func createCentre(name: String, kind: String, config: ServerConfig) async throws {
        try await AnchorServerMain.withDatabase(config) { db in _ = try await createCentre(name: name, kind: kind, on: db) }
    }
    public static func createUser(email: String, password: String, centre: String, role: String, config: ServerConfig) async throws {
        try await AnchorServerMain.withDatabase(config) { db in _ = try await createUser(email: email, password: password, centre: centre, role: role, on: db) }
    }
    public static func link(partner: String, anchor: String, config: ServerConfig) async throws {
        try await AnchorServerMain.withDatabase(config) { db in try await link(partner: partner, anchor: anchor, on: db) }
    }
    public static func setPassword(email: String, password: String, config: ServerConfig) async throws {
        try await AnchorServerMain.withDatabase(config) { db in try await setPassword(email: email, password: password, on: db) }
    }
    public static func disableUser(email: String, config: ServerConfig) async throws {
        try await AnchorServerMain.withDatabase(config) { db in try await disableUser(email: email, on: db) }
    }
}
