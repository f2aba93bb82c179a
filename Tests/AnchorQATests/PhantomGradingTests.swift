import AnchorPhantoms
import AnchorRT
import Foundation
import Testing
@testable import AnchorQA

/// The synthetic paediatric cases of AnchorPhantoms carry one deliberate dose deviation each; graded
/// against the library's indication set, the deviation must come out as an unacceptable variation and
/// the acceptable plan must not.
@Suite struct PhantomGradingTests {
    func grade(_ site: PhantomSite, _ variant: PhantomVariant, protocol id: String, age: Int = 8) throws -> EvaluationResult {
        let spec = try PhantomSpec(site: site, ageYears: age, variant: variant, seed: 1, resolution: .coarse)
        let pc = PhantomGenerator.generate(spec)
        let members = try pc.files.map { Case.Member(file: $0.file, object: try RTObject(file: $0.file)) }
        let grading = try CaseGrading(Case(members: members))
        let p = try #require(ProtocolLibrary.bundled().find(id: id))
        let prov = try grading.provider(for: p)
        let (rx, source) = EvaluationContext.resolvePrescription(commandLine: nil, plan: grading.plan?.prescriptionGy ?? pc.prescriptionGy,
                                                                 protocol: p.prescriptionGy)
        let age = CaseGrading.patientAgeYears(members.map(\.file))
        #expect(age == Double(spec.ageYears))
        return ProtocolEvaluator.evaluate(p, provider: prov, context: EvaluationContext(prescriptionGy: rx, prescriptionSource: source,
                                                                                      ageYears: age, ageSource: .dicom))
    }

    func results(_ e: EvaluationResult, _ structure: String) -> [ConstraintResult] {
        e.results.filter { $0.constraint.structure == structure }
    }

    @Test func posteriorFossaCochleaOverdoseIsUnacceptable() throws {
        let e = try grade(.posteriorFossa, .cochleaOverdose, protocol: "posterior-fossa")
        let cochleae = results(e, "Cochlea_L") + results(e, "Cochlea_R")
        #expect(cochleae.count == 2 && cochleae.allSatisfy { $0.value != nil })
        #expect(cochleae.contains { $0.grade == .unacceptableVariation }, "\(cochleae.map { ($0.value ?? -1, $0.grade) })")
    }

    @Test func posteriorFossaPTVUnderdoseIsUnacceptable() throws {
        let e = try grade(.posteriorFossa, .ptvUnderdose, protocol: "posterior-fossa")
        let d98 = try #require(results(e, "PTV").first { $0.constraint.metric == .doseAtVolumePercent(98) })
        #expect(d98.grade == .unacceptableVariation, "D98% = \(d98.value ?? -1) %")
    }

    @Test func posteriorFossaAcceptablePlanSparesTheCochleae() throws {
        let e = try grade(.posteriorFossa, .acceptable, protocol: "posterior-fossa")
        for c in results(e, "Cochlea_L") + results(e, "Cochlea_R") {
            #expect(c.grade != .unacceptableVariation, "\(c.matchedStructure ?? "?") mean \(c.value ?? -1) Gy")
        }
    }

    @Test func abdomenAndMediastinumPTVUnderdoseIsUnacceptable() throws {
        for (site, id) in [(PhantomSite.abdomen, "wilms-flank"), (.mediastinum, "hodgkin-lymphoma")] {
            let e = try grade(site, .ptvUnderdose, protocol: id)
            let d98 = try #require(results(e, "PTV").first { $0.constraint.metric == .doseAtVolumePercent(98) })
            #expect(d98.grade == .unacceptableVariation, "\(site): D98% = \(d98.value ?? -1) %")
        }
    }
}
