import AnchorRT
import AnchorTestSupport
import Foundation
import Testing
@testable import AnchorQA

/// plastimatch's Gaussian sphere case, whose true metrics are known in closed form
/// (`../shared/data/README.md`): Sphere_R20 D95 37.009 Gy, Dmax 60 Gy; Sphere_R10_off35x Dmean 12.979 Gy.
/// The limits sit well clear of the truth (more than the contour approximation moves the numbers), so
/// each grade is known before the case is read.
let sphereYAML = """
id: gauss-spheres
name: Gaussian sphere test protocol
version: "1.0"
source: "Written for Anchor's tests around the closed-form values of the synthetic-spheres case"
prescription_gy: 60
constraints:
  - structure: sphere r20
    metric: D95%
    per_protocol: ">= 35 Gy"
  - structure: Sphere_R10_off35x
    metric: Dmean
    per_protocol: "<= 11 Gy"
    acceptable: "<= 15 Gy"
  - structure: Sphere_R20
    metric: Dmax
    per_protocol: "<= 50 Gy"
    acceptable: "<= 55 Gy"
  - structure: Sphere_R20
    metric: V95%
    per_protocol: "<= 10%"
"""

@Suite(.enabled(if: Fixtures.hasSharedData, Comment(rawValue: Fixtures.sharedDataMissing)))
struct SyntheticSphereTests {
    @Test func gaussianSpheresGradeAsTheirExactDosesSay() throws {
        let loaded = DICOMLoader.load([Fixtures.shared("synthetic-spheres/dicom_gauss")])
        let c = try #require(Case.assemble(loaded.members).first)
        let grading = try CaseGrading(c)
        let p = try ProtocolParser.parse(yaml: sphereYAML)
        let prov = try grading.provider(for: p)
        #expect(Set(prov.dvhs.keys) == ["Sphere_R20", "Sphere_R10_off35x"])
        let e = ProtocolEvaluator.evaluate(p, provider: prov, context: EvaluationContext(prescriptionGy: 60, prescriptionSource: .protocol))
        #expect(e.results.map(\.grade) == [.perProtocol, .acceptableVariation, .unacceptableVariation, .perProtocol])
        #expect(approximatelyEqual(e.results[0].value!, 37.009, absolute: 0.5))
        #expect(approximatelyEqual(e.results[1].value!, 12.979, absolute: 0.5))
        // V57Gy of the Gaussian sphere: the ball of radius 20·sqrt(2 ln(60/57)) mm, 3.58% of the sphere.
        #expect(approximatelyEqual(e.results[3].value!, 100 * pow(sqrt(2 * log(60.0 / 57)), 3), absolute: 0.5))
        #expect(e.overall == .unacceptableVariation)
        #expect(e.unusedROIs.count == 1 && !e.unusedROIs.contains("Sphere_R20"))  // the body box
    }
}
