import Fluent
import Vapor

/// The review workflow's actions, shared by the API and the pages; each checks who may do it.
enum ReviewActions {
    static func assign(_ c: ReviewCase, reviewerEmail: String?, by user: User, req: Request) async throws {
        guard try await Workflow.coordinates(user, c, on: req.db) else {
            throw Abort(.forbidden, reason: "Only a coordinator of the reviewing anchor centre assigns reviewers.")
        }
        let reviewer: User
        if let email = reviewerEmail?.lowercased().trimmingCharacters(in: .whitespaces), !email.isEmpty {
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
        try await Audit.record(req, user: user, action: "assign_reviewer", caseID: c.id, detail: reviewer.email)
    }

    static func review(_ c: ReviewCase, _ body: ReviewController.ReviewRequest, by user: User, req: Request) async throws -> Review {
        let isAssigned = c.$reviewer.id != nil && c.$reviewer.id == user.id
        let isCoordinator = try await Workflow.coordinates(user, c, on: req.db)
        guard isAssigned || isCoordinator else {
            throw Abort(.forbidden, reason: "Only the assigned reviewer or a coordinator of the reviewing centre reviews this case.")
        }
        guard c.status == ReviewCase.Status.inReview.rawValue || (isCoordinator && c.status == ReviewCase.Status.qaComplete.rawValue) else {
            throw Abort(.conflict, reason: "The case is \(c.status); it can be reviewed once its QA is complete and it is in review.")
        }
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
        r.overridesJSON = String(decoding: try JSONEncoder().encode(body.overrides ?? []), as: UTF8.self)
        r.outcome = outcome.rawValue
        try await req.db.transaction { tx in
            try await r.save(on: tx)
            try await Workflow.transition(c, to: outcome, by: user.id, on: tx)
        }
        try await Audit.record(req, user: user, action: "review", caseID: c.id, detail: outcome.rawValue)
        return r
    }

    static func post(_ text: String, on c: ReviewCase, by user: User, req: Request) async throws -> Message {
        let body = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !body.isEmpty, body.count <= 10_000 else { throw Abort(.badRequest, reason: "A message needs 1 to 10,000 characters.") }
        let m = Message(caseID: try c.requireID(), userID: try user.requireID(), body: body)
        try await m.save(on: req.db)
        try await Audit.record(req, user: user, action: "message", caseID: c.id)
        return m
    }

    static func resubmit(_ c: ReviewCase, uploads: [UploadedFile], by user: User, req: Request) async throws -> Ingest.Outcome {
        guard c.$centre.id == user.$centre.id, user.roleValue != .reviewer else {
            throw Abort(.forbidden, reason: "Only the submitting centre resubmits its case.")
        }
        guard c.status == ReviewCase.Status.changesRequested.rawValue || c.status == ReviewCase.Status.qaFailed.rawValue else {
            throw Abort(.conflict, reason: "The case is \(c.status); a new version is uploaded after changes are requested.")
        }
        guard !uploads.isEmpty else { throw Abort(.badRequest, reason: "Missing field: files.") }
        let submission = CaseSubmission(protocolID: c.protocolID, ageYears: c.ageYears, diagnosis: c.diagnosis, plannedStart: c.plannedStart,
                                        prescriptionGy: c.prescriptionGy, fractions: c.fractions)
        let from = c.status
        let outcome = try await Ingest.submit(uploads, submission: submission, by: user, existing: c, app: req.application, db: req.db)
        try await CaseEvent(caseID: outcome.caseID, from: from, to: ReviewCase.Status.resubmitted.rawValue, userID: user.id).save(on: req.db)
        try await Audit.record(req, user: user, action: "resubmit_case", caseID: outcome.caseID, detail: "version \(outcome.versionNumber)")
        return outcome
    }

    /// What waits for the user: reviewers, the cases in review assigned to them; submitters, their
    /// centre's cases with changes requested or failed QA; coordinators and admins, cases of reviewed
    /// centres without a reviewer. Earliest planned start first.
    static func waiting(for user: User, on db: Database) async throws -> [ReviewCase] {
        let visible = try await Access.cases(for: user, on: db).all()
        let mine: [ReviewCase]
        switch user.roleValue {
        case .reviewer:
            mine = visible.filter { $0.$reviewer.id == user.id && $0.status == ReviewCase.Status.inReview.rawValue }
        case .submitter:
            mine = visible.filter { $0.$centre.id == user.$centre.id && [ReviewCase.Status.changesRequested.rawValue, ReviewCase.Status.qaFailed.rawValue].contains($0.status) }
        case .coordinator, .admin:
            mine = visible.filter { $0.$reviewer.id == nil && $0.$centre.id != user.$centre.id && $0.status != ReviewCase.Status.approved.rawValue }
        }
        return mine.sorted { $0.plannedStart < $1.plannedStart }
    }
}
