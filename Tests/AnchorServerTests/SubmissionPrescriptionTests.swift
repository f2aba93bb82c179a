import AnchorQA
@testable import AnchorServer
import Fluent
import Foundation
import Testing
import VaporTesting

extension ServerTests {
    /// A prescription and fractions given with the submission reach the grade and say where they came
    /// from; the pages and the versions API read the stored check through the typed QA document.
    @Test func prescriptionAndFractionsGivenWithTheSubmissionAreGradedAndLabelled() async throws {
        try await TestServer.with(.sqlite) { app, config in
            let submitter = Network.email("submitter", "partner-p")
            var fields = TestServer.uploadFields
            fields["prescription_gy"] = "50.4"
            fields["fractions"] = "28"
            let id = try await TestServer.upload(app, as: submitter, fields: fields)
            try await TestServer.drainJobs(app, config)
            let token = try await TestServer.token(app, submitter)
            let c = try await app.call(.GET, "/api/v1/cases/\(id)", token: token)
            #expect(c.body.jsonObject?["prescription_gy"] as? Double == 50.4)
            #expect(c.body.jsonObject?["fractions"] as? Int == 28)
            let qa = try await app.call(.GET, "/api/v1/cases/\(id)/qa", token: token)
            let check = try #require(qa.body.jsonObject?["check"] as? [String: Any])
            #expect(check["prescription_gy"] as? Double == 50.4)
            #expect(check["prescription_source"] as? String == "submission")
            #expect(check["fractions"] as? Int == 28)
            #expect(check["fractions_source"] as? String == "submission")
            // The stored document reads as the typed document, and the versions API shows its rows.
            let version = try #require(try await CaseVersion.query(on: app.db).first())
            let doc = try QAResultDocument.decode(try #require(version.checkJSON))
            #expect(doc.prescriptionGy == 50.4)
            let versions = try await app.call(.GET, "/api/v1/cases/\(id)/versions", token: token)
            let rows = ((versions.body.jsonObject?["versions"] as? [[String: Any]])?.first?["results"] as? [[String: Any]]) ?? []
            #expect(rows.count == doc.results.count && !rows.isEmpty)
            #expect(Set(rows.compactMap { $0["grade"] as? String }) == Set(doc.results.map(\.grade.rawValue)))
        }
    }

    @Test func impossiblePrescriptionsAndFractionsAreRefused() async throws {
        try await TestServer.with(.sqlite) { app, _ in
            let token = try await TestServer.token(app, Network.email("submitter", "partner-p"))
            for (field, value) in [("prescription_gy", "-2"), ("prescription_gy", "5000"), ("prescription_gy", "nan"), ("fractions", "0"), ("fractions", "2.5")] {
                var fields = TestServer.uploadFields
                fields[field] = value
                let body = TestServer.multipart(files: try TestServer.caseFiles(), fields: fields)
                try await app.testing().test(.POST, "/api/v1/cases", headers: ["Authorization": "Bearer \(token)", "Content-Type": "multipart/form-data; boundary=anchor-test-boundary"],
                                             body: body, afterResponse: { res async in
                    #expect(res.status == .badRequest, "\(field)=\(value): \(res.body.string)")
                    #expect(res.body.string.contains(field))
                })
            }
            #expect(try await ReviewCase.query(on: app.db).count() == 0)
        }
    }
}
