import AnchorRT
import AnchorTestSupport
import Foundation
import Testing
@testable import AnchorQA

/// A protocol written for the Eclipse prostate case (46 Gy in 23 fractions), with limits set so that
/// each grade is exercised by the case's known doses (Eclipse: rectum mean 39.15 Gy, bladder mean
/// 45.9 Gy, left femoral head mean 25.0 Gy).
let prostateYAML = """
id: eclipse-prostate-test
name: Prostate protocol for the Eclipse sample case
version: "1.0"
source: "Written for Anchor's tests around the case's known doses"
prescription_gy: 50
constraints:
  - structure: PTV
    metric: D95%
    per_protocol: ">= 95%"
    acceptable: ">= 90%"
  - structure: Rectum
    metric: Dmean
    per_protocol: "<= 35 Gy"
    acceptable: "<= 40 Gy"
  - structure: Bladder
    metric: V45Gy
    per_protocol: "<= 30%"
  - structure: Femur_Head_L
    aliases: [Femoral Head L]
    metric: Dmean
    per_protocol: "<= 30 Gy"
  - structure: Femur_Head_R
    aliases: [Femoral Head R]
    metric: Dmax
    per_protocol: "<= 45 Gy"
  - structure: Bowel_Small
    metric: D0.03cc
    per_protocol: "<= 45 Gy"
"""

@Suite(.enabled(if: Fixtures.hasSharedData, Comment(rawValue: Fixtures.sharedDataMissing)))
struct EclipseProstateTests {
    @Test func prostateCaseIsGradedAgainstItsProtocol() throws {
        let loaded = DICOMLoader.load([Fixtures.shared("eclipse-prostate")])
        // The converted dose carries its own Patient ID, so the objects are graded as one case.
        let grading = try CaseGrading(Case(members: loaded.members))
        #expect(grading.dose.summationType == "PLAN")
        let p = try ProtocolParser.parse(yaml: prostateYAML)
        let prov = try grading.provider(for: p)
        #expect(Set(prov.dvhs.keys) == ["PTV", "Rectum", "Bladder", "Femoral Head Lt", "Femoral Head RT"])
        let (rx, source) = EvaluationContext.resolvePrescription(commandLine: nil, plan: grading.plan?.prescriptionGy, protocol: p.prescriptionGy)
        #expect(rx == 46 && source == .plan)
        let e = ProtocolEvaluator.evaluate(p, provider: prov, context: EvaluationContext(prescriptionGy: rx, prescriptionSource: source))
        let by = Dictionary(uniqueKeysWithValues: e.results.map { ($0.constraint.structure, $0) })
        #expect(by["PTV"]?.grade == .perProtocol)
        #expect(by["Rectum"]?.grade == .acceptableVariation)
        #expect(approximatelyEqual(by["Rectum"]!.value!, 39.148, absolute: 0.5))
        #expect(by["Bladder"]?.grade == .unacceptableVariation)
        #expect(by["Femur_Head_L"]?.matchedStructure == "Femoral Head Lt")
        #expect(approximatelyEqual(by["Femur_Head_L"]!.value!, 25.021, absolute: 0.5))
        #expect(by["Femur_Head_L"]?.grade == .perProtocol)
        #expect(by["Femur_Head_R"]?.matchedStructure == "Femoral Head RT")
        #expect(by["Bowel_Small"]?.grade == .notEvaluable)
        #expect(e.unmatchedStructures == ["Bowel_Small"])
        #expect(e.unusedROIs.contains("BODY"))
        #expect(e.overall == .unacceptableVariation)
        let html = QAReport(evaluation: e, caseSummary: grading.summary(path: "eclipse-prostate"),
                            dvhs: QAReport.dvhs(for: e, provider: prov)).html
        #expect(html.components(separatedBy: "<polyline").count - 1 == 5)
    }
}
