import Fluent
import Vapor

/// The review workflow API (issue: assignment, verdicts, threads, resubmission, turnaround).
struct ReviewController: RouteCollection {
    func boot(routes: RoutesBuilder) throws {
        let api = routes.grouped("api", "v1").grouped(TokenAuthenticator(), User.sessionAuthenticator(), RequireUser(redirect: false))
        api.post("cases", ":id", "assign", use: assign)
        api.post("cases", ":id", "reviews", use: review)
        api.get("cases", ":id", "reviews", use: reviews)
        api.post("cases", ":id", "messages", use: postMessage)
        api.get("cases", ":id", "messages", use: messages)
        api.get("cases", ":id", "versions", use: versions)
        api.on(.POST, "cases", ":id", "versions", body: .collect(maxSize: "1gb"), use: resubmit)
        api.get("waiting", use: waiting)
        api.get("turnaround", use: turnaround)
    }

    struct AssignRequest: Content { var reviewer_email: String?; var rota: Bool? }

    func assign(req: Request) async throws -> CaseDTO {
        let user = try req.user
        let c = try await Access.find(req.parameters.get("id", as: UUID.self), for: user, on: req.db)
        guard try await Workflow.coordinates(user, c, on: req.db) else {
            throw Abort(.forbidden, reason: "Only a coordinator of the reviewing anchor centre assigns reviewers.")
        }
        let body = (try? req.content.decode(AssignRequest.self)) ?? AssignRequest(reviewer_email: nil, rota: true)
        let reviewer: User
        if let email = body.reviewer_email?.lowercased(), !email.isEmpty {
            let centres = try await Workflow.reviewingCentres(of: c.$centre.id, on: req.db)
            guard let r = try await User.query(on: req.db).filter(\.$email == email).first(), r.roleValue == .reviewer,
                  centres.contains(r.$centre.id) else {
                throw Abort(.badRequest, reason: "\(email) is not a reviewer of an anchor centre that reviews this case.")
            }
            reviewer = r
        } else {
            guard let r = try await Workflow.rotaReviewer(for: c, on: req.db) else {
                throw Abort(.conflict, reason: "The reviewing anchor centre has no reviewers.")
            }
            reviewer = r
        }
        try await req.db.transaction { tx in
            c.$reviewer.id = try reviewer.requireID()
            try await c.save(on: tx)
            if c.status == ReviewCase.Status.qaComplete.rawValue {
                try await Workflow.transition(c, to: .inReview, by: user.id, on: tx)
            }
        }
        await Audit.record(req, user: user, action: "assign_reviewer", caseID: c.id, detail: reviewer.email)
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
        let isAssigned = c.$reviewer.id != nil && c.$reviewer.id == user.id
        let isCoordinator = try await Workflow.coordinates(user, c, on: req.db)
        guard isAssigned || isCoordinator else {
            throw Abort(.forbidden, reason: "Only the assigned reviewer or a coordinator of the reviewing centre reviews this case.")
        }
        guard c.status == ReviewCase.Status.inReview.rawValue || (isCoordinator && c.status == ReviewCase.Status.qaComplete.rawValue) else {
            throw Abort(.conflict, reason: "The case is \(c.status); it can be reviewed once its QA is complete and it is in review.")
        }
        let body = try req.content.decode(ReviewRequest.self)
        var verdicts: [Verdict] = []
        for (field, value) in [("target", body.target), ("oar", body.oar), ("dose", body.dose)] {
            guard let v = Verdict(rawValue: value) else {
                throw Abort(.badRequest, reason: "\(field) must be one of \(Verdict.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            verdicts.append(v)
        }
        for o in body.overrides ?? [] {
            guard Verdict(rawValue: o.grade) != nil, !o.reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw Abort(.badRequest, reason: "Each override needs a grade from the verdict vocabulary and a reason.")
            }
        }
        // Any unacceptable verdict requests changes (a justified one does not).
        let outcome: ReviewCase.Status = verdicts.contains(.unacceptableVariation) ? .changesRequested : .approved
        let r = Review()
        r.$reviewCase.id = try c.requireID()
        r.versionNumber = c.currentVersion
        r.$reviewer.id = try user.requireID()
        r.target = body.target
        r.oar = body.oar
        r.dose = body.dose
        r.comment = body.comment
        r.overridesJSON = try String(decoding: JSONEncoder().encode(body.overrides ?? []), as: UTF8.self)
        r.outcome = outcome.rawValue
        try await req.db.transaction { tx in
            try await r.save(on: tx)
            try await Workflow.transition(c, to: outcome, by: user.id, on: tx)
        }
        await Audit.record(req, user: user, action: "review", caseID: c.id, detail: outcome.rawValue)
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
        await Audit.record(req, user: user, action: "view_reviews", caseID: c.id)
        let list = try await Review.query(on: req.db).filter(\.$reviewCase.$id == c.requireID()).with(\.$reviewer).sort(\.$createdAt).all()
        return try list.map { try dto($0, reviewer: $0.reviewer.email) }
    }

    struct MessageRequest: Content { var body: String }
    struct MessageDTO: Content { var id: UUID; var author: String; var role: String; var body: String; var created_at: Date? }

    func postMessage(req: Request) async throws -> Response {
        let user = try req.user
        let c = try await Access.find(req.parameters.get("id", as: UUID.self), for: user, on: req.db)
        let body = try req.content.decode(MessageRequest.self).body.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !body.isEmpty, body.count <= 10_000 else { throw Abort(.badRequest, reason: "A message needs 1 to 10,000 characters.") }
        let m = Message(caseID: try c.requireID(), userID: try user.requireID(), body: body)
        try await m.save(on: req.db)
        await Audit.record(req, user: user, action: "message", caseID: c.id)
        let res = Response(status: .created)
        try res.content.encode(MessageDTO(id: try m.requireID(), author: user.email, role: user.role, body: body, created_at: m.createdAt))
        return res
    }

    func messages(req: Request) async throws -> [MessageDTO] {
        let user = try req.user
        let c = try await Access.find(req.parameters.get("id", as: UUID.self), for: user, on: req.db)
        await Audit.record(req, user: user, action: "view_messages", caseID: c.id)
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
        await Audit.record(req, user: user, action: "view_versions", caseID: c.id)
        let vs = try await CaseVersion.query(on: req.db).filter(\.$reviewCase.$id == c.requireID()).sort(\.$number).all()
        let rs = try await Review.query(on: req.db).filter(\.$reviewCase.$id == c.requireID()).with(\.$reviewer).all()
        var out: [VersionDTO] = []
        for v in vs {
            out.append(VersionDTO(number: v.number, status: v.status, created_at: v.createdAt, analysed_at: v.analysedAt, worst_grade: v.worstGrade,
                                  failure: v.failure, results: CheckJSON.results(v.checkJSON),
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
        guard c.$centre.id == user.$centre.id, user.roleValue != .reviewer else {
            throw Abort(.forbidden, reason: "Only the submitting centre resubmits its case.")
        }
        guard c.status == ReviewCase.Status.changesRequested.rawValue || c.status == ReviewCase.Status.qaFailed.rawValue else {
            throw Abort(.conflict, reason: "The case is \(c.status); a new version is uploaded after changes are requested.")
        }
        let uploads = try CaseUploadForm.parts(req).files
        guard !uploads.isEmpty else { throw Abort(.badRequest, reason: "Missing field: files.") }
        let submission = CaseSubmission(protocolID: c.protocolID, ageYears: c.ageYears, diagnosis: c.diagnosis, plannedStart: c.plannedStart)
        let from = c.status
        let outcome = try await Ingest.submit(uploads, submission: submission, by: user, existing: c, app: req.application, db: req.db)
        try await CaseEvent(caseID: outcome.caseID, from: from, to: ReviewCase.Status.resubmitted.rawValue, userID: user.id).save(on: req.db)
        await Audit.record(req, user: user, action: "resubmit_case", caseID: outcome.caseID, detail: "version \(outcome.versionNumber)")
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
        let visible = try await Access.cases(for: user, on: req.db).all()
        let mine: [ReviewCase]
        switch user.roleValue {
        case .reviewer:
            mine = visible.filter { $0.$reviewer.id == user.id && $0.status == ReviewCase.Status.inReview.rawValue }
        case .submitter:
            mine = visible.filter { $0.$centre.id == user.$centre.id && [ReviewCase.Status.changesRequested.rawValue, ReviewCase.Status.qaFailed.rawValue].contains($0.status) }
        case .coordinator, .admin:
            mine = visible.filter { $0.$reviewer.id == nil && $0.$centre.id != user.$centre.id && $0.status != ReviewCase.Status.approved.rawValue }
        }
        return CaseListResponse(cases: try await CaseQueries.dtos(mine.sorted { $0.plannedStart < $1.plannedStart }, on: req.db))
    }

    func turnaround(req: Request) async throws -> Turnaround.Report {
        let user = try req.user
        guard user.roleValue == .coordinator || user.roleValue == .admin else {
            throw Abort(.forbidden, reason: "Turnaround figures are for coordinators and admins.")
        }
        let cases = try await Access.cases(for: user, on: req.db).all()
        await Audit.record(req, user: user, action: "view_turnaround")
        return try await Turnaround.report(cases, on: req.db, now: Date())
    }
}

/// Reads the constraint rows of an `anchor check` JSON.
enum CheckJSON {
    static func results(_ json: String?) -> [PageController.ResultRow] {
        guard let data = json?.data(using: .utf8) else { return [] }
        struct Check: Decodable { var results: [PageController.ResultRow]? }
        return (try? JSONDecoder().decode(Check.self, from: data))?.results ?? []
    }
}
