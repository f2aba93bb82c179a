import AnchorQA
import Fluent
import Leaf
import Vapor

/// The browser pages (Leaf): sign in, case list, case page, upload. Light on purpose: one small CSS
/// file, no framework, a few lines of JavaScript only for upload progress.
struct PageController: RouteCollection {
    func boot(routes: RoutesBuilder) throws {
        let pages = routes.grouped(SessionAuthenticator())
        pages.get("login", use: loginPage)
        pages.grouped(CSRF()).post("login", use: loginSubmit)
        let signedIn = pages.grouped(RequireUser(redirect: true))
        signedIn.get(use: caseList)
        signedIn.get("cases", ":id", use: casePage)
        signedIn.get("upload", use: uploadPage)
        signedIn.get("account", "password", use: passwordPage)
        let forms = signedIn.grouped(CSRF())
        forms.post("logout", use: logout)
        forms.post("account", "password", use: passwordSubmit)
        // Streamed to disk as it arrives, the limit enforced on the way (`UploadSpool`).
        forms.on(.POST, "upload", body: .stream, use: uploadSubmit)
    }

    struct Layout: Encodable {
        var title: String
        var user: String?
        var role: String?
        var csrf: String
    }

    func layout(_ req: Request, _ title: String) -> Layout {
        let u = req.auth.get(User.self)
        return Layout(title: title, user: u?.email, role: u?.role, csrf: CSRF.token(req))
    }

    struct LoginContext: Encodable { var layout: Layout; var error: String?; var email: String? }

    func loginPage(req: Request) async throws -> Response {
        if req.auth.has(User.self) { return req.redirect(to: "/") }
        let view = try await req.view.render("login", LoginContext(layout: layout(req, "Sign in"), error: nil, email: nil))
        let res = try await view.encodeResponse(for: req)
        CSRF.attachLoginCookie(res, req)
        return res
    }

    func loginSubmit(req: Request) async throws -> Response {
        struct Form: Content { var email: String; var password: String }
        let form = try req.content.decode(Form.self)
        do {
            let user = try await SignIn.verify(email: form.email, password: form.password, on: req)
            req.auth.login(user)
            try await Audit.record(req, user: user, action: "login", detail: "browser")
            let res = req.redirect(to: "/")
            // A new session id at every sign-in: a session id planted before cannot be taken over.
            try await BrowserSessions.start(user, req: req, res: res)
            return res
        } catch let e as AbortError {
            let view = try await req.view.render("login", LoginContext(layout: layout(req, "Sign in"), error: e.reason, email: form.email))
            let res = try await view.encodeResponse(for: req)
            res.status = e.status
            if let retry = e.headers.first(name: "Retry-After") { res.headers.replaceOrAdd(name: "Retry-After", value: retry) }
            CSRF.attachLoginCookie(res, req)
            return res
        }
    }

    /// Signing out ends every session and API token of the person.
    func logout(req: Request) async throws -> Response {
        let user = try req.user
        try await Tokens.revokeAll(of: try user.requireID(), on: req.db)
        try await Audit.record(req, user: user, action: "logout", detail: "browser: every session and token ended")
        req.auth.logout(User.self)
        req.storage[CurrentSession.self] = nil
        let res = req.redirect(to: "/login")
        BrowserSessions.clear(req, res)
        return res
    }

    struct PasswordContext: Encodable { var layout: Layout; var error: String?; var done: Bool }

    func passwordPage(req: Request) async throws -> View {
        try await req.view.render("password", PasswordContext(layout: layout(req, "Change password"), error: nil, done: false))
    }

    /// Changes the signed-in person's password (the current one is asked again), then ends their other
    /// sessions and every API token, and renews this session's id.
    func passwordSubmit(req: Request) async throws -> Response {
        struct Form: Content { var current: String; var new: String; var confirm: String }
        let user = try req.user
        let form = try req.content.decode(Form.self)
        do {
            guard (try? await req.password.async.verify(form.current, created: user.passwordHash)) == true else {
                throw Abort(.forbidden, reason: "The current password is not right.")
            }
            guard form.new == form.confirm else { throw Abort(.badRequest, reason: "The new password and its confirmation differ.") }
            do { try PasswordPolicy.check(form.new, email: user.email) } catch let e as PasswordPolicy.Refusal {
                throw Abort(.badRequest, reason: e.description)
            }
            let newHash = try await req.password.async.hash(form.new)
            user.passwordHash = newHash
            try await user.save(on: req.db)
            try await Tokens.revokeAll(of: try user.requireID(), on: req.db)
            try await Audit.record(req, user: user, action: "password_changed", detail: "browser")
            let view = try await req.view.render("password", PasswordContext(layout: layout(req, "Change password"), error: nil, done: true))
            let res = try await view.encodeResponse(for: req)
            try await BrowserSessions.start(user, req: req, res: res)
            return res
        } catch let e as AbortError {
            let view = try await req.view.render("password", PasswordContext(layout: layout(req, "Change password"), error: e.reason, done: false))
            let res = try await view.encodeResponse(for: req)
            res.status = e.status
            return res
        }
    }

    struct ListContext: Encodable { var layout: Layout; var cases: [CaseDTO]; var canUpload: Bool }

    func caseList(req: Request) async throws -> View {
        let user = try req.user
        let cases = try await Access.cases(for: user, on: req.db).sort(\.$createdAt, .descending).all()
        try await Audit.record(req, user: user, action: "list_cases", detail: "\(cases.count) cases (page)")
        return try await req.view.render("cases", ListContext(layout: layout(req, "Cases"), cases: try await CaseQueries.dtos(cases, on: req.db),
                                                              canUpload: user.roleValue != .reviewer))
    }

    /// One constraint result as pages and the versions API show it (the keys of `anchor check --json`
    /// plus `display`), made from the typed QA document.
    struct ResultRow: Codable {
        var structure: String?
        var matched_structure: String?
        var metric: String?
        var value: Double?
        var unit: String?
        var grade: String?
        var limit: String?
        var source: String?
        var reason: String?
        /// The expression of a derived structure (`Lung_L | Lung_R`), when the row was graded on one.
        var derived_from: String?
        /// The value as shown: two decimals and the unit.
        var display: String? { value.map { String(format: "%.2f %@", $0, unit ?? "") } }

        init(_ r: QAResultDocument.Result) {
            structure = r.structure
            matched_structure = r.matchedStructure
            metric = r.metric
            value = r.value
            unit = r.unit
            grade = r.grade.rawValue
            limit = r.limit
            source = r.source
            reason = r.reason
            derived_from = r.derivedFrom
        }

        enum CodingKeys: String, CodingKey { case structure, matched_structure, metric, value, unit, grade, limit, source, reason, derived_from, display }
        /// Read back from the API's JSON (clients and tests).
        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            structure = try c.decodeIfPresent(String.self, forKey: .structure)
            matched_structure = try c.decodeIfPresent(String.self, forKey: .matched_structure)
            metric = try c.decodeIfPresent(String.self, forKey: .metric)
            value = try c.decodeIfPresent(Double.self, forKey: .value)
            unit = try c.decodeIfPresent(String.self, forKey: .unit)
            grade = try c.decodeIfPresent(String.self, forKey: .grade)
            limit = try c.decodeIfPresent(String.self, forKey: .limit)
            source = try c.decodeIfPresent(String.self, forKey: .source)
            reason = try c.decodeIfPresent(String.self, forKey: .reason)
            derived_from = try c.decodeIfPresent(String.self, forKey: .derived_from)
        }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeIfPresent(structure, forKey: .structure)
            try c.encodeIfPresent(matched_structure, forKey: .matched_structure)
            try c.encodeIfPresent(metric, forKey: .metric)
            try c.encodeIfPresent(value, forKey: .value)
            try c.encodeIfPresent(unit, forKey: .unit)
            try c.encodeIfPresent(grade, forKey: .grade)
            try c.encodeIfPresent(limit, forKey: .limit)
            try c.encodeIfPresent(source, forKey: .source)
            try c.encodeIfPresent(reason, forKey: .reason)
            try c.encodeIfPresent(derived_from, forKey: .derived_from)
            try c.encodeIfPresent(display, forKey: .display)
        }
    }

    /// One quantity of one structure from the planning system's DVH and from Anchor's.
    struct TPSRow: Encodable {
        var structure: String
        var quantity: String
        var anchor: String
        var tps: String
        var flagged: Bool

        init(structure: String, row r: QAResultDocument.TPSComparison.Row) {
            self.structure = structure
            quantity = r.quantity
            anchor = r.anchor.map { String(format: "%.2f %@", $0, r.unit) } ?? "-"
            tps = r.tps.map { String(format: "%.2f %@", $0, r.unit) } ?? "-"
            flagged = r.flagged
        }
    }

    struct CaseContext: Encodable {
        var layout: Layout
        var c: CaseDTO
        var versionStatus: String
        var failure: String?
        var results: [ResultRow]
        /// The planning system's stored DVHs beside Anchor's, one row per structure and quantity.
        var tps: [TPSRow]
        var overall: String?
        var svg: String?
        var hasReport: Bool
    }

    func casePage(req: Request) async throws -> View {
        let user = try req.user
        let c = try await Access.find(req.parameters.get("id", as: UUID.self), for: user, on: req.db)
        try await Audit.record(req, user: user, action: "view_case", caseID: c.id, detail: "page")
        let v = try await CaseQueries.currentVersion(of: c, on: req.db)
        let document = QAResultDocument.decodeIfPresent(v?.checkJSON)
        let results = document?.results.map(ResultRow.init) ?? []
        let overall = document?.overall.rawValue
        let tps = (document?.tpsDVHComparison ?? []).flatMap { c in c.rows.map { TPSRow(structure: c.structure, row: $0) } }
        let dto = try await CaseQueries.dtos([c], on: req.db)[0]
        return try await req.view.render("case", CaseContext(layout: layout(req, "Case \(c.pseudonym ?? "")"), c: dto,
                                                             versionStatus: v?.status ?? c.status, failure: v?.failure.map { ServerPaths.scrub($0, dataDirectory: req.application.anchorConfig.dataDirectory) }, results: results,
                                                             tps: tps, overall: overall, svg: v?.dvhSVG, hasReport: v?.reportHTML != nil))
    }

    struct UploadContext: Encodable { var layout: Layout; var protocols: [String]; var error: String? }

    func uploadPage(req: Request) async throws -> View {
        try await req.view.render("upload", UploadContext(layout: layout(req, "Submit a case"), protocols: ServerProtocols.ids, error: nil))
    }

    func uploadSubmit(req: Request) async throws -> Response {
        let user = try req.user
        do {
            guard user.roleValue != .reviewer else { throw Abort(.forbidden, reason: "Reviewers do not submit cases.") }
            let spool = try await UploadSpool.receive(req)
            defer { spool.remove() }
            let (uploads, submission) = try CaseUploadForm.decode(spool)
            let outcome = try await Ingest.submit(uploads, submission: submission, by: user, app: req.application, db: req.db)
            try await Audit.record(req, user: user, action: "submit_case", caseID: outcome.caseID, detail: "\(outcome.files) files (page)")
            return req.redirect(to: "/cases/\(outcome.caseID.uuidString)")
        } catch let e as AbortError {
            let view = try await req.view.render("upload", UploadContext(layout: layout(req, "Submit a case"), protocols: ServerProtocols.ids, error: e.reason))
            let res = try await view.encodeResponse(for: req)
            res.status = e.status
            return res
        }
    }
}
