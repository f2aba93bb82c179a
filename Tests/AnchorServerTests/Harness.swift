import AnchorDICOM
import AnchorRT
@testable import AnchorServer
import Foundation
import NIOCore
import Testing
import VaporTesting

/// The database backends the server tests run against: SQLite always, PostgreSQL when
/// `ANCHOR_TEST_DATABASE_URL` is set (`.ci/run` starts one).
enum Backend: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }
    static var available: [Backend] {
        ProcessInfo.processInfo.environment["ANCHOR_TEST_DATABASE_URL"].map { _ in [.sqlite, .postgres] } ?? [.sqlite]
    }
}

/// People of the test network: two anchor centres, each reviewing one partner, every role in each.
struct Network {
    static let password = "ward seven kettle sunrise"
    /// e-mail of role at centre: `submitter@partner-p.test` etc.
    static func email(_ role: String, _ centre: String) -> String { "\(role)@\(centre).test" }
    static let centres: [(name: String, kind: String)] = [("anchor-a", "anchor"), ("partner-p", "partner"), ("anchor-b", "anchor"), ("partner-q", "partner")]
}

enum TestServer {
    /// Runs `body` with a configured app on a fresh data folder and database, seeded with `Network`.
    static func with(_ backend: Backend, adjust: (inout ServerConfig) -> Void = { _ in },
                     _ body: (Application, ServerConfig) async throws -> Void) async throws {
        let dir = NSTemporaryDirectory() + "anchor-server-test-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var config = ServerConfig(dataDirectory: dir, databaseURL: nil, runsJobs: false, instanceName: "test")
        adjust(&config)
        if backend == .postgres { config.databaseURL = ProcessInfo.processInfo.environment["ANCHOR_TEST_DATABASE_URL"] }
        try await withApp(configure: { app in
            app.logger.logLevel = .error
            try await configure(app, config: config)
            if backend == .postgres {
                try await app.autoRevert()
                try await app.autoMigrate()
            }
            try await seed(app)
        }) { app in
            try await body(app, config)
        }
    }

    static func seed(_ app: Application) async throws {
        for c in Network.centres { try await AdminTasks.createCentre(name: c.name, kind: c.kind, on: app.db) }
        try await AdminTasks.link(partner: "partner-p", anchor: "anchor-a", on: app.db)
        try await AdminTasks.link(partner: "partner-q", anchor: "anchor-b", on: app.db)
        for c in Network.centres {
            let roles = c.kind == "anchor" ? ["reviewer", "coordinator", "admin"] : ["submitter", "coordinator", "admin"]
            for r in roles {
                try await AdminTasks.createUser(email: Network.email(r, c.name), password: Network.password, centre: c.name, role: r, on: app.db)
            }
        }
        try await AdminTasks.createUser(email: Network.email("reviewer2", "anchor-a"), password: Network.password, centre: "anchor-a", role: "reviewer", on: app.db)
    }

    /// Signs in through the API and returns the bearer token.
    static func token(_ app: Application, _ email: String) async throws -> String {
        var token = ""
        try await app.testing().test(.POST, "/api/v1/auth/login", beforeRequest: { req in
            try req.content.encode(["email": email, "password": Network.password])
        }, afterResponse: { res async throws in
            #expect(res.status == .ok, "login \(email): \(res.body.string)")
            struct T: Decodable { var token: String }
            token = try res.content.decode(T.self).token
        })
        return token
    }

    /// A small gradable case: CT, RT Structure Set (External, PTV, Brainstem), RT Dose, as file bytes.
    static func caseFiles(patientID: String = "TESTCASE", slices: Int = 8) throws -> [(String, [UInt8])] {
        try caseObjects(patientID: patientID, slices: slices).map { ($0.0, try DICOMWriter.encode($0.1)) }
    }

    /// The same case as DICOM objects, for tests that change them before upload.
    static func caseObjects(patientID: String = "TESTCASE", patientName: String = "Doe^Jane", slices: Int = 8) throws -> [(String, DICOMFile)] {
        let ctx = RTWriter.Context(patientID: patientID, patientName: patientName, patientSex: "F", patientAge: "006Y")
        let grid = Grid3D(columns: slices > 8 ? 128 : 24, rows: slices > 8 ? 128 : 24, origin: Vec3(-23, -23, -10), spacingI: 2, spacingJ: 2,
                          frameOffsets: (0..<slices).map { Double($0) * 3 })
        let hu = [Float](repeating: 0, count: grid.voxelCount)
        let ct = RTWriter.ctSeries(grid: grid, hounsfield: hu, context: ctx)
        let series = try ImageSeries(slices: ct.map { try ImageSlice(file: $0) })
        func square(_ h: Double, _ z: Double) -> StructureSet.Contour {
            .init(geometricType: .closedPlanar, points: [Vec3(-h, -h, z), Vec3(h, -h, z), Vec3(h, h, z), Vec3(-h, h, z)])
        }
        let zs = (1..<7).map { -10 + 3 * Double($0) }
        let rs = StructureSet(sopInstanceUID: UIDFactory.make(), label: "RS", frameOfReferenceUID: ctx.frameOfReferenceUID, rois: [
            .init(number: 1, name: "External", interpretedType: "EXTERNAL", contours: zs.map { square(20, $0) }),
            .init(number: 2, name: "PTV", interpretedType: "PTV", contours: zs.map { square(8, $0) }),
            .init(number: 3, name: "Brainstem", interpretedType: "ORGAN", contours: zs.map { square(3, $0) }),
        ])
        var dose = DoseGrid(grid: Grid3D(columns: 22, rows: 22, origin: Vec3(-21, -21, -10), spacingI: 2, spacingJ: 2, frameOffsets: (0..<8).map { Double($0) * 3 }),
                            values: [Float](repeating: 54, count: 22 * 22 * 8), sopInstanceUID: UIDFactory.make(), frameOfReferenceUID: ctx.frameOfReferenceUID)
        dose.summationType = "PLAN"
        var files = ct.enumerated().map { ("CT\($0.offset).dcm", $0.element) }
        files.append(("RS.dcm", RTWriter.structureSetFile(rs, context: ctx, referencedSeries: series)))
        files.append(("RD.dcm", RTWriter.doseFile(dose, context: ctx)))
        return files
    }

    /// The session cookie (`name=value`) a response sets, if any.
    static func sessionCookie(_ res: TestingHTTPResponse) -> String? {
        for header in res.headers[.setCookie] {
            let pair = header.split(separator: ";").first.map(String.init) ?? ""
            if pair.hasPrefix("anchor_session="), pair.count > "anchor_session=".count { return pair }
        }
        return nil
    }

    /// The `_csrf` value of the first form of a page.
    static func csrf(in html: String) -> String {
        guard let r = html.range(of: #"name="_csrf" value=""#), let end = html[r.upperBound...].firstIndex(of: "\"") else { return "" }
        return String(html[r.upperBound..<end])
    }

    /// Signs in through the sign-in form; returns the session cookie and the CSRF token of its forms.
    static func browserSignIn(_ app: Application, _ email: String, password: String = Network.password) async throws -> (cookie: String, csrf: String) {
        var loginCookie = "", loginCSRF = "", cookie = "", formToken = ""
        try await app.testing().test(.GET, "/login", afterResponse: { res async in
            loginCookie = res.headers[.setCookie].first { $0.hasPrefix("anchor_login_csrf=") }?.split(separator: ";").first.map(String.init) ?? ""
            loginCSRF = TestServer.csrf(in: res.body.string)
        })
        let form = "email=\(email.replacingOccurrences(of: "@", with: "%40"))&password=\(password.replacingOccurrences(of: " ", with: "+"))&_csrf=\(loginCSRF)"
        try await app.testing().test(.POST, "/login", headers: ["Cookie": loginCookie, "Content-Type": "application/x-www-form-urlencoded"],
                                     body: .init(string: form), afterResponse: { res async in
            cookie = sessionCookie(res) ?? ""
        })
        try await app.testing().test(.GET, "/upload", headers: ["Cookie": cookie], afterResponse: { res async in
            formToken = TestServer.csrf(in: res.body.string)
        })
        return (cookie, formToken)
    }

    /// A multipart/form-data body.
    static func multipart(files: [(String, [UInt8])], fields: [String: String], boundary: String = "anchor-test-boundary") -> ByteBuffer {
        var b = ByteBuffer()
        for (k, v) in fields.sorted(by: { $0.key < $1.key }) {
            b.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n")
        }
        for (name, bytes) in files {
            b.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"files\"; filename=\"\(name)\"\r\nContent-Type: application/dicom\r\n\r\n")
            b.writeBytes(bytes)
            b.writeString("\r\n")
        }
        b.writeString("--\(boundary)--\r\n")
        return b
    }

    static let uploadFields = ["protocol": "posterior-fossa", "age_years": "6", "diagnosis": "Ependymoma", "planned_start": "2027-01-15"]

    /// Uploads a case as `email`; returns the new case id.
    @discardableResult
    static func upload(_ app: Application, as email: String, files: [(String, [UInt8])]? = nil, fields: [String: String] = uploadFields) async throws -> UUID {
        let token = try await token(app, email)
        let body = multipart(files: try files ?? caseFiles(), fields: fields)
        var id: UUID?
        try await app.testing().test(.POST, "/api/v1/cases", headers: ["Authorization": "Bearer \(token)", "Content-Type": "multipart/form-data; boundary=anchor-test-boundary"],
                                     body: body, afterResponse: { res async throws in
            #expect(res.status == .created, "\(res.body.string)")
            struct R: Decodable { var id: UUID; var status: String }
            let r = try res.content.decode(R.self)
            #expect(r.status == "submitted")
            id = r.id
        })
        return try #require(id)
    }

    /// Runs queued analysis jobs until none is left.
    static func drainJobs(_ app: Application, _ config: ServerConfig) async throws {
        while try await JobWorker.runOne(app: app, config: config) {}
    }
}

extension Application {
    /// Sends a request with a bearer token and returns status and body.
    func call(_ method: HTTPMethod, _ path: String, token: String?, json: (any Encodable & Sendable)? = nil) async throws -> (status: HTTPStatus, body: String) {
        var out: (HTTPStatus, String) = (.internalServerError, "")
        var headers: HTTPHeaders = [:]
        if let token { headers.add(name: .authorization, value: "Bearer \(token)") }
        try await testing().test(method, path, headers: headers, beforeRequest: { req in
            if let json { try req.content.encode(AnyEncodable(json), as: .json) }
        }, afterResponse: { res async in
            out = (res.status, res.body.string)
        })
        return out
    }
}

struct AnyEncodable: Encodable, Sendable {
    let value: any Encodable & Sendable
    init(_ v: any Encodable & Sendable) { value = v }
    func encode(to encoder: Encoder) throws { try value.encode(to: encoder) }
}

extension String {
    var jsonObject: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(utf8))) as? [String: Any] }
    var jsonArray: [[String: Any]]? { (try? JSONSerialization.jsonObject(with: Data(utf8))) as? [[String: Any]] }
}
