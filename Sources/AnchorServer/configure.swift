import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Leaf
import LeafKit
import NIOSSL
import Vapor

/// Storage key for the configuration, so handlers and jobs can reach it.
struct ServerConfigKey: StorageKey { typealias Value = ServerConfig }

extension Application {
    var anchorConfig: ServerConfig {
        get { storage[ServerConfigKey.self] ?? ServerConfig() }
        set { storage[ServerConfigKey.self] = newValue }
    }
    var objectStore: ObjectStore { ObjectStore(root: anchorConfig.objectsDirectory) }
}

/// Sets up the database, migrations, sessions, views and routes.
public func configure(_ app: Application, config: ServerConfig) async throws {
    app.anchorConfig = config
    try FileManager.default.createDirectory(atPath: config.objectsDirectory, withIntermediateDirectories: true)
    if let url = config.databaseURL, !url.isEmpty {
        var pg = try SQLPostgresConfiguration(url: url)
        switch PostgresTLS.mode(for: url) {
        case .disable: pg.coreConfiguration.tls = .disable
        case .verifyFull:
            // Certificate chain and host name checked (libpq's verify-full).
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .fullVerification
            pg.coreConfiguration.tls = .require(try .init(configuration: tls))
        case .asGiven: break
        }
        app.databases.use(.postgres(configuration: pg), as: .psql)
    } else {
        app.databases.use(.sqlite(.file(config.sqlitePath), sqlLogLevel: .trace), as: .sqlite)
    }
    app.migrations.add(CreateSchema())
    app.migrations.add(SessionRecord.migration)
    app.migrations.add(CreateReviewSchema())
    app.migrations.add(CreateSecuritySchema())
    app.migrations.add(AddSubmissionPrescription())
    try await app.autoMigrate()

    app.http.server.configuration.hostname = config.hostname
    app.http.server.configuration.port = config.port
    // Kilobytes for sign-in, forms and JSON; uploads stream to disk under their own limit (`UploadSpool`).
    app.routes.defaultMaxBodySize = ByteCount(value: config.maxBodyBytes)
    try FileManager.default.createDirectory(atPath: config.uploadsDirectory, withIntermediateDirectories: true)

    // First in the chain, so that error responses carry the headers too.
    app.middleware.use(SecurityHeadersMiddleware(), at: .beginning)

    let resources = AnchorServerResources.root
    app.views.use(.leaf)
    // Not `.toVisibleFiles`: the resource bundle lives under `.build` when run from a checkout.
    app.leaf.sources = .singleSource(NIOLeafFiles(fileio: app.fileio, limits: [.toSandbox, .requireExtensions],
                                                  sandboxDirectory: resources.path, viewDirectory: resources.appendingPathComponent("Views").path))
    app.middleware.use(FileMiddleware(publicDirectory: resources.appendingPathComponent("Public").path + "/", defaultFile: nil))

    try routes(app)
    if config.runsJobs {
        app.lifecycle.use(JobWorker(config: config))
    }
}

/// Headers on every response, errors included (OWASP Secure Headers Project): pages load only this
/// server's scripts and styles and are never framed.
struct SecurityHeadersMiddleware: AsyncMiddleware {
    static let contentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"

    func respond(to request: Request, chainingTo next: AsyncResponder) async throws -> Response {
        let response: Response
        do {
            response = try await next.respond(to: request)
        } catch {
            // Errors that escape the error middleware still get an answer with the headers.
            response = Response(status: (error as? AbortError)?.status ?? .internalServerError)
        }
        let h = response.headers
        if !h.contains(name: "Content-Security-Policy") {
            response.headers.replaceOrAdd(name: "Content-Security-Policy", value: Self.contentSecurityPolicy)
        }
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        response.headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
        response.headers.replaceOrAdd(name: "Referrer-Policy", value: "same-origin")
        if ClientAddress.viaTLS(request) {
            // RFC 6797; one year.
            response.headers.replaceOrAdd(name: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains")
        }
        return response
    }
}

/// How the connection to PostgreSQL is protected. Without an explicit `sslmode` (or `tlsmode`), TLS
/// with full certificate and host name verification is required unless the host is a loopback
/// address; an explicit mode is honoured.
enum PostgresTLS {
    enum Mode: Equatable { case disable, verifyFull, asGiven }

    static func mode(for url: String) -> Mode {
        guard let c = URLComponents(string: url) else { return .verifyFull }
        let explicit = c.queryItems?.last { ["tlsmode", "sslmode", "ssl", "tls"].contains($0.name.lowercased()) }?.value?.lowercased()
        switch explicit {
        case nil: return ServerConfig.isLoopback(c.host ?? "") ? .disable : .verifyFull
        case "disable", "false": return .disable
        case "verify-full", "verify-ca", "require": return .verifyFull
        default: return .asGiven
        }
    }
}
