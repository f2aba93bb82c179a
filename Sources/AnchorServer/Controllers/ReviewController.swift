import AnchorQA
import Fluent
import Vapor

/// The review workflow API (assignment, verdicts, threads, resubmission, turnaround).
struct ReviewController: RouteCollection {
    func boot(routes: RoutesBuilder) throws {
        let api = routes.grouped("api", "v1").grouped(TokenAuthenticator(), SessionAuthenticator(), APIRequestGuard(), RequireUser(redirect: false))
        api.post("cases", ":id", "assign", use: assign)
        api.post("cases", ":id", "reviews", use: review)
        api.get("cases", ":id", "reviews", use: reviews)
        api.post("cases", ":id", "messages", use: postMessage)
        api.get("cases", ":id", "messages", use: messages)
        api.get("cases", ":id", "versions", use: versions)
        api.on(.POST, "cases", ":id", "versions", body: .stream, use: resubmit)
        api.get("waiting", use: waiting)
        api.get("turnaround", use: turnaround)
    }

    struct AssignRequest: Content { var reviewer_email: String?; var rota: Bool? }

    func assign(req: Request) async throws -> CaseDTO {
        let user = try req.user
        let c = try await Access.find(req.parameters.get("id", as: UUID.self), for: user, on: req.db)
        let body = (try? req.content.decode(AssignRequest.self)) ?? AssignRequest(reviewer_email: nil, rota: true)
        try await ReviewActions.assign(c, reviewerEmail: body.reviewer_email, by: user, req: req)
        return try await CaseQueries.dtos([c], on: req.db)[0]
    }

    struct Override: Content { var structure: String; var metric: String; var grade: String; var reason: String }
    struct ReviewRequest: Content {
        var target: String
        var oar: String
        var dose: String
        var comment: String?
        var overrides: [Override]?
    }
    struct ReviewDTO: Content {
        var id: UUID
        var version: Int
        var reviewer: String
        var target: String
        var oar: String
        var dose: String
        var comment: String?
        var overrides: [Override]
        var outcome: String
        var created_at: Date?
    }
    struct ReviewResponse: Content { var review: ReviewDTO; var status: String }

    func review(req: Request) async throws -> Response {
        let user = try req.user
        let c = try await Access.find(req.parameters.get("id", as: UUID.self), for: user, on: req.db)
        let body = try req.content.decode(ReviewRequest.self)
        let r = try await ReviewActions.review(c, body, by: user, req: req)
        let res = Response(status: .created)
        try res.content.encode(ReviewResponse(review: try dto(r, reviewer: user.email), status: c.status))
        return res
    }

    func dto(_ r: Review, reviewer: String) throws -> ReviewDTO {
        let overrides = (r.overridesJSON?.data(using: .utf8)).flatMap { try? JSONDecoder().decode([Override].self, from: $0) } ?? []
        return ReviewDTO(id: try r.requireID(), version: r.versionNumber, reviewer: reviewer, target: r.target, oar: r.oar, dose: r.dose,
                         comment: r.comment, overrides: overrides, outcome: r.outcome, created_at: r.createdAt)
    }

    func reviews(req: Request) async throws -> [ReviewDTO] {
        let user = try req.user
        let c = try await Access.find(req.parameters.get("id", as: UUID.self), for: user, on: req.db)
        try await Audit.record(req, user: user, action: "view_reviews", caseID: c.id)
        let list = try await Review.query(on: req.db).filter(\.$reviewCase.$id == c.requireID()).with(\.$reviewer).sort(\.$createdAt).all()
        return try list.map { try dto($0, reviewer: $0.reviewer.email) }
    }

    struct MessageRequest: Content { var body: String }
    struct MessageDTO: Content { var id: UUID; var author: String; var role: String; var body: String; var created_at: Date? }

    func postMessage(req: Request) async throws -> Response {
        let user = try req.user
        let c = try await Access.find(req.parameters.get("id", as: UUID.self), for: user, on: req.db)
        let m = try await ReviewActions.post(try req.content.decode(MessageRequest.self).body, on: c, by: user, req: req)
        let res = Response(status: .created)
        try res.content.encode(MessageDTO(id: try m.requireID(), author: user.email, role: user.role, body: m.body, created_at: m.createdAt))
        return res
    }

    func messages(req: Request) async throws -> [MessageDTO] {
        let user = try req.user
        let c = try await Access.find(req.parameters.get("id", as: UUID.self), for: user, on: req.db)
        try await Audit.record(req, user: user, action: "view_messages", caseID: c.id)
        return try await Message.query(on: req.db).filter(\.$reviewCase.$id == c.requireID()).with(\.$user).sort(\.$createdAt).all()
            .map { MessageDTO(id: try $0.requireID(), author: $0.user.email, role: $0.user.role, body: $0.body, created_at: $0.createdAt) }
    }

    struct VersionDTO: Content {
        var number: Int
        var status: String
        var created_at: Date?
        var analysed_at: Date?
        var worst_grade: String?
        var failure: String?
        var results: [PageController.ResultRow]
        var reviews: [ReviewDTO]
    }
    struct ConstraintChange: Content {
        var structure: String
        var metric: String
        var before: Double?
        var after: Double?
        var grade_before: String?
        var grade_after: String?
    }
    struct VersionsResponse: Content { var case_id: UUID; var versions: [VersionDTO]; var changes: [ConstraintChange] }

    /// Every version with its QA and reviews, and what changed in the constraint table from each
    /// version to the next.
    func versions(req: Request) async throws -> VersionsResponse {
        let user = try req.user
        let c = try await Access.find(req.parameters.get("id", as: UUID.self), for: user, on: req.db)
        try await Audit.record(req, user: user, action: "view_versions", caseID: c.id)
        let vs = try await CaseVersion.query(on: req.db).filter(\.$reviewCase.$id == c.requireID()).sort(\.$number).all()
        let rs = try await Review.query(on: req.db).filter(\.$reviewCase.$id == c.requireID()).with(\.$reviewer).all()
        var out: [VersionDTO] = []
        for v in vs {
            out.append(VersionDTO(number: v.number, status: v.status, created_at: v.createdAt, analysed_at: v.analysedAt, worst_grade: v.worstGrade,
                                  failure: v.failure.map { ServerPaths.scrub($0, dataDirectory: req.application.anchorConfig.dataDirectory) }, results: CheckJSON.results(v.checkJSON),
                                  reviews: try rs.filter { $0.versionNumber == v.number }.map { try dto($0, reviewer: $0.reviewer.email) }))
        }
        var changes: [ConstraintChange] = []
        for (a, b) in zip(out, out.dropFirst()) {
            for after in b.results {
                let before = a.results.first { $0.structure == after.structure && $0.metric == after.metric }
                if before?.value != after.value || before?.grade != after.grade {
                    changes.append(ConstraintChange(structure: after.structure ?? "", metric: after.metric ?? "", before: before?.value,
                                                    after: after.value, grade_before: before?.grade, grade_after: after.grade))
                }
            }
        }
        return VersionsResponse(case_id: try c.requireID(), versions: out, changes: changes)
    }

    func resubmit(req: Request) async throws -> Response {
        let user = try req.user
        let c = try await Access.find(req.parameters.get("id", as: UUID.self), for: user, on: req.db)
        guard req.storage[AuthMethodKey.self] == .bearer else {
            throw Abort(.forbidden, reason: "Uploads through the API take a bearer token; the browser uses the case's review page.")
        }
        let spool = try await UploadSpool.receive(req)
        defer { spool.remove() }
        let outcome = try await ReviewActions.resubmit(c, uploads: spool.files, by: user, req: req)
        let res = Response(status: .created)
        try res.content.encode(CaseCreatedResponse(id: outcome.caseID, status: outcome.status, version: outcome.versionNumber,
                                                   files: outcome.files, skipped: outcome.skipped))
        return res
    }

    /// What waits for the caller: reviewers, the cases in review assigned to them; submitters, their
    /// centre's cases with changes requested or failed QA; coordinators, cases of reviewed centres
    /// without a reviewer.
    func waiting(req: Request) async throws -> CaseListResponse {
        let user = try req.user
        let cases = try await ReviewActions.waiting(for: user, on: req.db)
        try await Audit.record(req, user: user, action: "list_waiting", detail: "\(cases.count) cases")
        return CaseListResponse(cases: try await CaseQueries.dtos(cases, on: req.db))
    }

    func turnaround(req: Request) async throws -> Turnaround.Report {
        let user = try req.user
        guard user.roleValue == .coordinator || user.roleValue == .admin else {
            throw Abort(.forbidden, reason: "Turnaround figures are for coordinators and admins.")
        }
        let cases = try await Access.cases(for: user, on: req.db).all()
        try await Audit.record(req, user: user, action: "view_turnaround")
        return try await Turnaround.report(cases, on: req.db, now: Date())
    }
}

/// The constraint rows of a stored `anchor check` document, read through the typed QA document.
enum CheckJSON {
    static func results(_ json: String?) -> [PageController.ResultRow] {
        QAResultDocument.decodeIfPresent(json)?.results.map(PageController.ResultRow.init) ?? []
    }
}
