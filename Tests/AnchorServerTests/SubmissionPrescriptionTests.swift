import AnchorDICOM
import AnchorDosimetry
import AnchorPhantoms
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

extension ServerTests {
    /// The case page shows the planning system's stored DVH beside Anchor's, differences marked, and
    /// labels a constraint graded on a derived structure.
    @Test func thePlanningSystemsDVHAndDerivedStructuresAreOnTheCasePage() async throws {
        try await TestServer.with(.sqlite) { app, config in
            let spec = try PhantomSpec(site: .mediastinum, ageYears: 10, variant: .acceptable, seed: 3, resolution: .coarse)
            let pc = PhantomGenerator.generate(spec)
            let calc = try DVHCalculator(dose: pc.dose)
            let ptv = try #require(pc.structureSet.roi(named: "PTV"))
            let computed = try #require(calc.compute([ptv], in: pc.structureSet).structures.first)
            // A planning system's cumulative DVH of the PTV (PS3.3 C.8.8.4), 5 % larger in volume than Anchor's.
            let curve = computed.dvh.cumulative(stepGy: 0.01)
            var item = DataSet(), ref = DataSet()
            ref.set(Tag(0x3006_0084), .IS, number: Double(computed.roiNumber))
            item.set(Tag(0x3004_0060), items: [ref])
            item.set(Tag(0x3004_0001), .CS, "CUMULATIVE")
            item.set(Tag(0x3004_0002), .CS, "GY")
            item.set(Tag(0x3004_0054), .CS, "CM3")
            item.set(Tag(0x3004_0052), .DS, number: 1)
            item.set(Tag(0x3004_0056), .IS, number: Double(curve.volumeCC.count))
            item.set(Tag(0x3004_0058), .DS, numbers: curve.volumeCC.flatMap { [0.01, ($0 * 1.05 * 1e4).rounded() / 1e4] })
            var files = pc.files
            let rd = try #require(files.firstIndex { $0.file.dataSet.string(.modality) == "RTDOSE" })
            files[rd].file.dataSet.set(Tag(0x3004_0050), items: [item])
            let uploads = try files.map { ($0.name, try DICOMWriter.encode($0.file)) }
            var fields = TestServer.uploadFields
            fields["protocol"] = "hodgkin-lymphoma"
            fields["age_years"] = "10"
            let id = try await TestServer.upload(app, as: Network.email("submitter", "partner-p"), files: uploads, fields: fields)
            try await TestServer.drainJobs(app, config)
            let submitter = try await signIn(app, Network.email("submitter", "partner-p"))
            try await app.testing().test(.GET, "/cases/\(id)", headers: ["Cookie": submitter.cookie], afterResponse: { res async in
                let page = res.body.string
                #expect(res.status == .ok)
                #expect(page.contains("Planning system&#39;s DVH beside Anchor&#39;s") || page.contains("Planning system's DVH beside Anchor's"))
                #expect(page.contains("differs"))
                // Lungs are graded on the union of Lung_L and Lung_R, and say so.
                #expect(page.contains("derived: Lung_L | Lung_R"))
            })
            // The viewer lists the derived structure, labelled, with its grade and nothing to draw.
            let token = try await TestServer.token(app, Network.email("submitter", "partner-p"))
            let manifest = try await app.call(.GET, "/api/v1/cases/\(id)/viewer/manifest", token: token)
            let structures = (manifest.body.jsonObject?["structures"] as? [[String: Any]]) ?? []
            let lungs = try #require(structures.first { $0["name"] as? String == "Lungs" })
            #expect(lungs["has_contours"] as? Bool == false)
            #expect((lungs["note"] as? String)?.hasPrefix("derived: Lung_L | Lung_R") == true)
            #expect(lungs["worst_grade"] as? String != nil)
            #expect((lungs["number"] as? Int ?? 0) < 0)
        }
    }
}
