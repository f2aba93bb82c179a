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
        if url.contains("sslmode=disable") || url.contains("localhost") || url.contains("127.0.0.1") { pg.coreConfiguration.tls = .disable }
        app.databases.use(.postgres(configuration: pg), as: .psql)
    } else {
        app.databases.use(.sqlite(.file(config.sqlitePath), sqlLogLevel: .trace), as: .sqlite)
    }
    app.migrations.add(CreateSchema())
    app.migrations.add(SessionRecord.migration)
    app.migrations.add(CreateReviewSchema())
    try await app.autoMigrate()

    app.http.server.configuration.hostname = config.hostname
    app.http.server.configuration.port = config.port
    // Uploads of a whole case: a 300-slice CT is about 160 MB.
    app.routes.defaultMaxBodySize = "1gb"

    app.sessions.use(.fluent)
    app.sessions.configuration.cookieName = "anchor_session"
    app.middleware.use(app.sessions.middleware)
    app.middleware.use(SecurityHeadersMiddleware())

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

/// Conservative headers for every response: pages are self-contained, nothing framed.
struct SecurityHeadersMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        response.headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
        response.headers.replaceOrAdd(name: "Referrer-Policy", value: "same-origin")
        return response
    }
}
