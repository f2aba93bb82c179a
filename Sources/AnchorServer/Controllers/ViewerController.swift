import AnchorDosimetry
import Fluent
import Vapor

/// The image viewer's API under /api/v1/cases/{id}/viewer (documented in Resources/openapi.yaml): the
/// manifest, then CT, dose and contour slices of the axial, sagittal and coronal views, computed by the
/// engine from the version's stored files. Scoped by `Access` (an invisible case answers 404), audited
/// once per opening (the manifest), compressed, and cacheable: a version's files never change, so a
/// slice URL that names its version is immutable.
struct ViewerController: RouteCollection {
    let cache = ViewerCache()

    func boot(routes: RoutesBuilder) throws {
        let viewer = routes.grouped("api", "v1", "cases", ":id", "viewer")
            .grouped(TokenAuthenticator(), SessionAuthenticator(), APIRequestGuard(), RequireUser(redirect: false))
            .grouped(ResponseCompressionMiddleware(override: .enable))
        viewer.get("manifest", use: manifest)
        viewer.get("ct", ":view", ":index", use: ct)
        viewer.get("dose", ":view", ":index", use: dose)
        viewer.get("contours", ":view", ":index", use: contours)
    }

    /// A case version the caller may see, decoded.
    struct Opened {
        var caseID: UUID
        var version: CaseVersion
        var viewer: ViewerCase
        var named: Bool
    }

    func open(_ req: Request) async throws -> Opened {
        let user = try req.user
        let c = try await Access.find(req.parameters.get("id", as: UUID.self), for: user, on: req.db)
        let caseID = try c.requireID()
        let asked = req.query[Int.self, at: "version"]
        let number = asked ?? c.currentVersion
        guard let version = try await CaseVersion.query(on: req.db).filter(\.$reviewCase.$id == caseID).filter(\.$number == number).first(),
              let versionID = version.id else {
            throw Abort(.notFound, reason: "No such version.")
        }
        let app = req.application
        let viewer = try await cache.get(versionID) {
            let files = try await StoredFile.query(on: app.db).filter(\.$version.$id == versionID).all()
            let store = app.objectStore
            let named = files.map { (path: store.path(for: $0.sha256), name: $0.originalName) }
            let limits = Preflight.Limits(app.anchorConfig)
            return try await app.threadPool.runIfActive {
                // Sizes are checked before the engine allocates anything from them.
                do { try Preflight.checkStored(named, limits: limits) } catch let e as PreflightFailure {
                    throw Abort(.unprocessableEntity, reason: "The case's files cannot be shown: \(e.message)")
                }
                return try ViewerCase(paths: named.map(\.path))
            }
        }
        return Opened(caseID: caseID, version: version, viewer: viewer, named: asked != nil)
    }

    func manifest(req: Request) async throws -> Response {
        let o = try await open(req)
        try await Audit.record(req, user: try req.user, action: "view_images", caseID: o.caseID, detail: "version \(o.version.number)")
        let m = ViewerManifest(caseID: o.caseID, version: o.version.number, viewer: o.viewer, dvhJSON: o.version.dvhJSON, checkJSON: o.version.checkJSON)
        let res = Response(status: .ok)
        try res.content.encode(m, as: .json)
        // The analysis may still add volumes and grades: revalidate every time.
        res.headers.replaceOrAdd(name: .cacheControl, value: "private, no-cache")
        return res
    }

    func ct(req: Request) async throws -> Response {
        try await slice(req, kind: "ct") { o, view, index in o.viewer.ctSlice(view, index) }
    }

    func dose(req: Request) async throws -> Response {
        try await slice(req, kind: "dose") { o, view, index in
            guard let bytes = o.viewer.doseSlice(view, index) else { throw Abort(.notFound, reason: "The case has no dose grid.") }
            return bytes
        }
    }

    func contours(req: Request) async throws -> Response {
        try await slice(req, kind: "contours", contentType: "application/json") { o, view, index in
            Array(o.viewer.contoursJSON(view, index).utf8)
        }
    }

    /// One slice: validates the view and index, answers 304 to a matching If-None-Match, computes the
    /// bytes off the event loop.
    func slice(_ req: Request, kind: String, contentType: String = "application/octet-stream",
               _ make: @escaping @Sendable (Opened, ViewGeometry, Int) throws -> [UInt8]) async throws -> Response {
        let o = try await open(req)
        // Slices are case data too: audited, at most once per person, case and minute.
        try await Audit.recordThrottled(req, user: try req.user, action: "view_slices", caseID: o.caseID, detail: "version \(o.version.number)")
        let viewName = req.parameters.get("view") ?? ""
        guard let view = o.viewer.view(viewName) else { throw Abort(.notFound, reason: "No view '\(viewName)'; axial, sagittal or coronal.") }
        guard let index = req.parameters.get("index", as: Int.self), index >= 0, index < view.count else {
            throw Abort(.notFound, reason: "The \(viewName) view has slices 0 to \(view.count - 1).")
        }
        let etag = "W/\"\(o.version.id!.uuidString.lowercased())-f\(ViewerManifest.formatVersion)-\(kind)-\(viewName)-\(index)\""
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .eTag, value: etag)
        // Immutable when the URL names the version; otherwise the current version may change.
        headers.replaceOrAdd(name: .cacheControl, value: o.named ? "private, max-age=86400, immutable" : "private, no-cache")
        if let match = req.headers.first(name: .ifNoneMatch), match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag }) {
            return Response(status: .notModified, headers: headers)
        }
        let bytes = try await req.application.threadPool.runIfActive { try make(o, view, index) }
        headers.replaceOrAdd(name: .contentType, value: contentType)
        headers.replaceOrAdd(name: "X-Anchor-Shape", value: "\(view.width) \(view.height)")
        if kind == "dose" { headers.replaceOrAdd(name: "X-Anchor-Dose-Scale", value: "\(o.viewer.doseScale)") }
        var buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        return Response(status: .ok, headers: headers, body: .init(buffer: buffer))
    }
}
