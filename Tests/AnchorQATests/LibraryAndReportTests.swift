import AnchorDosimetry
import Foundation
import Testing
@testable import AnchorQA

@Suite struct LibraryTests {
    @Test func everyLibraryFileLoadsWithSourcedConstraints() throws {
        let lib = ProtocolLibrary.bundled()
        #expect(lib.errors.isEmpty, "\(lib.errors)")
        #expect(Set(lib.ids).isSuperset(of: ["pentec-organs", "posterior-fossa", "medulloblastoma-csi", "wilms-flank", "hodgkin-lymphoma", "rms-head-neck"]))
        #expect(Set(lib.ids).count == lib.ids.count)
        for p in lib.protocols {
            for c in p.constraints {
                #expect(!(c.source ?? "").isEmpty, "\(p.id): \(c.structure) \(c.metric) has no source")
            }
        }
    }

    @Test func everyLibraryFileSaysItIsNotTheTrialProtocol() throws {
        let dir = try #require(ProtocolLibrary.bundledFolder)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".yaml") }
        #expect(!files.isEmpty)
        for f in files {
            let text = try String(contentsOfFile: dir.appendingPathComponent(f).path, encoding: .utf8)
            let header = text.split(separator: "\n").prefix(3).joined(separator: " ")
            #expect(header.contains("not a substitute for the trial protocol documents"), "\(f)")
        }
    }

    @Test func pentecNumbersAreTheOnesReadInThePapers() throws {
        let set = try #require(ProtocolLibrary.bundled().find(id: "pentec-organs"))
        func limit(_ s: String, _ m: ConstraintMetric, age: String? = nil) -> Double? {
            set.constraints.first { $0.structure == s && $0.metric == m && $0.ageBand?.text == age }?.perProtocol.value
        }
        #expect(limit("Brain-PTV", .maxDose) == 58.9)
        #expect(limit("Lungs", .meanDose) == 14)
        #expect(limit("Lungs", .volumeAtDoseGy(20)) == 30)
        #expect(limit("Vertebrae", .maxDose, age: "< 2") == 15)
        #expect(limit("Vertebrae", .maxDose, age: ">= 2 and <= 6") == 20)
        #expect(limit("Brainstem", .doseAtVolumeCC(0.03)) == 54)
        #expect(limit("SpinalCord", .doseAtVolumeCC(0.03)) == 54)
        #expect(limit("Cochlea_L", .meanDose) == 35)
        #expect(limit("OpticChiasm", .maxDose) == 57)
        // Risk estimates (thyroid, hypothalamus, brain IQ) are late-effect estimates, not graded rows.
        for organ in ["Glnd_Thyroid", "Hypothalamus", "Brain"] {
            #expect(!ProtocolLibrary.bundled().protocols.contains { p in p.constraints.contains { $0.structure == organ } }, "\(organ) is graded")
        }
    }

    @Test func unknownIdListsTheValidOnes() throws {
        let lib = ProtocolLibrary.bundled()
        let e = try #require(throws: QAError.self) { try lib.resolve("no-such-protocol") }
        #expect(e.code == .unknownProtocol)
        #expect(e.message.contains("posterior-fossa") && e.message.contains("pentec-organs"))
        #expect(try lib.resolve("wilms-flank").id == "wilms-flank")
    }
}

@Suite struct ReportTests {
    func sampleReport() throws -> QAReport {
        let p = try ProtocolParser.parse(yaml: exampleYAML)
        let dvhs = ["Brain Stem": AnalyticDVH.uniform(55), "PTV": AnalyticDVH.ramp(from: 50, to: 57), "Cochlea_L": AnalyticDVH.ramp(from: 10, to: 40)]
        let prov = provider(dvhs, extraROIs: ["BODY"])
        let e = ProtocolEvaluator.evaluate(p, provider: prov, context: EvaluationContext(prescriptionGy: 54, prescriptionSource: .protocol,
                                                                                  ageYears: 10, ageSource: .commandLine))
        return QAReport(evaluation: e, caseSummary: CaseSummary(path: "/cases/pf01", patientID: "PF01", planLabel: "PF <boost>"),
                        dvhs: QAReport.dvhs(for: e, provider: prov), date: Date(timeIntervalSince1970: 0), generator: "Anchor test")
    }

    @Test func htmlIsOneSelfContainedPrintablePage() throws {
        let html = try sampleReport().html
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("<link"))
        #expect(html.contains("@media print"))
        #expect(html.contains("<svg") && html.contains("<polyline"))
        #expect(html.components(separatedBy: "<polyline").count - 1 == 3)
        #expect(html.contains("class=\"grade acceptable_variation\""))
        #expect(html.contains("PF &lt;boost&gt;"))
        #expect(html.contains("not a substitute for the trial protocol documents"))
        #expect(html.contains("1970-01-01 00:00 UTC"))
    }

    @Test func textTableListsGradesSourcesAndUnusedROIs() throws {
        let t = try sampleReport().text
        #expect(t.contains("Brainstem") && t.contains("Brain Stem") && t.contains("acceptable variation"))
        #expect(t.contains("[1] citation"))
        #expect(t.contains("ROIs no constraint used: BODY"))
        #expect(t.contains("Overall: acceptable variation"))
    }

    @Test func plotMarkersSitOnTheGradedPoints() throws {
        let r = try sampleReport()
        let markers = DVHPlot.markers(for: r.evaluation)
        let ptv = try #require(markers.first { $0.label.hasPrefix("PTV") })
        #expect(ptv.volumePercent == 95)
        #expect(abs(ptv.doseGy - (57 - 0.95 * 7)) < 1e-6)
    }
}
