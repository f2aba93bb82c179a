import AnchorTestSupport
import Foundation
import Testing

/// `anchor protocols`, `anchor protocols show ID`, and the late-effect estimates of `anchor check`,
/// run end to end through the built binary.
@Suite struct ProtocolsCommandTests {
    func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func jsonListsEverySetWithIndicationsAgeBandsAndCount() throws {
        let r = try AnchorCLI.run(["protocols", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try object(r.stdout)
        let sets = try #require(doc["protocols"] as? [[String: Any]])
        #expect(sets.count >= 13)
        for s in sets {
            #expect(!((s["indications"] as? [String]) ?? []).isEmpty, "\(s["id"] ?? "?")")
            #expect(s["age_bands"] is [String] && (s["constraint_count"] as? Int ?? 0) > 0)
        }
        let wilms = try #require(sets.first { $0["id"] as? String == "wilms-flank" })
        #expect(wilms["age_bands"] as? [String] == ["< 2", ">= 2 and <= 6", "> 6"])
        let models = try #require(doc["late_effect_models"] as? [[String: Any]])
        #expect(models.contains { $0["id"] as? String == "pentec-thyroid-hypothyroidism" && ($0["citation"] as? String)?.contains("Milano MT") == true })
        #expect((doc["errors"] as? [Any])?.isEmpty == true)
    }

    @Test func showPrintsOneSetWithItsSources() throws {
        let r = try AnchorCLI.run(["protocols", "show", "tbi"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Total body irradiation") && r.stdout.contains("Lungs Dmean < 8 Gy"))
        #expect(r.stdout.contains("where: Abstract (Results)") && r.stdout.contains("confidence: high"))
        #expect(r.stdout.contains("Hoeben BAW, Pazos M, Seravalli E") && r.stdout.contains("doi:10.1016/j.radonc.2022.05.027"))
        let j = try object(try AnchorCLI.run(["protocols", "show", "pentec-organs", "--json"]).stdout)
        let constraints = try #require(j["constraints"] as? [[String: Any]])
        #expect(constraints.allSatisfy { $0["source"] is String && $0["locator"] is String && $0["confidence"] is String })
        #expect(constraints.contains { $0["objective"] as? Bool == true && $0["acceptable"] is NSNull })
        let model = try AnchorCLI.run(["protocols", "show", "pentec-brain-iq"])
        #expect(model.status == 0 && model.stdout.contains("D100% 18.1 Gy: 5 %") && model.stdout.contains("10.1016/j.ijrobp.2020.11.073"))
        let unknown = try AnchorCLI.run(["protocols", "show", "no-such-set"])
        #expect(unknown.status == 64 && unknown.stderr.contains("wilms-flank") && unknown.stderr.contains("pentec-brain-iq"))
    }

    @Test func checkReportsLateEffectsBesideTheGrades() throws {
        let dir = Fixtures.temporaryDirectory("anchor-late-effects")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let made = try AnchorCLI.run(["phantom", "--site", "posterior-fossa", "--age", "8", "--variant", "cochlea-overdose", "--out", dir])
        #expect(made.status == 0, "\(made.stderr)")
        let r = try AnchorCLI.run(["check", dir, "--protocol", "posterior-fossa", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try object(r.stdout)
        #expect(doc["overall"] as? String == "unacceptable_variation")
        let results = try #require(doc["results"] as? [[String: Any]])
        #expect(results.allSatisfy { $0["locator"] is String && $0["confidence"] is String && $0["objective"] is Bool })
        #expect(results.contains { $0["objective"] as? Bool == true && $0["structure"] as? String == "OpticChiasm" })
        let late = try #require(doc["late_effects"] as? [[String: Any]])
        for e in late {
            for k in ["organ", "endpoint", "metric", "value", "unit", "estimate", "model", "source", "note"] { #expect(e.keys.contains(k), "\(k)") }
        }
        // 56 Gy mean to each cochlea, no platinum given: the 50 Gy point (30 %) bounds the risk from below.
        let ears = late.filter { ($0["model"] as? String)?.hasPrefix("pentec-cochlea-hearing-loss") == true }
        #expect(ears.count == 2 && ears.allSatisfy { $0["estimate_text"] as? String == "at least 30 %" && $0["status"] as? String == "bound" })
        #expect(ears.allSatisfy { ($0["value"] as? Double ?? 0) > 50 })
        // The plan's fractions make the dose EQD2.
        #expect(ears.allSatisfy { ($0["dose_basis"] as? String)?.contains("33 fractions") == true })
        let cis = try object(try AnchorCLI.run(["check", dir, "--protocol", "posterior-fossa", "--json", "--chemotherapy", "cisplatin,methotrexate"]).stdout)
        let cisEars = (cis["late_effects"] as? [[String: Any]] ?? []).filter { ($0["model"] as? String)?.hasPrefix("pentec-cochlea") == true }
        #expect(cisEars.count == 2 && cisEars.allSatisfy { $0["status"] as? String == "outside_range" && $0["estimate"] is NSNull })
        let bad = try AnchorCLI.run(["check", dir, "--protocol", "posterior-fossa", "--chemotherapy", "aspirin"])
        #expect(bad.status == 64 && bad.stderr.contains("aspirin"))
        let html = dir + "/report.html"
        #expect(try AnchorCLI.run(["check", dir, "--protocol", "posterior-fossa", "--html", html]).status == 0)
        #expect(try String(contentsOfFile: html, encoding: .utf8).contains("Late-effect estimates (not graded)"))
    }
}
