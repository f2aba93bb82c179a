import AnchorDICOM
import AnchorDosimetry
import AnchorPhantoms
import AnchorRT
import AnchorTestSupport
import Foundation
import Testing
@testable import AnchorQA

/// A small case written through Anchor's writer and read back: boxes on a 2 mm grid covering
/// [-20, 20] mm on each axis, doses and plans as a test needs them.
struct AnalyticCase {
    var context = RTWriter.Context(patientID: "GRADE-TEST", patientAge: "010Y", frameOfReferenceUID: "1.2.826.0.1.3680043.10.1.1")
    var rois: [StructureSet.ROI] = []
    /// Dose, its file's referenced plan and fraction group, and a change to its data set.
    var doses: [(dose: DoseGrid, plan: String?, group: Int?, edit: (inout DataSet) -> Void)] = []
    var plans: [RTWriter.PhotonPlan] = []
    let structureSetUID = "1.2.826.0.1.3680043.10.1.2"

    mutating func box(_ name: String, x: (Double, Double), y: (Double, Double) = (-10, 10), z: (Double, Double) = (-10, 10), type: String = "ORGAN") {
        rois.append(DVHPhantom.box(name: name, x0: x.0, x1: x.1, y0: y.0, y1: y.1, z0: z.0, z1: z.1, spacing: 2).roi(number: rois.count + 1, interpretedType: type))
    }

    /// A dose on the test grid (21 voxels of 2 mm per axis, centred on the origin) from a function of position.
    static func grid(_ f: (Vec3) -> Double, uid: String = UIDFactory.make()) -> DoseGrid {
        var d = LinearDose(doseAtOriginGy: 0, gradientGyPerMM: .zero).grid(size: (21, 21, 21), spacing: (2, 2, 2))
        for k in 0..<d.grid.frames { for j in 0..<d.grid.rows { for i in 0..<d.grid.columns {
            d.values[d.grid.index(i, j, k)] = Float(f(d.grid.position(i, j, k)))
        } } }
        d.sopInstanceUID = uid
        return d
    }

    mutating func dose(_ d: DoseGrid, plan: String? = nil, group: Int? = nil, edit: @escaping (inout DataSet) -> Void = { _ in }) {
        doses.append((d, plan, group, edit))
    }

    /// A plan with beams 1...beams and the given target prescriptions (ROI number, Gy).
    mutating func plan(uid: String = "1.2.826.0.1.3680043.10.1.3", fractions: Int, targets: [(roi: Int, gy: Double)], beams: Int = 1) {
        let refs = targets.enumerated().map { n, t in
            RTWriter.PhotonPlan.DoseReference(number: n + 1, uid: uid + ".\(n + 1)", referencedROINumber: t.roi, targetPrescriptionDoseGy: t.gy)
        }
        let b = (1...beams).map { n in
            RTWriter.PhotonPlan.Beam(number: n, name: "F\(n)", machineName: "M", energyMV: 6, gantryAngle: Double(n * 120), isocenter: .zero,
                                     jawX: (-50, 50), jawY: (-50, 50), metersetMU: 100, beamDoseGy: 1)
        }
        plans.append(RTWriter.PhotonPlan(sopInstanceUID: uid, label: "P\(plans.count + 1)", doseReferences: refs, fractionsPlanned: fractions,
                                         beams: b, structureSetUID: structureSetUID))
    }

    func theCase() throws -> Case {
        var files: [DICOMFile] = []
        let rs = StructureSet(sopInstanceUID: structureSetUID, label: "RS", frameOfReferenceUID: context.frameOfReferenceUID, rois: rois)
        files.append(RTWriter.structureSetFile(rs, context: context))
        for p in plans { files.append(RTWriter.planFile(p, context: context)) }
        for (n, d) in doses.enumerated() {
            var f = RTWriter.doseFile(d.dose, context: context, referencedPlanUID: d.plan, referencedFractionGroup: d.group)
            f.path = "RD\(n + 1).dcm"
            d.edit(&f.dataSet)
            files.append(f)
        }
        // Through bytes, as a partner's upload would arrive.
        let members = try files.map { f -> Case.Member in
            let read = try DICOMFile(bytes: DICOMWriter.encode(f), path: f.path)
            return Case.Member(file: read, object: try RTObject(file: read))
        }
        return Case(members: members)
    }

    func grade(_ yaml: String, age: Double? = 10, prescription: (Double, PrescriptionSource)? = nil,
               fractions: (Int, PrescriptionSource)? = nil) throws -> QAReport {
        let grading = try CaseGrading(try theCase())
        let p = try ProtocolParser.parse(yaml: yaml)
        return try CaseQA.grade(grading, protocol: p, prescription: prescription, fractions: fractions,
                                age: age.map { ($0, .commandLine) }, summary: grading.summary(path: nil), generator: "test")
    }
}

let targetAndOrganYAML = """
id: test-grading
name: Test grading
version: "1"
source: "test"
prescription_gy: 50
constraints:
  - structure: PTV
    metric: D98%
    per_protocol: ">= 95%"
  - structure: Organ
    metric: Dmax
    per_protocol: "<= 60 Gy"
"""

func result(_ r: QAReport, _ structure: String, _ metric: ConstraintMetric? = nil) -> ConstraintResult? {
    r.evaluation.results.first { ($0.matchedStructure ?? $0.constraint.structure) == structure && (metric == nil || $0.constraint.metric == metric) }
}

@Suite struct GradeSafetyTests {
    /// PTV and organ inside the grid, 50 Gy everywhere.
    func uniformCase(_ doseGy: Double = 50) -> AnalyticCase {
        var c = AnalyticCase()
        c.box("PTV", x: (-10, 10), type: "PTV")
        c.box("Organ", x: (12, 18))
        c.dose(AnalyticCase.grid { _ in doseGy })
        return c
    }

    @Test func wellCoveredCaseIsGraded() throws {
        let r = try uniformCase().grade(targetAndOrganYAML)
        let ptv = try #require(result(r, "PTV"))
        #expect(ptv.grade == .perProtocol && abs(ptv.value! - 100) < 1e-6 && ptv.coveredFraction == 1)
        #expect(r.evaluation.overall == .perProtocol)
    }

    @Test func halfCoveredPTVIsNotEvaluable() throws {
        var c = AnalyticCase()
        c.box("PTV", x: (0, 40), type: "PTV")   // the grid's voxel centres reach x = 20: half the box
        c.box("Organ", x: (12, 18))
        c.dose(AnalyticCase.grid { _ in 50 })
        let r = try c.grade(targetAndOrganYAML)
        let ptv = try #require(result(r, "PTV"))
        #expect(ptv.grade == .notEvaluable)
        #expect(ptv.reason == "only 50.0% of 'PTV' is inside the dose grid (at least 99.5% needed): its DVH would describe the covered part only")
        #expect(abs(ptv.coveredFraction! - 0.5) < 1e-9)
        #expect(result(r, "Organ")?.grade == .perProtocol)
        #expect(r.evaluation.overall == .notEvaluable)
        // The tolerance is a parameter: at 40 % the half-covered PTV is graded.
        let grading = try CaseGrading(try c.theCase())
        var o = GradingOptions(); o.minimumCoveredFraction = 0.4
        let loose = try CaseQA.grade(grading, protocol: try ProtocolParser.parse(yaml: targetAndOrganYAML), prescription: nil, fractions: nil,
                                     age: nil, summary: grading.summary(path: nil), generator: "test", options: o)
        #expect(result(loose, "PTV")?.grade == .perProtocol)
    }

    func expectDoseNotGraded(_ c: AnalyticCase, _ why: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try c.grade(targetAndOrganYAML)
        for res in r.evaluation.results {
            #expect(res.grade == .notEvaluable, sourceLocation: sourceLocation)
            #expect(res.reason == "the dose is not graded: " + why, sourceLocation: sourceLocation)
        }
        #expect(r.evaluation.overall == .notEvaluable, sourceLocation: sourceLocation)
        #expect(r.evaluation.context.doseProblems == [why], sourceLocation: sourceLocation)
    }

    @Test func relativeDoseIsNotGraded() throws {
        var c = uniformCase(1)
        c.doses[0].dose.units = "RELATIVE"
        try expectDoseNotGraded(c, "Dose Units is RELATIVE, not GY: limits in Gy cannot be applied")
    }

    @Test func missingDoseUnitsOrScalingIsNotGraded() throws {
        var c = uniformCase()
        c.doses[0].edit = { $0.remove(Tag(0x3004_0002)) }
        try expectDoseNotGraded(c, "Dose Units (3004,0002) is missing, so the unit of the dose is not known")
        c.doses[0].edit = { $0.remove(Tag(0x3004_000E)) }
        try expectDoseNotGraded(c, "Dose Grid Scaling (3004,000E) is missing, so the stored values cannot be turned into dose")
    }

    @Test func doseTypeMustBePhysicalOrEffective() throws {
        var c = uniformCase()
        c.doses[0].dose.doseType = "ERROR"
        try expectDoseNotGraded(c, "Dose Type is ERROR, not PHYSICAL or EFFECTIVE")
        c.doses[0].dose.doseType = "EFFECTIVE"
        let r = try c.grade(targetAndOrganYAML)
        #expect(r.evaluation.overall == .perProtocol)
        #expect(r.caseSummary.problems.contains { $0.hasPrefix("Dose Type is EFFECTIVE: the dose is graded as given") })
    }

    @Test func foreignFrameOfReferenceIsNotGraded() throws {
        var c = uniformCase()
        c.doses[0].dose.frameOfReferenceUID = "1.2.826.0.1.3680043.10.9.9"
        try expectDoseNotGraded(c, "the dose is on frame of reference 1.2.826.0.1.3680043.10.9.9, the structure set on 1.2.826.0.1.3680043.10.1.1: relating them needs a registration, which is out of scope")
    }

    /// Three beams whose doses are linear fields on three different grids (trilinear interpolation
    /// reproduces a linear field exactly, so the resampled sum equals the plan dose to float precision).
    let fields = [LinearDose(doseAtOriginGy: 20, gradientGyPerMM: Vec3(0.1, 0, 0)),
                  LinearDose(doseAtOriginGy: 16, gradientGyPerMM: Vec3(0, -0.05, 0.02)),
                  LinearDose(doseAtOriginGy: 14, gradientGyPerMM: Vec3(0.02, 0.03, -0.04))]

    func threeFieldCase(beamDoses: [Int], planDose: Bool) -> AnalyticCase {
        var c = AnalyticCase()
        c.box("PTV", x: (-10, 10), type: "PTV")
        c.box("Organ", x: (12, 18))
        c.plan(fractions: 25, targets: [(1, 50)], beams: 3)
        let planUID = c.plans[0].sopInstanceUID
        if planDose {
            c.dose(AnalyticCase.grid { p in self.fields.reduce(0) { $0 + $1.dose(at: p) } }, plan: planUID)
        }
        let grids: [DoseGrid] = [
            AnalyticCase.grid { self.fields[0].dose(at: $0) },
            fields[1].grid(centre: Vec3(1, 1, 1), size: (25, 25, 25), spacing: (2, 2, 2)),
            fields[2].grid(centre: Vec3(0.3, -0.2, 0.1), size: (19, 19, 19), spacing: (2.5, 2.5, 2.5)),
        ]
        for n in beamDoses {
            var d = grids[n - 1]
            d.summationType = "BEAM"
            d.referencedBeamNumbers = [n]
            c.dose(d, plan: planUID, group: 1)
        }
        return c
    }

    @Test func beamDosesOfAThreeFieldPlanAreSummedToThePlanDose() throws {
        let summed = try CaseGrading(try threeFieldCase(beamDoses: [1, 2, 3], planDose: false).theCase())
        let plan = try CaseGrading(try threeFieldCase(beamDoses: [], planDose: true).theCase())
        #expect(summed.doseProblems.isEmpty)
        #expect(summed.doseStatements.count == 1)
        #expect(summed.doseStatements[0].hasPrefix("graded dose: sum of 3 BEAM doses (RD1.dcm, RD2.dcm, RD3.dcm), resampled by trilinear interpolation onto the first dose's grid"))
        #expect(summed.doseStatements[0].hasSuffix("making plan P1 (beams 1, 2, 3)"))
        #expect(summed.dose.grid == plan.dose.grid)
        var worst = 0.0
        for (a, b) in zip(summed.dose.values, plan.dose.values) { worst = max(worst, abs(Double(a) - Double(b))) }
        #expect(worst < 1e-4, "largest voxel difference \(worst) Gy")
        let p = try ProtocolParser.parse(yaml: targetAndOrganYAML)
        let a = try summed.provider(for: p), b = try plan.provider(for: p)
        for q in [DoseVolumeQuery.meanDose, .maxDose, .doseAtVolumePercent(98)] {
            #expect(abs(try a.value(q, structure: "PTV") - b.value(q, structure: "PTV")) < 2e-3, "\(q)")
        }
        let r = try threeFieldCase(beamDoses: [1, 2, 3], planDose: false).grade(targetAndOrganYAML)
        #expect(r.evaluation.results.allSatisfy { $0.grade != .notEvaluable })
    }

    @Test func thePosteriorFossaPhantomsBeamDosesSumToItsPlanDose() throws {
        let spec = try PhantomSpec(site: .posteriorFossa, ageYears: 8, variant: .acceptable, seed: 1, resolution: .coarse)
        let pc = PhantomGenerator.generate(spec, beamDoses: true)
        #expect(pc.beamDoses.count == pc.plan.beams.count && pc.beamDoses.count >= 3)
        // The case as a planning system exporting per-beam doses sends it: CT, RS, RP and one RD per beam.
        var files = pc.files.filter { $0.name != "RD.dcm" }.map(\.file)
        for (n, d) in pc.beamDoses.enumerated() {
            var f = RTWriter.doseFile(d, context: pc.context, referencedPlanUID: pc.plan.sopInstanceUID, referencedFractionGroup: 1)
            f.path = "RD.beam\(n + 1).dcm"
            files.append(f)
        }
        let members = try files.map { f -> Case.Member in
            let read = try DICOMFile(bytes: DICOMWriter.encode(f), path: f.path)
            return Case.Member(file: read, object: try RTObject(file: read))
        }
        let summed = try CaseGrading(Case(members: members))
        let planMembers = try pc.files.map { Case.Member(file: $0.file, object: try RTObject(file: $0.file)) }
        let plan = try CaseGrading(Case(members: planMembers))
        #expect(summed.doseProblems.isEmpty)
        #expect(summed.doseStatements.first?.hasPrefix("graded dose: sum of \(pc.beamDoses.count) BEAM doses") == true)
        #expect(summed.doseStatements.first?.contains("on their common grid") == true)
        var worst = 0.0
        for (a, b) in zip(summed.dose.values, plan.dose.values) { worst = max(worst, abs(Double(a) - Double(b))) }
        #expect(worst < 1e-4, "largest voxel difference \(worst) Gy")
        let p = try #require(ProtocolLibrary.bundled().find(id: "posterior-fossa"))
        func graded(_ g: CaseGrading) throws -> QAReport {
            try CaseQA.grade(g, protocol: p, prescription: nil, fractions: nil, age: (8, .commandLine), summary: g.summary(path: nil), generator: "test")
        }
        let a = try graded(summed), b = try graded(plan)
        #expect(a.evaluation.results.map(\.grade) == b.evaluation.results.map(\.grade))
        for (x, y) in zip(a.evaluation.results, b.evaluation.results) {
            #expect(abs((x.value ?? -1) - (y.value ?? -1)) < 1e-3, "\(x.constraint.structure) \(x.constraint.metric)")
        }
    }

    @Test func anIncompleteSetOfBeamDosesIsNotGraded() throws {
        try expectDoseNotGraded(threeFieldCase(beamDoses: [2], planDose: false),
                                "Dose Summation Type is BEAM, not PLAN, and the case's doses do not make one plan's complete set of beams")
    }

    @Test func theFractionDoseOfAOneGroupPlanIsThePlanDose() throws {
        var c = uniformCase()
        c.plan(fractions: 25, targets: [(1, 50)])
        c.doses[0].dose.summationType = "FRACTION"
        c.doses[0].plan = c.plans[0].sopInstanceUID
        c.doses[0].group = 1
        let r = try c.grade(targetAndOrganYAML)
        #expect(r.evaluation.overall == .perProtocol)
        #expect(r.caseSummary.problems.contains("the FRACTION dose RD1.dcm holds all of plan P1 (fraction group(s) 1): graded as the plan dose"))
    }

    let csiBoostYAML = """
    id: test-csi-boost
    name: CSI and boost
    version: "1"
    source: "test"
    prescriptions:
      PTV_CSI: 23.4
      PTV_Boost: 54
    constraints:
      - structure: PTV_CSI
        metric: D95%
        per_protocol: ">= 95%"
      - structure: PTV_Boost
        metric: D95%
        per_protocol: ">= 95%"
      - structure: PTV_Boost
        metric: D2%
        per_protocol: "<= 107%"
    """

    func csiBoostCase(withPlan: Bool) -> AnalyticCase {
        var c = AnalyticCase()
        c.box("PTV_CSI", x: (-18, -4), type: "PTV")
        c.box("PTV_Boost", x: (4, 18), type: "PTV")
        if withPlan { c.plan(fractions: 30, targets: [(1, 23.4), (2, 54)]) }
        c.dose(AnalyticCase.grid { $0.x < -1 ? 23.4 : 54 }, plan: withPlan ? c.plans[0].sopInstanceUID : nil)
        return c
    }

    @Test func eachTargetIsJudgedAgainstItsOwnPrescription() throws {
        let r = try csiBoostCase(withPlan: true).grade(csiBoostYAML)
        let csi = try #require(result(r, "PTV_CSI"))
        #expect(csi.grade == .perProtocol)
        #expect(abs(csi.value! - 100) < 1e-3)
        #expect(csi.prescriptionGy == 23.4 && csi.prescriptionSource == .plan)
        let boost = try #require(result(r, "PTV_Boost", .doseAtVolumePercent(95)))
        #expect(boost.prescriptionGy == 54 && boost.prescriptionSource == .plan && boost.grade == .perProtocol)
        #expect(r.evaluation.overall == .perProtocol)
        #expect(r.evaluation.notes.contains("prescription of PTV_CSI: 23.4 Gy from the plan"))
        // Without a plan the protocol's prescriptions are used, and the report says so.
        let noPlan = try csiBoostCase(withPlan: false).grade(csiBoostYAML)
        #expect(result(noPlan, "PTV_CSI")?.prescriptionSource == .protocol)
        #expect(noPlan.evaluation.notes.contains("prescription of PTV_Boost: 54 Gy from the protocol"))
        #expect(noPlan.evaluation.overall == .perProtocol)
    }

    @Test func withoutProtocolTargetsEachROIUsesThePlansOwnPrescription() throws {
        // The same composite graded by a protocol that names no targets: the plan's dose reference to
        // each ROI gives that ROI's prescription, not the largest of the plan.
        let yaml = csiBoostYAML.replacingOccurrences(of: "prescriptions:\n  PTV_CSI: 23.4\n  PTV_Boost: 54\n", with: "")
        #expect(!yaml.contains("prescriptions"))
        let r = try csiBoostCase(withPlan: true).grade(yaml)
        let csi = try #require(result(r, "PTV_CSI"))
        #expect(csi.prescriptionGy == 23.4 && csi.prescriptionSource == .plan && csi.grade == .perProtocol)
        #expect(r.evaluation.notes.contains("the plan prescribes 23.4 Gy (PTV_CSI), 54 Gy (PTV_Boost): percent limits on those ROIs use their own prescription, others 54 Gy"))
        // A prescription given with the case applies to every percent limit, and the report says so.
        let given = try csiBoostCase(withPlan: true).grade(yaml, prescription: (54, .submission))
        #expect(result(given, "PTV_CSI")?.prescriptionSource == .submission)
        #expect(result(given, "PTV_CSI")?.grade == .unacceptableVariation)
    }

    @Test func aPrescriptionGivenWithTheSubmissionWinsAndIsNamed() throws {
        var c = uniformCase()
        c.plan(fractions: 25, targets: [(1, 60)])
        c.doses[0].plan = c.plans[0].sopInstanceUID
        let r = try c.grade(targetAndOrganYAML, prescription: (50, .submission), fractions: (25, .submission))
        let ptv = try #require(result(r, "PTV"))
        #expect(ptv.prescriptionGy == 50 && ptv.prescriptionSource == .submission && ptv.grade == .perProtocol)
        #expect(r.evaluation.notes.contains("prescription 50 Gy as given with the submission"))
        #expect(r.evaluation.notes.contains("25 fractions from the submission"))
        let fromPlan = try c.grade(targetAndOrganYAML)
        #expect(result(fromPlan, "PTV")?.prescriptionSource == .plan)
        #expect(result(fromPlan, "PTV")?.grade == .unacceptableVariation)  // 50 Gy is 83 % of the plan's 60 Gy
    }

    @Test func eqd2FollowsTheFormulaOnAUniformDose() throws {
        #expect(abs(EQD2.convert(doseGy: 40, fractions: 5, alphaBetaGy: 3) - 88) < 1e-12)
        #expect(abs(EQD2.convert(doseGy: 40, fractions: 20, alphaBetaGy: 3) - 40) < 1e-12)
        let g = try EQD2.grid(AnalyticCase.grid { _ in 40 }, fractions: 5, alphaBetaGy: 10)
        #expect(g.values.allSatisfy { abs(Double($0) - 40 * (8 + 10) / 12) < 1e-4 })
    }

    @Test func aFiveFractionPlanIsGradedOnEQD2() throws {
        func graded(fractions: Int) throws -> QAReport {
            var c = uniformCase(40)
            c.plan(fractions: fractions, targets: [(1, 40)])
            c.doses[0].plan = c.plans[0].sopInstanceUID
            return try c.grade(targetAndOrganYAML)
        }
        let hypo = try graded(fractions: 5)
        let organ = try #require(result(hypo, "Organ"))
        #expect(organ.isEQD2 && organ.alphaBetaGy == 3)
        #expect(abs(organ.value! - 88) < 2e-3, "EQD2 Dmax \(organ.value ?? -1)")   // 40 (8 + 3) / (2 + 3)
        #expect(abs(organ.physicalValue! - 40) < 2e-3)
        #expect(organ.grade == .unacceptableVariation)
        #expect(hypo.evaluation.context.eqd2?.planDosePerFractionGy == 8)
        // The target's percent limit is fractionation-free: graded on the physical dose.
        #expect(result(hypo, "PTV")?.isEQD2 == false && result(hypo, "PTV")?.grade == .perProtocol)
        let conventional = try graded(fractions: 20)
        #expect(result(conventional, "Organ")?.isEQD2 == false)
        #expect(result(conventional, "Organ")?.grade == .perProtocol)
        #expect(abs(result(conventional, "Organ")!.value! - 40) < 2e-3)
    }

    @Test func duplicateROINamesAreNotGraded() throws {
        var c = uniformCase()
        c.box("Organ", x: (-18, -12))
        let r = try c.grade(targetAndOrganYAML)
        let organ = try #require(result(r, "Organ"))
        #expect(organ.grade == .notEvaluable)
        #expect(organ.reason == "2 ROIs are named 'Organ' (ROI numbers 2, 3): which one is meant cannot be told")
        #expect(r.caseSummary.problems.contains("2 ROIs are named 'Organ' (ROI numbers 2, 3): constraints on that name are not graded"))
    }

    @Test func severalPlansNotReferencedGiveNoPlanPrescription() throws {
        var c = uniformCase()
        c.plan(uid: "1.2.826.0.1.3680043.10.1.31", fractions: 25, targets: [(1, 60)])
        c.plan(uid: "1.2.826.0.1.3680043.10.1.32", fractions: 25, targets: [(1, 45)])
        let r = try c.grade(targetAndOrganYAML)
        #expect(r.evaluation.context.prescriptionSource == .protocol)
        #expect(r.caseSummary.problems.contains("2 plans in the case (P1, P2) and the dose references none: no plan prescription or fractions used"))
    }

    @Test func aPlanTheDoseDoesNotReferenceIsNotUsed() throws {
        var c = uniformCase()
        c.plan(fractions: 25, targets: [(1, 60)])
        c.doses[0].plan = "1.2.826.0.1.3680043.10.1.77"
        let r = try c.grade(targetAndOrganYAML)
        #expect(r.evaluation.context.prescriptionSource == .protocol && r.evaluation.context.prescriptionGy == 50)
        #expect(r.caseSummary.problems.contains("the dose references plan 1.2.826.0.1.3680043.10.1.77, which is not in the case; the case's plan(s) P1 not used for the prescription or fractions"))
        #expect(result(r, "PTV")?.grade == .perProtocol)
    }

    let bandedYAML = """
    id: test-age
    name: Age bands
    version: "1"
    source: "test"
    age_years: "< 18"
    constraints:
      - structure: Organ
        metric: Dmax
        per_protocol: "<= 60 Gy"
      - structure: Organ
        metric: Dmean
        per_protocol: "<= 20 Gy"
        age_years: "< 3"
      - structure: Organ
        metric: Dmean
        per_protocol: "<= 30 Gy"
        age_years: ">= 3 and < 10"
    """

    @Test func unknownAgeGradesOnlyUnbandedConstraints() throws {
        let r = try uniformCase().grade(bandedYAML, age: nil)
        #expect(r.evaluation.results.count == 1)
        #expect(r.evaluation.results[0].constraint.metric == .maxDose)
        #expect(r.evaluation.skippedForAge.count == 2)
        #expect(r.evaluation.notes.contains("age unknown: only constraints without an age band were graded; 2 age-banded constraint(s) were not (give the age)"))
    }

    @Test func protocolAgeMismatchIsAProblem() throws {
        let r = try uniformCase().grade(bandedYAML, age: 25)
        #expect(r.evaluation.notes.contains("protocol/age mismatch: the patient's age 25 years is outside the protocol's ages (< 18)"))
        #expect(r.evaluation.notes.contains("protocol/age mismatch: no age band of Organ Dmean (< 3; >= 3 and < 10) holds age 25 years: not graded"))
    }

    @Test func everyVertebraOfTheAbdomenPhantomIsGradedThroughItsWildcard() throws {
        let spec = try PhantomSpec(site: .abdomen, ageYears: 4, variant: .vertebraGradient, seed: 1, resolution: .coarse)
        let pc = PhantomGenerator.generate(spec)
        let members = try pc.files.map { Case.Member(file: $0.file, object: try RTObject(file: $0.file)) }
        let grading = try CaseGrading(Case(members: members))
        let p = try #require(ProtocolLibrary.bundled().find(id: "wilms-flank"))
        let r = try CaseQA.grade(grading, protocol: p, prescription: nil, fractions: nil, age: (4, .commandLine),
                                 summary: grading.summary(path: nil), generator: "test")
        let vertebrae = grading.structureSet.rois.map(\.name).filter { $0.hasPrefix("VB_") }
        #expect(vertebrae.count >= 3)
        let rows = r.evaluation.results.filter { $0.constraint.structure == "Vertebrae" }
        #expect(rows.compactMap(\.matchedStructure) == vertebrae)
        for row in rows {
            #expect(row.value != nil, "\(row.matchedStructure ?? "?"): \(row.reason ?? "")")
            #expect(row.grade == .perProtocol, "\(row.matchedStructure ?? "?") Dmax \(row.value ?? -1) Gy")  // 14.4 Gy plan, limit 20 Gy at 2-6 years
        }
    }

    @Test func aPlanningSystemDVHThatDiffersIsFlagged() throws {
        let spec = try PhantomSpec(site: .posteriorFossa, ageYears: 8, variant: .acceptable, seed: 1, resolution: .coarse)
        let pc = PhantomGenerator.generate(spec)
        let calc = try DVHCalculator(dose: pc.dose)
        let ptv = try #require(pc.structureSet.roi(named: "PTV")), cochlea = try #require(pc.structureSet.roi(named: "Cochlea_L"))
        let computed = calc.compute([ptv, cochlea], in: pc.structureSet).structures
        func item(_ s: StructureDose, volumeFactor: Double) -> DataSet {
            let c = s.dvh.cumulative(stepGy: 0.01)
            var d = DataSet()
            var ref = DataSet()
            ref.set(Tag(0x3006_0084), .IS, number: Double(s.roiNumber))
            d.set(Tag(0x3004_0060), items: [ref])
            d.set(Tag(0x3004_0001), .CS, "CUMULATIVE")
            d.set(Tag(0x3004_0002), .CS, "GY")
            d.set(Tag(0x3004_0054), .CS, "CM3")
            d.set(Tag(0x3004_0052), .DS, number: 1)
            d.set(Tag(0x3004_0056), .IS, number: Double(c.volumeCC.count))
            d.set(Tag(0x3004_0058), .DS, numbers: c.volumeCC.flatMap { [0.01, ($0 * volumeFactor * 1e4).rounded() / 1e4] })
            return d
        }
        var files = pc.files
        let rd = files.count - 1
        // The planning system's PTV DVH is 5 % larger in volume than Anchor's; the left cochlea's is Anchor's own.
        files[rd].file.dataSet.set(Tag(0x3004_0050), items: [item(computed.first { $0.name == "PTV" }!, volumeFactor: 1.05),
                                                            item(computed.first { $0.name == "Cochlea_L" }!, volumeFactor: 1)])
        let members = try files.map { f -> Case.Member in
            let read = try DICOMFile(bytes: DICOMWriter.encode(f.file), path: f.name)
            return Case.Member(file: read, object: try RTObject(file: read))
        }
        let grading = try CaseGrading(Case(members: members))
        #expect(grading.dose.storedDVHs.count == 2)
        let p = try #require(ProtocolLibrary.bundled().find(id: "posterior-fossa"))
        let r = try CaseQA.grade(grading, protocol: p, prescription: nil, fractions: nil, age: (8, .commandLine),
                                 summary: grading.summary(path: nil), generator: "test")
        let ptvRow = try #require(r.tpsComparison.first { $0.structure == "PTV" })
        let cochleaRow = try #require(r.tpsComparison.first { $0.structure == "Cochlea_L" })
        let volume = try #require(ptvRow.rows.first { $0.quantity == "volume" })
        #expect(volume.flagged)
        #expect(abs(volume.tps! / volume.anchor! - 1.05) < 1e-3)
        #expect(ptvRow.flagged)
        #expect(!cochleaRow.flagged, "\(cochleaRow.remarks)")
        #expect(cochleaRow.rows.count >= 3)
        #expect(r.text.contains("Planning system's DVH beside Anchor's"))
        #expect(r.html.contains("Planning system's DVH beside Anchor's"))
    }
}

let lungsYAML = """
id: test-derived
name: Derived structures
version: "1"
source: "test"
derived_structures:
  Lungs: "Lung_L | Lung_R"
constraints:
  - structure: Lungs
    metric: Dmean
    per_protocol: "<= 20 Gy"
"""

@Suite struct DerivedStructureGradingTests {
    func lungsCase(right: Bool = true) -> AnalyticCase {
        var c = AnalyticCase()
        c.box("Lung_L", x: (4, 16))
        if right { c.box("Lung_R", x: (-16, -4)) }
        c.dose(AnalyticCase.grid { 10 + 0.5 * $0.x })   // symmetric boxes: the union's mean is 10 Gy
        return c
    }

    @Test func lungsDerivedFromLeftAndRightAreGradedAndLabelled() throws {
        let r = try lungsCase().grade(lungsYAML)
        let lungs = try #require(result(r, "Lungs"))
        #expect(lungs.derivedFrom == "Lung_L | Lung_R (ROIs 'Lung_L', 'Lung_R')")
        #expect(abs(lungs.value! - 10) < 1e-6)
        #expect(lungs.grade == .perProtocol)
        #expect(r.text.contains("Lungs (derived)"))
        #expect(r.evaluation.unmatchedStructures.isEmpty)
    }

    @Test func aDrawnStructureOfThatNameWinsOverTheDerivedOne() throws {
        var c = lungsCase()
        c.rois.append(DVHPhantom(name: "Lungs", planes: stride(from: -9.0, to: 10, by: 2).map {
            ($0, [DVHPhantom.rectangle(x0: 4, y0: -10, x1: 16, y1: 10), DVHPhantom.rectangle(x0: -16, y0: -10, x1: -4, y1: 10)])
        }, planeSpacingMM: 2).roi(number: 3))
        let lungs = try #require(result(try c.grade(lungsYAML), "Lungs"))
        #expect(lungs.derivedFrom == nil)
        #expect(abs(lungs.value! - 10) < 1e-6)
    }

    @Test func aMissingOperandIsNamed() throws {
        let lungs = try #require(result(try lungsCase(right: false).grade(lungsYAML), "Lungs"))
        #expect(lungs.grade == .notEvaluable)
        #expect(lungs.reason == "derived structure Lungs = Lung_L | Lung_R cannot be made: no ROI matches Lung_R")
    }

    @Test func theMediastinumPhantomsLungsAreGradedAsDerivedByTheLibrary() throws {
        let spec = try PhantomSpec(site: .mediastinum, ageYears: 14, variant: .acceptable, seed: 1, resolution: .coarse)
        let pc = PhantomGenerator.generate(spec)
        let members = try pc.files.map { Case.Member(file: $0.file, object: try RTObject(file: $0.file)) }
        let grading = try CaseGrading(Case(members: members))
        #expect(!grading.structureSet.rois.contains { $0.name == "Lungs" })
        let p = try #require(ProtocolLibrary.bundled().find(id: "hodgkin-lymphoma"))
        let r = try CaseQA.grade(grading, protocol: p, prescription: nil, fractions: nil, age: (14, .commandLine),
                                 summary: grading.summary(path: nil), generator: "test")
        let lungs = r.evaluation.results.filter { $0.constraint.structure == "Lungs" }
        #expect(lungs.count == 2)
        for l in lungs {
            #expect(l.derivedFrom == "Lung_L | Lung_R (ROIs 'Lung_L', 'Lung_R')")
            #expect(l.value != nil && l.grade != .notEvaluable, "\(l.reason ?? "")")
        }
        // The derived DVH is the two lungs' DVHs added, to the sampling tolerance: the union is sampled on
        // its own lattice (coarser than each lung's, being larger), as a drawn union would be.
        let calc = try DVHCalculator(dose: grading.dose)
        let both = calc.compute([grading.structureSet.roi(named: "Lung_L")!, grading.structureSet.roi(named: "Lung_R")!], in: grading.structureSet).structures
        let derived = try #require(r.dvhs.first { $0.name == "Lungs" }?.dvh)
        #expect(abs(derived.volumeCC - both.reduce(0) { $0 + $1.dvh.volumeCC }) < 1e-3 * derived.volumeCC)
        let mean = both.reduce(0) { $0 + $1.dvh.meanGy * $1.dvh.volumeCC } / both.reduce(0) { $0 + $1.dvh.volumeCC }
        #expect(abs(derived.meanGy - mean) < 1e-3 * derived.maxGy)
    }

    @Test func definitionsAreParsed() throws {
        let d = try DerivedStructure.parse(name: "Brain-PTV", expression: "Brain - PTV_High | PTV_Low")
        #expect(d.operands == ["Brain", "PTV_High", "PTV_Low"])
        #expect(d.expression == .union(.subtraction(.operand(0), .operand(1)), .operand(2)))
        #expect(try DerivedStructure.parse(name: "X", expression: "Brain-PTV & Body").operands == ["Brain-PTV", "Body"])
        #expect(throws: QAError.self) { try DerivedStructure.parse(name: "X", expression: "Brain") }
        #expect(throws: QAError.self) { try DerivedStructure.parse(name: "X", expression: "Brain | ") }
    }
}

@Suite struct ProtocolFractionationFormatTests {
    @Test func prescriptionsFractionationAndAlphaBetaAreRead() throws {
        let p = try ProtocolParser.parse(yaml: """
        id: t
        name: T
        version: "1"
        source: s
        dose_per_fraction_gy: 1.8
        age_years: "< 18"
        prescriptions:
          PTV_High: 54
          PTV_Low: "36 Gy"
        constraints:
          - structure: PTV_Low
            metric: D95%
            per_protocol: ">= 95%"
          - structure: CTV
            metric: D98%
            per_protocol: ">= 95%"
            prescription: PTV_High
          - structure: Brainstem
            metric: Dmax
            per_protocol: "<= 54 Gy"
            alpha_beta_gy: 2
        """)
        #expect(p.targetPrescriptions == [TargetPrescription(target: "PTV_High", doseGy: 54), TargetPrescription(target: "PTV_Low", doseGy: 36)])
        #expect(p.dosePerFractionGy == 1.8 && p.dosePerFractionStated)
        #expect(p.ageBand?.contains(17) == true && p.ageBand?.contains(18) == false)
        #expect(p.constraints[1].prescriptionTarget == "PTV_High")
        #expect(p.constraints[2].alphaBetaGy == 2)
        #expect(ProtocolEvaluator.alphaBeta(p.constraints[0], protocol: p) == 10)
        #expect(ProtocolEvaluator.alphaBeta(p.constraints[2], protocol: p) == 2)
    }

    @Test func aPrescriptionTargetMustBeNamedInThePrescriptions() {
        #expect(throws: QAError.self) {
            try ProtocolParser.parse(yaml: """
            id: t
            name: T
            version: "1"
            source: s
            prescriptions:
              PTV_High: 54
            constraints:
              - structure: CTV
                metric: D98%
                per_protocol: ">= 95%"
                prescription: PTV_Hgh
            """)
        }
    }
}
