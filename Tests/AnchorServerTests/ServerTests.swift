import AnchorDICOM
@testable import AnchorServer
import Fluent
import Foundation
import Testing
import VaporTesting

/// All server tests share one serialized suite: with PostgreSQL they share one database.
@Suite(.serialized)
struct ServerTests {
    // MARK: Authentication

    @Test(arguments: Backend.available)
    func everyAPIRouteWithoutATokenIs401(_ backend: Backend) async throws {
        try await TestServer.with(backend) { app, _ in
            let id = UUID().uuidString
            let routes: [(HTTPMethod, String)] = [(.GET, "/api/v1/me"), (.GET, "/api/v1/cases"), (.POST, "/api/v1/cases"), (.GET, "/api/v1/cases/\(id)"),
                                                  (.GET, "/api/v1/cases/\(id)/qa"), (.GET, "/api/v1/cases/\(id)/report"), (.GET, "/api/v1/audit"),
                                                  (.POST, "/api/v1/cases/\(id)/assign"), (.POST, "/api/v1/cases/\(id)/reviews"), (.GET, "/api/v1/cases/\(id)/reviews"),
                                                  (.POST, "/api/v1/cases/\(id)/messages"), (.GET, "/api/v1/cases/\(id)/messages"),
                                                  (.GET, "/api/v1/cases/\(id)/versions"), (.POST, "/api/v1/cases/\(id)/versions"),
                                                  (.GET, "/api/v1/waiting"), (.GET, "/api/v1/turnaround")]
            for (m, p) in routes {
                let r1 = try await app.call(m, p, token: nil)
                #expect(r1.status == .unauthorized, "\(m) \(p)")
                let r2 = try await app.call(m, p, token: "not-a-token")
                #expect(r2.status == .unauthorized, "\(m) \(p)")
            }
        }
    }

    @Test(arguments: Backend.available)
    func wrongPasswordsAreRefusedThenThrottled(_ backend: Backend) async throws {
        try await TestServer.with(backend) { app, _ in
            let email = Network.email("submitter", "partner-p")
            for _ in 0..<5 {
                let r = try await app.call(.POST, "/api/v1/auth/login", token: nil, json: ["email": email, "password": "wrong password!"])
                #expect(r.status == .unauthorized)
            }
            let r = try await app.call(.POST, "/api/v1/auth/login", token: nil, json: ["email": email, "password": Network.password])
            #expect(r.status == .tooManyRequests)
            try await LoginAttempt.query(on: app.db).delete()
            let r3 = try await app.call(.POST, "/api/v1/auth/login", token: nil, json: ["email": email, "password": Network.password])
            #expect(r3.status == .ok)
            let audit = try await AuditEvent.query(on: app.db).filter(\.$action == "login_failed").count()
            #expect(audit == 5)
        }
    }

    // MARK: Upload and analysis

    @Test(arguments: Backend.available)
    func uploadIsAnalysedOffTheRequestAndGraded(_ backend: Backend) async throws {
        try await TestServer.with(backend) { app, config in
            let submitter = Network.email("submitter", "partner-p")
            let id = try await TestServer.upload(app, as: submitter)
            let token = try await TestServer.token(app, submitter)
            var r = try await app.call(.GET, "/api/v1/cases/\(id)", token: token)
            #expect(r.body.jsonObject?["status"] as? String == "submitted")
            try await TestServer.drainJobs(app, config)
            r = try await app.call(.GET, "/api/v1/cases/\(id)", token: token)
            // QA complete, then the rota assigned a reviewer of anchor-a, so the case is in review.
            #expect(r.body.jsonObject?["status"] as? String == "in_review", "\(r.body)")
            #expect((r.body.jsonObject?["reviewer"] as? String)?.hasSuffix("@anchor-a.test") == true)
            let qa = try await app.call(.GET, "/api/v1/cases/\(id)/qa", token: token)
            #expect(qa.status == .ok)
            let doc = try #require(qa.body.jsonObject)
            let dvh = try #require(doc["dvh"] as? [String: Any])
            let structures = try #require(dvh["structures"] as? [[String: Any]])
            #expect(structures.contains { $0["name"] as? String == "PTV" })
            let check = try #require(doc["check"] as? [String: Any])
            #expect(check["overall"] is String)
            #expect((check["results"] as? [[String: Any]])?.isEmpty == false)
            let list = try await app.call(.GET, "/api/v1/cases", token: token)
            #expect((list.body.jsonObject?["cases"] as? [[String: Any]])?.count == 1)
            let report = try await app.call(.GET, "/api/v1/cases/\(id)/report", token: token)
            #expect(report.status == .ok && report.body.contains("<svg"))
        }
    }

    @Test(arguments: Backend.available)
    func filesAreDeidentifiedOnArrivalAndStoredContentAddressed(_ backend: Backend) async throws {
        try await TestServer.with(backend) { app, config in
            let id = try await TestServer.upload(app, as: Network.email("submitter", "partner-p"))
            let files = try await StoredFile.query(on: app.db).all()
            #expect(files.count == 10)
            for f in files {
                let path = app.objectStore.path(for: f.sha256)
                let bytes = try readFileBytes(path)
                #expect(ObjectStore.sha256(bytes) == f.sha256)
                #expect(!String(decoding: bytes, as: UTF8.self).contains("Doe^Jane"))
                #expect(!String(decoding: bytes, as: UTF8.self).contains("TESTCASE"))
                let dicom = try DICOMFile(bytes: bytes)
                #expect(dicom.dataSet.string(DICOMTag(0x0012_0062)) == "YES")
            }
            let c = try #require(try await ReviewCase.find(id, on: app.db))
            #expect(c.pseudonym != nil)
            _ = config
        }
    }

    @Test(arguments: Backend.available)
    func damagedFileRefusesTheUploadNamingTheFile(_ backend: Backend) async throws {
        try await TestServer.with(backend) { app, _ in
            var files = try TestServer.caseFiles()
            files[0].1 = Array(files[0].1.prefix(files[0].1.count - 50))
            let token = try await TestServer.token(app, Network.email("submitter", "partner-p"))
            let body = TestServer.multipart(files: files, fields: TestServer.uploadFields)
            try await app.testing().test(.POST, "/api/v1/cases", headers: ["Authorization": "Bearer \(token)", "Content-Type": "multipart/form-data; boundary=anchor-test-boundary"],
                                         body: body, afterResponse: { res async in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("CT0.dcm"))
            })
            #expect(try await ReviewCase.query(on: app.db).count() == 0)
            var missing = TestServer.uploadFields
            missing["protocol"] = "no-such-protocol"
            try await app.testing().test(.POST, "/api/v1/cases", headers: ["Authorization": "Bearer \(token)", "Content-Type": "multipart/form-data; boundary=anchor-test-boundary"],
                                         body: TestServer.multipart(files: try TestServer.caseFiles(), fields: missing), afterResponse: { res async in
                #expect(res.status == .badRequest)
                #expect(res.body.string.contains("posterior-fossa"))
            })
        }
    }

    @Test(arguments: Backend.available)
    func aZipOfTheCaseIsAccepted(_ backend: Backend) async throws {
        try await TestServer.with(backend) { app, config in
            let zip = StoredZip.make(try TestServer.caseFiles() + [("README.txt", Array("notes".utf8))])
            let id = try await TestServer.upload(app, as: Network.email("submitter", "partner-p"), files: [("case.zip", zip)])
            try await TestServer.drainJobs(app, config)
            let c = try #require(try await ReviewCase.find(id, on: app.db))
            #expect(c.status == "in_review")
            #expect(try await StoredFile.query(on: app.db).count() == 10)
        }
    }

    // MARK: Access

    /// Every route, as every role of a centre that neither owns nor reviews the case: nothing.
    @Test(arguments: Backend.available)
    func otherCentresSeeNothingOfACase(_ backend: Backend) async throws {
        try await TestServer.with(backend) { app, config in
            let id = try await TestServer.upload(app, as: Network.email("submitter", "partner-p"))
            try await TestServer.drainJobs(app, config)
            let outsiders = ["submitter", "coordinator", "admin"].map { Network.email($0, "partner-q") }
                + ["reviewer", "coordinator", "admin"].map { Network.email($0, "anchor-b") }
            for who in outsiders {
                let t = try await TestServer.token(app, who)
                for (m, p) in [(HTTPMethod.GET, ""), (.GET, "/qa"), (.GET, "/report"), (.GET, "/reviews"), (.GET, "/messages"), (.GET, "/versions"),
                               (.POST, "/assign"), (.POST, "/reviews"), (.POST, "/messages"), (.POST, "/versions")] {
                    let r = try await app.call(m, "/api/v1/cases/\(id)\(p)", token: t,
                                               json: m == .POST ? ["body": "x", "target": "per_protocol", "oar": "per_protocol", "dose": "per_protocol"] : nil)
                    #expect(r.status == .notFound, "\(who) \(m) \(p): \(r.status)")
                }
                let list = try await app.call(.GET, "/api/v1/cases", token: t)
                #expect((list.body.jsonObject?["cases"] as? [[String: Any]])?.isEmpty == true, "\(who)")
                let waiting = try await app.call(.GET, "/api/v1/waiting", token: t)
                #expect(!waiting.body.contains(id.uuidString))
                let audit = try await app.call(.GET, "/api/v1/audit", token: t)
                #expect(!audit.body.contains(id.uuidString), "\(who) audit")
                let turnaround = try await app.call(.GET, "/api/v1/turnaround", token: t)
                #expect(!turnaround.body.contains(id.uuidString))
            }
            // An unknown id answers exactly like a case one may not see.
            let t = try await TestServer.token(app, Network.email("submitter", "partner-q"))
            let unknown = try await app.call(.GET, "/api/v1/cases/\(UUID())", token: t)
            let hidden = try await app.call(.GET, "/api/v1/cases/\(id)", token: t)
            #expect(unknown.status == hidden.status)
            #expect(unknown.body.jsonObject?["reason"] as? String == hidden.body.jsonObject?["reason"] as? String)
        }
    }

    @Test(arguments: Backend.available)
    func whoMaySeeACase(_ backend: Backend) async throws {
        try await TestServer.with(backend) { app, config in
            let id = try await TestServer.upload(app, as: Network.email("submitter", "partner-p"))
            try await TestServer.drainJobs(app, config)
            let c = try #require(try await ReviewCase.find(id, on: app.db))
            let assigned = try #require(try await User.find(c.$reviewer.id, on: app.db)).email
            let other = assigned == Network.email("reviewer", "anchor-a") ? Network.email("reviewer2", "anchor-a") : Network.email("reviewer", "anchor-a")
            for who in [Network.email("submitter", "partner-p"), Network.email("coordinator", "partner-p"), Network.email("coordinator", "anchor-a"),
                        Network.email("admin", "anchor-a"), assigned] {
                let r4 = try await app.call(.GET, "/api/v1/cases/\(id)", token: try await TestServer.token(app, who))
                #expect(r4.status == .ok, "\(who)")
            }
            // A reviewer of the right centre who is not assigned does not see it.
            let r5 = try await app.call(.GET, "/api/v1/cases/\(id)", token: try await TestServer.token(app, other))
            #expect(r5.status == .notFound)
            // The audit log records the views with user and address.
            let events = try await AuditEvent.query(on: app.db).filter(\.$caseID == id).filter(\.$action == "view_case").all()
            #expect(events.count == 5)
            #expect(events.allSatisfy { $0.userEmail != nil })
            // Admins and coordinators read the audit log; submitters and reviewers do not.
            let r6 = try await app.call(.GET, "/api/v1/audit", token: try await TestServer.token(app, Network.email("coordinator", "anchor-a")))
            #expect(r6.status == .ok)
            let r7 = try await app.call(.GET, "/api/v1/audit", token: try await TestServer.token(app, Network.email("submitter", "partner-p")))
            #expect(r7.status == .forbidden)
            let r8 = try await app.call(.GET, "/api/v1/audit", token: try await TestServer.token(app, assigned))
            #expect(r8.status == .forbidden)
        }
    }
}
