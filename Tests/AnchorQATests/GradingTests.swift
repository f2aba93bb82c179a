import AnchorDosimetry
import Foundation
import Testing
@testable import AnchorQA

@Suite struct StructureMatchingTests {
    let matcher = StructureMatcher(roiNames: ["BODY", "brain stem", "L Cochlea", "Cochlea Rt", "PTV_5400", "Femoral Head Lt", "ptv"])

    @Test func namesMatchIgnoringCaseAndPunctuation() {
        let m = matcher.match(structure: "Brainstem")
        #expect(m?.roi == "brain stem")
        #expect(m?.level == .normalised)
        #expect(matcher.match(structure: "body")?.roi == "BODY")
    }

    @Test func exactNameWinsOverLooserOnes() {
        let m = matcher.match(structure: "ptv")
        #expect(m?.roi == "ptv")
        #expect(m?.level == .exact)
        #expect(matcher.match(structure: "PTV")?.roi == "ptv")
    }

    @Test func lateralityIsReadFromAnyWord() {
        #expect(matcher.match(structure: "Cochlea_L")?.roi == "L Cochlea")
        #expect(matcher.match(structure: "Cochlea_R")?.roi == "Cochlea Rt")
        #expect(matcher.match(structure: "Cochlea_L")?.level == .laterality)
        #expect(StructureMatcher.lateralityKey("Left cochlea") == StructureMatcher.lateralityKey("Cochlea_L"))
        #expect(StructureMatcher.lateralityKey("Cochlea_L") != StructureMatcher.lateralityKey("Cochlea_R"))
    }

    @Test func aliasesAreTriedAfterTheName() {
        #expect(matcher.match(structure: "Femur_Head_L")?.roi == nil)
        let m = matcher.match(structure: "Femur_Head_L", aliases: ["Femoral Head L"])
        #expect(m?.roi == "Femoral Head Lt")
        #expect(m?.via == "Femoral Head L")
        #expect(matcher.match(structure: "Hypothalamus", aliases: ["Hypothal"]) == nil)
    }
}

@Suite struct AnalyticGradingTests {
    func brainstemProtocol() throws -> TreatmentProtocol { try ProtocolParser.parse(yaml: exampleYAML) }

    func grade(_ p: TreatmentProtocol, _ dvhs: [String: DVH], rx: Double? = 54, age: Double? = nil, extra: [String] = []) -> EvaluationResult {
        var ctx = EvaluationContext(prescriptionGy: rx, prescriptionSource: rx == nil ? .none : .protocol)
        if let age { ctx.ageYears = age; ctx.ageSource = .commandLine }
        return ProtocolEvaluator.evaluate(p, provider: provider(dvhs, extraROIs: extra), context: ctx)
    }

    @Test func brainstemNearMaximumIsGradedByItsBands() throws {
        let p = try brainstemProtocol()
        for (dose, expected) in [(53.0, Grade.perProtocol), (54.0, .perProtocol), (55.0, .acceptableVariation),
                                 (56.0, .acceptableVariation), (56.5, .unacceptableVariation)] {
            let r = grade(p, ["Brain Stem": AnalyticDVH.uniform(dose), "PTV": AnalyticDVH.uniform(54), "Cochlea L": AnalyticDVH.uniform(20)])
            let bs = try #require(r.results.first { $0.constraint.structure == "Brainstem" })
            #expect(bs.matchedStructure == "Brain Stem")
            #expect(abs(bs.value! - dose) < 1e-9)
            #expect(bs.unit == "Gy")
            #expect(bs.grade == expected, "D0.03cc = \(dose) Gy")
        }
    }

    @Test func ptvCoverageIsGradedAsPercentOfPrescription() throws {
        let p = try brainstemProtocol()
        // Dose spread evenly over [a, 58] Gy: D95% = 58 - 0.95 (58 - a).
        for (a, expectedD95, expected) in [(54.0, 54.2, Grade.perProtocol), (50.0, 50.4, .acceptableVariation), (40.0, 40.9, .unacceptableVariation)] {
            let r = grade(p, ["PTV": AnalyticDVH.ramp(from: a, to: 58), "BS": AnalyticDVH.uniform(40), "Cochlea_L": AnalyticDVH.uniform(10)])
            let ptv = try #require(r.results.first { $0.constraint.structure == "PTV" })
            #expect(abs(ptv.valueGy! - expectedD95) < 1e-6, "D95% of ramp from \(a)")
            #expect(abs(ptv.value! - 100 * expectedD95 / 54) < 1e-6)
            #expect(ptv.unit == "%")
            #expect(ptv.grade == expected)
        }
    }

    @Test func volumeMetricsReadCCOrPercentFromTheLimit() throws {
        let yaml = """
        id: v
        name: v
        version: "1"
        source: s
        prescription_gy: 50
        constraints:
          - structure: Lungs
            metric: V20Gy
            per_protocol: "< 30%"
          - structure: Lungs
            metric: V20Gy
            per_protocol: "<= 25 cc"
          - structure: Lungs
            metric: V80%
            per_protocol: "<= 20%"
        """
        let p = try ProtocolParser.parse(yaml: yaml)
        // Lungs dose even over [0, 40] Gy, 100 cc: V20Gy = 50% = 50 cc; V40Gy (80% of 50) = 0.
        let r = grade(p, ["Lungs": AnalyticDVH.ramp(from: 0, to: 40)], rx: 50)
        #expect(abs(r.results[0].value! - 50) < 1e-6 && r.results[0].unit == "%" && r.results[0].grade == .unacceptableVariation)
        #expect(abs(r.results[1].value! - 50) < 1e-6 && r.results[1].unit == "cc" && r.results[1].grade == .unacceptableVariation)
        #expect(abs(r.results[2].value!) < 1e-6 && r.results[2].grade == .perProtocol)
    }

    @Test func missingStructureIsNotEvaluableWithTheReason() throws {
        let p = try brainstemProtocol()
        let r = grade(p, ["PTV": AnalyticDVH.uniform(54), "Cochlea_L": AnalyticDVH.uniform(10)], age: 10, extra: ["Spinal Cord"])
        let bs = try #require(r.results.first { $0.constraint.structure == "Brainstem" })
        #expect(bs.grade == .notEvaluable)
        #expect(bs.reason?.contains("not found") == true)
        #expect(r.unmatchedStructures == ["Brainstem"])
        #expect(r.unusedROIs == ["Spinal Cord"])
        #expect(r.overall == .notEvaluable)
    }

    @Test func structureWithoutDoseIsNotEvaluable() throws {
        let p = try brainstemProtocol()
        let prov = DVHMetricProvider(structureNames: ["Brainstem", "PTV", "Cochlea_L"],
                                     dvhs: ["PTV": AnalyticDVH.uniform(54), "Cochlea_L": AnalyticDVH.uniform(10)],
                                     failures: ["Brainstem": "no part of the structure lies inside the dose grid"])
        let r = ProtocolEvaluator.evaluate(p, provider: prov, context: EvaluationContext(prescriptionGy: 54, prescriptionSource: .protocol))
        let bs = try #require(r.results.first { $0.constraint.structure == "Brainstem" })
        #expect(bs.grade == .notEvaluable)
        #expect(bs.matchedStructure == "Brainstem")
        #expect(bs.reason == "no part of the structure lies inside the dose grid")
    }

    @Test func percentLimitsWithoutPrescriptionAreNotEvaluable() throws {
        var p = try brainstemProtocol()
        p.prescriptionGy = nil
        let r = grade(p, ["PTV": AnalyticDVH.uniform(54), "BS": AnalyticDVH.uniform(50), "Cochlea_L": AnalyticDVH.uniform(10)], rx: nil)
        let ptv = try #require(r.results.first { $0.constraint.structure == "PTV" })
        #expect(ptv.grade == .notEvaluable)
        #expect(ptv.reason?.contains("prescription") == true)
        #expect(r.results.first { $0.constraint.structure == "Brainstem" }?.grade == .perProtocol)
    }

    @Test func dxccLargerThanTheStructureIsNotEvaluable() throws {
        let yaml = "id: a\nname: a\nversion: \"1\"\nsource: s\nconstraints:\n  - structure: Chiasm\n    metric: D2cc\n    per_protocol: \"<= 54 Gy\"\n"
        let r = grade(try ProtocolParser.parse(yaml: yaml), ["Chiasm": AnalyticDVH.uniform(50, volumeCC: 0.5)])
        #expect(r.results[0].grade == .notEvaluable)
        #expect(r.results[0].reason?.contains("0.500 cc") == true)
    }

    @Test func overallIsTheWorstGradeAndOptionalAbsencesDoNotCount() throws {
        let set = try #require(ProtocolLibrary.bundled().find(id: "pentec-organs"))
        // Only a brain and lungs are contoured; the rest of the organ set is absent.
        let r = grade(set, ["Brain": AnalyticDVH.ramp(from: 0, to: 30), "Lungs": AnalyticDVH.ramp(from: 0, to: 20)], rx: nil, age: 10)
        #expect(r.results.contains { $0.grade == .notEvaluable && $0.excludedFromOverall })
        #expect(r.overall == .perProtocol)
        // The necrosis risk level is an objective: beyond it is an acceptable variation, never unacceptable.
        let hot = grade(set, ["Brain-PTV": AnalyticDVH.ramp(from: 0, to: 60), "Lungs": AnalyticDVH.ramp(from: 0, to: 20)], rx: nil, age: 10)
        let necrosis = try #require(hot.results.first { $0.constraint.structure == "Brain-PTV" && $0.constraint.metric == .maxDose })
        #expect(necrosis.grade == .acceptableVariation && necrosis.constraint.isObjective)
        #expect(hot.overall == .acceptableVariation)
        // A limit of the source (QUANTEC brainstem: small volumes to 59 Gy) is graded as one.
        let brainstem = grade(set, ["Brainstem": AnalyticDVH.uniform(60), "Lungs": AnalyticDVH.ramp(from: 0, to: 20)], rx: nil, age: 10)
        #expect(brainstem.results.first { $0.constraint.structure == "Brainstem" }?.grade == .unacceptableVariation)
        #expect(brainstem.overall == .unacceptableVariation)
    }

    @Test func wildcardStructureGradesEveryMatchingROI() throws {
        let yaml = "id: a\nname: a\nversion: \"1\"\nsource: s\nconstraints:\n  - structure: Vertebrae\n    aliases: [\"VB_*\"]\n    metric: Dmax\n    per_protocol: \"<= 20 Gy\"\n"
        let r = grade(try ProtocolParser.parse(yaml: yaml), ["VB_T12": AnalyticDVH.uniform(18), "VB_L1": AnalyticDVH.uniform(25), "Kidney_L": AnalyticDVH.uniform(30)])
        #expect(r.results.count == 2)
        #expect(Set(r.results.compactMap(\.matchedStructure)) == ["VB_T12", "VB_L1"])
        #expect(r.results.first { $0.matchedStructure == "VB_L1" }?.grade == .unacceptableVariation)
        #expect(r.results.first { $0.matchedStructure == "VB_T12" }?.grade == .perProtocol)
    }

    @Test func ageSelectsItsBandAndUnknownAgeGradesOnlyUnbandedConstraints() throws {
        let set = try #require(ProtocolLibrary.bundled().find(id: "pentec-organs"))
        let spine = ["Vertebral bodies": AnalyticDVH.uniform(18)]
        let vertebral = { (r: EvaluationResult) in r.results.filter { $0.constraint.structure == "Vertebrae" } }
        // Under 2 years the 15 Gy level is an objective (the source gives a risk, not a limit).
        let infant = grade(set, spine, rx: nil, age: 1.5)
        #expect(vertebral(infant).map(\.grade) == [.acceptableVariation])
        let child = grade(set, spine, rx: nil, age: 4)
        #expect(vertebral(child).map(\.grade) == [.perProtocol])
        // At 2-6 years 20-30 Gy is the acceptable band and 30 Gy or more unacceptable.
        #expect(vertebral(grade(set, ["Vertebral bodies": AnalyticDVH.uniform(25)], rx: nil, age: 4)).map(\.grade) == [.acceptableVariation])
        #expect(vertebral(grade(set, ["Vertebral bodies": AnalyticDVH.uniform(30)], rx: nil, age: 4)).map(\.grade) == [.unacceptableVariation])
        #expect(child.skippedForAge.filter { $0.structure == "Vertebrae" }.count == 2)
        let unknown = grade(set, spine, rx: nil, age: nil)
        #expect(vertebral(unknown).isEmpty)
        #expect(unknown.skippedForAge.filter { $0.structure == "Vertebrae" }.count == 3)
        #expect(unknown.notes.contains { $0.hasPrefix("age unknown: only constraints without an age band were graded") })
    }

    @Test func prescriptionPrecedenceIsCommandLinePlanProtocol() {
        #expect(EvaluationContext.resolvePrescription(commandLine: 50, plan: 46, protocol: 54) == (50, .commandLine))
        #expect(EvaluationContext.resolvePrescription(commandLine: nil, plan: 46, protocol: 54) == (46, .plan))
        #expect(EvaluationContext.resolvePrescription(commandLine: nil, plan: nil, protocol: 54) == (54, .protocol))
        #expect(EvaluationContext.resolvePrescription(commandLine: nil, plan: nil, protocol: nil).1 == PrescriptionSource.none)
    }

    @Test func patientAgeStringsFollowPS35() {
        #expect(CaseGrading.parseAge("012Y") == 12)
        #expect(CaseGrading.parseAge("018M") == 1.5)
        #expect(abs(CaseGrading.parseAge("052W")! - 52 * 7 / 365.25) < 1e-12)
        #expect(CaseGrading.parseAge("Y") == nil)
        #expect(CaseGrading.parseAge("12") == nil)
    }
}
