import Fluent
import MultipartKit
import Vapor

/// The JSON API under /api/v1 (documented in Resources/openapi.yaml).
struct APIController: RouteCollection {
    func boot(routes: RoutesBuilder) throws {
        let api = routes.grouped("api", "v1").grouped(TokenAuthenticator(), SessionAuthenticator(), APIRequestGuard())
        api.post("auth", "login", use: login)
        api.get("openapi.yaml", use: openAPI)
        let authed = api.grouped(RequireUser(redirect: false))
        authed.post("auth", "logout", use: logout)
        authed.get("me", use: me)
        authed.get("cases", use: listCases)
        // Streamed to disk as it arrives, the limit enforced on the way (`UploadSpool`).
        authed.on(.POST, "cases", body: .stream, use: createCase)
        authed.get("cases", ":id", use: getCase)
        authed.get("cases", ":id", "qa", use: getQA)
        authed.get("cases", ":id", "report", use: getReport)
        authed.get("audit", use: audit)
    }

    func login(req: Request) async throws -> LoginResponse {
        let body = try req.content.decode(LoginRequest.self)
        let user = try await SignIn.verify(email: body.email, password: body.password, on: req)
        let token = Tokens.make()
        let expires = Date().addingTimeInterval(Tokens.lifetime)
        try await APIToken(tokenHash: Tokens.hash(token), userID: user.requireID(), expiresAt: expires).save(on: req.db)
        try await Audit.record(req, user: user, action: "login", detail: "api")
        return LoginResponse(token: token, expires_at: expires, user: try await userDTO(user, on: req.db))
    }

    /// Ends the bearer token the call was made with (a browser session, when that was used instead).
    func logout(req: Request) async throws -> HTTPStatus {
        let user = try req.user
        if let token = req.storage[CurrentToken.self] {
            try await token.delete(on: req.db)
        } else if let s = req.storage[CurrentSession.self] {
            try await s.delete(on: req.db)
        }
        try await Audit.record(req, user: user, action: "logout", detail: "api")
        return .noContent
    }

    func openAPI(req: Request) async throws -> Response {
        guard let url = AnchorServerResources.openAPIURL else { throw Abort(.notFound) }
        let text = try String(contentsOf: url, encoding: .utf8)
        return Response(status: .ok, headers: ["Content-Type": "application/yaml; charset=utf-8"], body: .init(string: text))
    }

    func me(req: Request) async throws -> UserDTO { try await userDTO(req.user, on: req.db) }

    func userDTO(_ u: User, on db: Database) async throws -> UserDTO {
        let centre = try await Centre.find(u.$centre.id, on: db)
        return UserDTO(id: try u.requireID(), email: u.email, role: u.role, centre: centre?.name ?? "")
    }

    func listCases(req: Request) async throws -> CaseListResponse {
        let user = try req.user
        let cases = try await Access.cases(for: user, on: req.db).sort(\.$createdAt, .descending).all()
        try await Audit.record(req, user: user, action: "list_cases", detail: "\(cases.count) cases")
        return CaseListResponse(cases: try await CaseQueries.dtos(cases, on: req.db))
    }

    func getCase(req: Request) async throws -> CaseDTO {
        let user = try req.user
        let c = try await Access.find(req.parameters.get("id", as: UUID.self), for: user, on: req.db)
        try await Audit.record(req, user: user, action: "view_case", caseID: c.id)
        return try await CaseQueries.dtos([c], on: req.db)[0]
    }

    /// The `anchor dvh` and `anchor check` JSON of the current version.
    func getQA(req: Request) async throws -> Response {
        let user = try req.user
        let c = try await Access.find(req.parameters.get("id", as: UUID.self), for: user, on: req.db)
        try await Audit.record(req, user: user, action: "view_qa", caseID: c.id)
        guard let v = try await CaseQueries.currentVersion(of: c, on: req.db) else { throw Abort(.notFound) }
        let body: String
        switch (v.dvhJSON, v.checkJSON, v.failure) {
        case (let dvh?, let check?, _):
            body = "{\"case_id\":\"\(c.id!.uuidString)\",\"version\":\(v.number),\"status\":\"\(c.status)\",\"dvh\":\(dvh),\"check\":\(check)}"
        case (_, _, let failure?):
            body = "{\"case_id\":\"\(c.id!.uuidString)\",\"version\":\(v.number),\"status\":\"\(c.status)\",\"error\":\(jsonString(failure))}"
        default:
            body = "{\"case_id\":\"\(c.id!.uuidString)\",\"version\":\(v.number),\"status\":\"\(c.status)\",\"dvh\":null,\"check\":null}"
        }
        return Response(status: .ok, headers: ["Content-Type": "application/json"],
                        body: .init(string: ServerPaths.scrub(body, dataDirectory: req.application.anchorConfig.dataDirectory)))
    }

    func getReport(req: Request) async throws -> Response {
        let user = try req.user
        let c = try await Access.find(req.parameters.get("id", as: UUID.self), for: user, on: req.db)
        try await Audit.record(req, user: user, action: "view_report", caseID: c.id)
        guard let v = try await CaseQueries.currentVersion(of: c, on: req.db), let html = v.reportHTML else {
            throw Abort(.notFound, reason: "The QA report is not ready yet.")
        }
        // The report is a self-contained document with its own style sheet: no scripts, nothing fetched.
        return Response(status: .ok, headers: ["Content-Type": "text/html; charset=utf-8",
                                               "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"],
                        body: .init(string: ServerPaths.scrub(html, dataDirectory: req.application.anchorConfig.dataDirectory)))
    }

    func createCase(req: Request) async throws -> Response {
        let user = try req.user
        guard user.roleValue == .submitter || user.roleValue == .admin || user.roleValue == .coordinator else {
            throw Abort(.forbidden, reason: "Only submitters, coordinators and admins upload cases.")
        }
        guard req.storage[AuthMethodKey.self] == .bearer else {
            throw Abort(.forbidden, reason: "Uploads through the API take a bearer token; the browser uses the upload page.")
        }
        let spool = try await UploadSpool.receive(req)
        defer { spool.remove() }
        let (uploads, submission) = try CaseUploadForm.decode(spool)
        let outcome = try await Ingest.submit(uploads, submission: submission, by: user, app: req.application, db: req.db)
        try await Audit.record(req, user: user, action: "submit_case", caseID: outcome.caseID, detail: "\(outcome.files) files, protocol \(submission.protocolID)")
        let res = Response(status: .created)
        try res.content.encode(CaseCreatedResponse(id: outcome.caseID, status: outcome.status, version: outcome.versionNumber,
                                                   files: outcome.files, skipped: outcome.skipped))
        res.headers.replaceOrAdd(name: .location, value: "/api/v1/cases/\(outcome.caseID.uuidString)")
        return res
    }

    func audit(req: Request) async throws -> [AuditDTO] {
        let user = try req.user
        guard user.roleValue == .admin || user.roleValue == .coordinator else {
            throw Abort(.forbidden, reason: "The audit log is for admins and coordinators.")
        }
        let limit = max(1, min(req.query[Int.self, at: "limit"] ?? 500, 5000))
        // Scoped like everything else: events on cases the caller may see, and events of people of
        // the caller's own centre (sign-ins included).
        let visibleCases = try await Access.cases(for: user, on: req.db).all().compactMap(\.id)
        let colleagues = try await User.query(on: req.db).filter(\.$centre.$id == user.$centre.id).all().compactMap(\.id)
        var q = AuditEvent.query(on: req.db).group(.or) { or in
            if !visibleCases.isEmpty { or.filter(\.$caseID ~~ visibleCases) }
            if !colleagues.isEmpty { or.filter(\.$userID ~~ colleagues) }
        }.sort(\.$at, .descending).limit(limit)
        if let caseID = req.query[UUID.self, at: "case_id"] { q = q.filter(\.$caseID == caseID) }
        let events = try await q.all()
        try await Audit.record(req, user: user, action: "view_audit")
        return events.map { AuditDTO(at: $0.at, user: $0.userEmail, action: $0.action, case_id: $0.caseID, detail: $0.detail, address: $0.address) }
    }
}

func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        default: if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
        }
    }
    return out + "\""
}

/// The fields of a case upload: `files` (repeated, or one zip), `protocol`, `age_years`, `diagnosis`,
/// `planned_start`, and optionally `prescription_gy` and `fractions` (when the plan does not carry them,
/// or to state them for the grading).
enum CaseUploadForm {
    static func decode(_ form: UploadSpool) throws -> ([UploadedFile], CaseSubmission) {
        var missing: [String] = []
        for f in ["protocol", "age_years", "diagnosis", "planned_start"] where (form.fields[f] ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            missing.append(f)
        }
        if form.files.isEmpty { missing.append("files") }
        guard missing.isEmpty else { throw Abort(.badRequest, reason: "Missing fields: \(missing.joined(separator: ", ")).") }
        guard let age = Double(form.fields["age_years"]!.trimmingCharacters(in: .whitespaces)), age >= 0, age < 30 else {
            throw Abort(.badRequest, reason: "age_years must be a number between 0 and 30.")
        }
        let start = form.fields["planned_start"]!.trimmingCharacters(in: .whitespaces)
        guard start.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil, Turnaround.plannedStart(start) != nil else {
            throw Abort(.badRequest, reason: "planned_start must be a date as YYYY-MM-DD.")
        }
        let protocolID = form.fields["protocol"]!.trimmingCharacters(in: .whitespaces)
        guard ServerProtocols.exists(protocolID) else {
            throw Abort(.badRequest, reason: "Unknown protocol '\(protocolID)'. Known: \(ServerProtocols.ids.joined(separator: ", ")).")
        }
        let diagnosis = try Diagnosis.validate(form.fields["diagnosis"]!)
        var prescription: Double?
        if let text = form.fields["prescription_gy"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            guard let v = Double(text), v.isFinite, v > 0, v <= 100 else {
                throw Abort(.badRequest, reason: "prescription_gy must be a dose in Gy above 0 and at most 100.")
            }
            prescription = v
        }
        var fractions: Int?
        if let text = form.fields["fractions"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            guard let n = Int(text), n >= 1, n <= 100 else {
                throw Abort(.badRequest, reason: "fractions must be a whole number from 1 to 100.")
            }
            fractions = n
        }
        return (form.files, CaseSubmission(protocolID: protocolID, ageYears: age, diagnosis: diagnosis, plannedStart: start,
                                           prescriptionGy: prescription, fractions: fractions))
    }
}
