@testable import AnchorServer
import Fluent
import Foundation
import Testing
import VaporTesting

extension ServerTests {
    struct ReviewBody: Encodable, Sendable { var target: String; var oar: String; var dose: String; var comment: String? }

    @Test(arguments: Backend.available)
    func reviewLoopFromSubmissionToApproval(_ backend: Backend) async throws {
        try await TestServer.with(backend) { app, config in
            let submitterEmail = Network.email("submitter", "partner-p")
            let id = try await TestServer.upload(app, as: submitterEmail)
            let submitter = try await TestServer.token(app, submitterEmail)
            let coordinator = try await TestServer.token(app, Network.email("coordinator", "anchor-a"))
            let reviewerEmail = Network.email("reviewer2", "anchor-a")
            let reviewer = try await TestServer.token(app, reviewerEmail)

            // Not analysed yet: nobody can review.
            let early = try await app.call(.POST, "/api/v1/cases/\(id)/reviews", token: coordinator,
                                           json: ReviewBody(target: "per_protocol", oar: "per_protocol", dose: "per_protocol"))
            #expect(early.status == .conflict)
            // The coordinator assigns a reviewer by e-mail.
            let assign = try await app.call(.POST, "/api/v1/cases/\(id)/assign", token: coordinator, json: ["reviewer_email": reviewerEmail])
            #expect(assign.status == .ok, "\(assign.body)")
            #expect(assign.body.jsonObject?["reviewer"] as? String == reviewerEmail)
            // A submitter may not assign, nor review.
            let r1 = try await app.call(.POST, "/api/v1/cases/\(id)/assign", token: submitter, json: ["reviewer_email": reviewerEmail])
            #expect(r1.status == .forbidden)
            try await TestServer.drainJobs(app, config)
            #expect(try await ReviewCase.find(id, on: app.db)?.status == "in_review")
            let r2 = try await app.call(.POST, "/api/v1/cases/\(id)/reviews", token: submitter,
                                       json: ReviewBody(target: "per_protocol", oar: "per_protocol", dose: "per_protocol"))
            #expect(r2.status == .forbidden)
            // The reviewer's waiting list holds the case.
            let r3 = try await app.call(.GET, "/api/v1/waiting", token: reviewer)
            #expect(r3.body.contains(id.uuidString))
            // A bad verdict word is refused.
            let r4 = try await app.call(.POST, "/api/v1/cases/\(id)/reviews", token: reviewer,
                                       json: ReviewBody(target: "fine", oar: "per_protocol", dose: "per_protocol"))
            #expect(r4.status == .badRequest)
            // Unacceptable target delineation: changes requested.
            let first = try await app.call(.POST, "/api/v1/cases/\(id)/reviews", token: reviewer,
                                           json: ReviewBody(target: "unacceptable_variation", oar: "per_protocol", dose: "acceptable_variation", comment: "CTV misses the GTV caudally"))
            #expect(first.status == .created)
            #expect(first.body.jsonObject?["status"] as? String == "changes_requested")
            // The thread: the centre answers.
            let r5 = try await app.call(.POST, "/api/v1/cases/\(id)/messages", token: submitter, json: ["body": "CTV corrected, resubmitting."])
            #expect(r5.status == .created)
            let thread = try await app.call(.GET, "/api/v1/cases/\(id)/messages", token: reviewer)
            #expect(thread.body.jsonArray?.first?["body"] as? String == "CTV corrected, resubmitting.")
            // The submitter's waiting list holds it; a second review before resubmission is refused.
            let r6 = try await app.call(.GET, "/api/v1/waiting", token: submitter)
            #expect(r6.body.contains(id.uuidString))
            let r7 = try await app.call(.POST, "/api/v1/cases/\(id)/reviews", token: reviewer,
                                       json: ReviewBody(target: "per_protocol", oar: "per_protocol", dose: "per_protocol"))
            #expect(r7.status == .conflict)
            // Resubmission: a new version.
            let body = TestServer.multipart(files: try TestServer.caseFiles(), fields: [:])
            try await app.testing().test(.POST, "/api/v1/cases/\(id)/versions", headers: ["Authorization": "Bearer \(submitter)", "Content-Type": "multipart/form-data; boundary=anchor-test-boundary"],
                                         body: body, afterResponse: { res async in
                #expect(res.status == .created, "\(res.body.string)")
                #expect(res.body.string.contains("\"version\":2"))
            })
            #expect(try await ReviewCase.find(id, on: app.db)?.status == "resubmitted")
            try await TestServer.drainJobs(app, config)
            #expect(try await ReviewCase.find(id, on: app.db)?.status == "in_review")
            // Justified unacceptable variation does not request changes.
            let second = try await app.call(.POST, "/api/v1/cases/\(id)/reviews", token: reviewer,
                                            json: ReviewBody(target: "per_protocol", oar: "justified_unacceptable_variation", dose: "per_protocol"))
            #expect(second.body.jsonObject?["status"] as? String == "approved")
            // Both versions, their QA and reviews are kept.
            let versions = try await app.call(.GET, "/api/v1/cases/\(id)/versions", token: submitter)
            let list = try #require(versions.body.jsonObject?["versions"] as? [[String: Any]])
            #expect(list.count == 2)
            #expect((list[0]["reviews"] as? [[String: Any]])?.first?["outcome"] as? String == "changes_requested")
            #expect((list[1]["reviews"] as? [[String: Any]])?.first?["outcome"] as? String == "approved")
            #expect((list[0]["results"] as? [[String: Any]])?.isEmpty == false)
            // The status history has every step.
            let steps = try await CaseEvent.query(on: app.db).filter(\.$reviewCase.$id == id).sort(\.$at).all().map(\.toStatus)
            #expect(steps == ["qa_complete", "in_review", "changes_requested", "resubmitted", "qa_complete", "in_review", "approved"])
        }
    }

    @Test(arguments: Backend.available)
    func reviewerOfAnotherAnchorCentreCannotBeAssignedOrReview(_ backend: Backend) async throws {
        try await TestServer.with(backend) { app, config in
            let id = try await TestServer.upload(app, as: Network.email("submitter", "partner-p"))
            try await TestServer.drainJobs(app, config)
            let coordinator = try await TestServer.token(app, Network.email("coordinator", "anchor-a"))
            let r = try await app.call(.POST, "/api/v1/cases/\(id)/assign", token: coordinator, json: ["reviewer_email": Network.email("reviewer", "anchor-b")])
            #expect(r.status == .badRequest)
            let outsider = try await TestServer.token(app, Network.email("reviewer", "anchor-b"))
            let r8 = try await app.call(.POST, "/api/v1/cases/\(id)/reviews", token: outsider,
                                       json: ReviewBody(target: "per_protocol", oar: "per_protocol", dose: "per_protocol"))
            #expect(r8.status == .notFound)
        }
    }

    @Test(arguments: Backend.available)
    func rotaSpreadsCasesOverTheReviewers(_ backend: Backend) async throws {
        try await TestServer.with(backend) { app, config in
            for _ in 0..<4 { try await TestServer.upload(app, as: Network.email("submitter", "partner-p")) }
            try await TestServer.drainJobs(app, config)
            let cases = try await ReviewCase.query(on: app.db).all()
            var load: [UUID: Int] = [:]
            for c in cases { load[try #require(c.$reviewer.id), default: 0] += 1 }
            #expect(load.values.sorted() == [2, 2])
        }
    }

    @Test func turnaroundFromKnownTimestamps() async throws {
        try await TestServer.with(.sqlite) { app, _ in
            let centre = try #require(try await Centre.query(on: app.db).filter(\.$name == "partner-p").first())
            let user = try #require(try await User.query(on: app.db).filter(\.$email == Network.email("submitter", "partner-p")).first())
            let t0 = Date(timeIntervalSince1970: 1_800_000_000) // 2027-01-15T08:00:00Z
            func make(_ start: String) async throws -> ReviewCase {
                let c = ReviewCase(centreID: try centre.requireID(), submitterID: try user.requireID(), protocolID: "posterior-fossa", ageYears: 5,
                                   diagnosis: "x", plannedStart: start)
                try await c.save(on: app.db)
                c.createdAt = t0
                try await c.save(on: app.db)
                return c
            }
            // Case A: first verdict after 24 h (changes requested), approved after 72 h, start 10 days after submission.
            let a = try await make("2027-01-25")
            try await CaseEvent(caseID: a.requireID(), from: "in_review", to: "changes_requested", userID: nil, at: t0.addingTimeInterval(24 * 3600)).save(on: app.db)
            try await CaseEvent(caseID: a.requireID(), from: "in_review", to: "approved", userID: nil, at: t0.addingTimeInterval(72 * 3600)).save(on: app.db)
            // Case B: not reviewed, start 2 days after "now": at risk.
            let b = try await make("2027-01-17")
            let now = t0.addingTimeInterval(0)
            let report = try await Turnaround.report([a, b], on: app.db, now: now)
            let fa = try #require(report.cases.first { $0.case_id == a.id })
            let fb = try #require(report.cases.first { $0.case_id == b.id })
            #expect(fa.hours_to_first_verdict == 24)
            #expect(fa.hours_to_approval == 72)
            // Approval at 2027-01-18T08:00Z, start 2027-01-25T00:00Z: 6 days 16 h.
            #expect(abs((fa.margin_days ?? 0) - (6 + 16.0 / 24)) < 1e-9)
            #expect(!fa.at_risk)
            #expect(fb.at_risk)
            #expect(report.cases.first?.case_id == b.id, "cases at risk come first")
            let centreFigures = try #require(report.centres.first)
            #expect(centreFigures.cases == 2 && centreFigures.approved_before_start == 1 && centreFigures.median_hours_to_approval == 72)
        }
    }
}
