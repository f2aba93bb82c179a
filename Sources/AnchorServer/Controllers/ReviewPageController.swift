import Fluent
import Leaf
import Vapor

/// Pages of the review workflow: the review page of a case (versions side by side, the thread, and
/// the forms each role may use), what waits for me, and the coordinator's turnaround.
struct ReviewPageController: RouteCollection {
    func boot(routes: RoutesBuilder) throws {
        let signedIn = routes.grouped(SessionAuthenticator(), RequireUser(redirect: true))
        signedIn.get("cases", ":id", "review", use: reviewPage)
        signedIn.get("waiting", use: waitingPage)
        signedIn.get("turnaround", use: turnaroundPage)
        let forms = signedIn.grouped(CSRF())
        forms.post("cases", ":id", "review", use: submitReview)
        forms.post("cases", ":id", "messages", use: submitMessage)
        forms.post("cases", ":id", "assign", use: submitAssign)
        forms.on(.POST, "cases", ":id", "resubmit", body: .stream, use: submitResubmission)
    }

    func layout(_ req: Request, _ title: String) -> PageController.Layout {
        let u = req.auth.get(User.self)
        return PageController.Layout(title: title, user: u?.email, role: u?.role, csrf: CSRF.token(req))
    }

    struct Row: Encodable { var structure: String; var metric: String; var cells: [Cell] }
    struct Cell: Encodable { var value: String; var grade: String; var changed: Bool }
    struct VersionHead: Encodable { var number: Int; var status: String; var worst: String?; var reviews: [String] }
    struct MessageView: Encodable { var author: String; var role: String; var body: String; var at: String }
    struct Context: Encodable {
        var layout: PageController.Layout
        var c: CaseDTO
        var versions: [VersionHead]
        var rows: [Row]
        var messages: [MessageView]
        var canReview: Bool
        var canAssign: Bool
        var canResubmit: Bool
        var reviewers: [String]
        var verdicts: [String]
        var error: String?
    }

    static let stamp: DateFormatter = {
        let f = DateFormatter()
        f.dateFormat = "yyyy-MM-dd HH:mm"
        f.timeZone = TimeZone(identifier: "UTC")
        return f
    }()

    func context(_ req: Request, _ c: ReviewCase, user: User, error: String?) async throws -> Context {
        let vs = try await CaseVersion.query(on: req.db).filter(\.$reviewCase.$id == c.requireID()).sort(\.$number).all()
        let reviews = try await Review.query(on: req.db).filter(\.$reviewCase.$id == c.requireID()).with(\.$reviewer).all()
        let heads = vs.map { v in
            VersionHead(number: v.number, status: v.status, worst: v.worstGrade,
                        reviews: reviews.filter { $0.versionNumber == v.number }.map { "\($0.reviewer.email): target \($0.target), OAR \($0.oar), dose \($0.dose) → \($0.outcome)" + ($0.comment.map { " (\($0))" } ?? "") })
        }
        // The constraint table of every version side by side, changes marked.
        let tables = vs.map { CheckJSON.results($0.checkJSON) }
        var keys: [String] = []
        for t in tables { for r in t { let k = "\(r.structure ?? "")|\(r.metric ?? "")|\(r.matched_structure ?? "")"; if !keys.contains(k) { keys.append(k) } } }
        let rows: [Row] = keys.map { k in
            let parts = k.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            var previous: String?
            let cells = tables.map { t -> Cell in
                let r = t.first { "\($0.structure ?? "")|\($0.metric ?? "")|\($0.matched_structure ?? "")" == k }
                let v = r?.value.map { String(format: "%.2f %@", $0, r?.unit ?? "") } ?? (r == nil ? "–" : "n/e")
                let cell = Cell(value: v, grade: r?.grade ?? "", changed: previous != nil && previous != v)
                previous = v
                return cell
            }
            return Row(structure: parts[2].isEmpty ? parts[0] : parts[2], metric: parts[1], cells: cells)
        }
        let messages = try await Message.query(on: req.db).filter(\.$reviewCase.$id == c.requireID()).with(\.$user).sort(\.$createdAt).all()
            .map { MessageView(author: $0.user.email, role: $0.user.role, body: $0.body, at: $0.createdAt.map { Self.stamp.string(from: $0) } ?? "") }
        let coordinates = try await Workflow.coordinates(user, c, on: req.db)
        let assigned = c.$reviewer.id != nil && c.$reviewer.id == user.id
        let reviewable = c.status == ReviewCase.Status.inReview.rawValue || (coordinates && c.status == ReviewCase.Status.qaComplete.rawValue)
        var reviewers: [String] = []
        if coordinates {
            let centres = try await Workflow.reviewingCentres(of: c.$centre.id, on: req.db)
            reviewers = try await User.query(on: req.db).filter(\.$centre.$id ~~ centres).filter(\.$role == "reviewer").sort(\.$email).all().map(\.email)
        }
        return Context(layout: layout(req, "Review"), c: try await CaseQueries.dtos([c], on: req.db)[0], versions: heads, rows: rows,
                       messages: messages, canReview: (assigned || coordinates) && reviewable, canAssign: coordinates,
                       canResubmit: c.$centre.id == user.$centre.id && user.roleValue != .reviewer
                           && [ReviewCase.Status.changesRequested.rawValue, ReviewCase.Status.qaFailed.rawValue].contains(c.status),
                       reviewers: reviewers, verdicts: Verdict.allCases.map(\.rawValue), error: error)
    }

    func reviewPage(req: Request) async throws -> View {
        let user = try req.user
        let c = try await Access.find(req.parameters.get("id", as: UUID.self), for: user, on: req.db)
        try await Audit.record(req, user: user, action: "view_review", caseID: c.id, detail: "page")
        return try await req.view.render("review", try await context(req, c, user: user, error: nil))
    }

    /// Runs a form action; on a refusal the page is shown again with the reason.
    func act(_ req: Request, _ body: (User, ReviewCase) async throws -> Void) async throws -> Response {
        let user = try req.user
        let c = try await Access.find(req.parameters.get("id", as: UUID.self), for: user, on: req.db)
        do {
            try await body(user, c)
            return req.redirect(to: "/cases/\(c.id!.uuidString)/review")
        } catch let e as AbortError {
            let view = try await req.view.render("review", try await context(req, c, user: user, error: e.reason))
            let res = try await view.encodeResponse(for: req)
            res.status = e.status
            return res
        }
    }

    func submitReview(req: Request) async throws -> Response {
        struct Form: Content { var target: String; var oar: String; var dose: String; var comment: String? }
        let f = try req.content.decode(Form.self)
        return try await act(req) { user, c in
            _ = try await ReviewActions.review(c, .init(target: f.target, oar: f.oar, dose: f.dose, comment: f.comment, overrides: nil), by: user, req: req)
        }
    }

    func submitMessage(req: Request) async throws -> Response {
        struct Form: Content { var body: String }
        let f = try req.content.decode(Form.self)
        return try await act(req) { user, c in _ = try await ReviewActions.post(f.body, on: c, by: user, req: req) }
    }

    func submitAssign(req: Request) async throws -> Response {
        struct Form: Content { var reviewer_email: String? }
        let f = try req.content.decode(Form.self)
        return try await act(req) { user, c in try await ReviewActions.assign(c, reviewerEmail: f.reviewer_email, by: user, req: req) }
    }

    func submitResubmission(req: Request) async throws -> Response {
        let spool = try await UploadSpool.receive(req)
        defer { spool.remove() }
        let uploads = spool.files
        return try await act(req) { user, c in _ = try await ReviewActions.resubmit(c, uploads: uploads, by: user, req: req) }
    }

    struct WaitingContext: Encodable { var layout: PageController.Layout; var cases: [CaseDTO]; var what: String }

    func waitingPage(req: Request) async throws -> View {
        let user = try req.user
        let what: String
        switch user.roleValue {
        case .reviewer: what = "Cases in review assigned to you."
        case .submitter: what = "Your centre's cases with changes requested or a failed QA."
        case .coordinator, .admin: what = "Cases of the centres you review that have no reviewer yet."
        }
        let waiting = try await ReviewActions.waiting(for: user, on: req.db)
        try await Audit.record(req, user: user, action: "list_waiting", detail: "\(waiting.count) cases (page)")
        let cases = try await CaseQueries.dtos(waiting, on: req.db)
        return try await req.view.render("waiting", WaitingContext(layout: layout(req, "Waiting for me"), cases: cases, what: what))
    }

    struct TurnaroundContext: Encodable { var layout: PageController.Layout; var report: Turnaround.Report }

    func turnaroundPage(req: Request) async throws -> View {
        let user = try req.user
        guard user.roleValue == .coordinator || user.roleValue == .admin else {
            throw Abort(.forbidden, reason: "Turnaround figures are for coordinators and admins.")
        }
        let cases = try await Access.cases(for: user, on: req.db).all()
        try await Audit.record(req, user: user, action: "view_turnaround", detail: "page")
        return try await req.view.render("turnaround", TurnaroundContext(layout: layout(req, "Turnaround"),
                                                                         report: try await Turnaround.report(cases, on: req.db, now: Date())))
    }
}
