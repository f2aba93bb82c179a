import AnchorDosimetry
import AnchorPhantoms
import AnchorRT
import Foundation
import Testing
@testable import AnchorQA

/// The reference sets: every constraint parses, cites its source with a locator and a confidence, and
/// names a TG-263 structure or a derived one; applied to the synthetic phantoms of the matching site,
/// acceptable plans are not unacceptable and the deliberate deviations are caught.
@Suite struct LibraryCatalogueTests {
    let library = ProtocolLibrary.bundled()

    /// Structure names of AAPM Report 263 (TG-263, 2018) used by the library.
    static let tg263: Set<String> = [
        "PTV", "Brain", "Brainstem", "SpinalCord", "Cochlea_L", "Cochlea_R", "OpticChiasm", "OpticNrv_L", "OpticNrv_R",
        "Lens_L", "Lens_R", "Lungs", "Lung_L", "Lung_R", "Heart", "Liver", "Spleen", "Kidney_L", "Kidney_R", "Parotid_L", "Parotid_R",
        "Testis_L", "Testis_R", "Ovary_L", "Ovary_R", "Glnd_Thyroid",
    ]
    /// Structures made from others (TG-263 §8 style `A-B`, or a group of TG-263 structures), which a plan
    /// may not have: the library marks them optional, so a plan without them is not held back.
    static let derived: Set<String> = ["Brain-PTV", "Kidney_Remaining", "Vertebrae"]

    @Test func atLeastTwelveIndicationsAndTheOrganSet() throws {
        #expect(library.errors.isEmpty, "\(library.errors)")
        let sets = library.protocols.filter { $0.kind == .protocol }
        #expect(sets.count >= 12)
        for id in ["medulloblastoma-csi", "posterior-fossa", "low-grade-glioma", "craniopharyngioma", "germ-cell-intracranial",
                   "high-grade-glioma-dipg", "wilms-flank", "wilms-whole-abdomen", "wilms-whole-lung", "neuroblastoma", "rms-head-neck",
                   "rms-orbit", "rms-pelvis", "ewing-sarcoma", "hodgkin-lymphoma", "tbi"] {
            #expect(library.find(id: id)?.kind == .protocol, "\(id)")
        }
        #expect(library.find(id: "pentec-organs")?.kind == .constraintSet)
        for p in library.protocols { #expect(!p.indications.isEmpty, "\(p.id) lists no indication") }
    }

    @Test func everyConstraintCitesItsSourceLocatorAndConfidence() throws {
        for p in library.protocols {
            for c in p.constraints {
                let what = "\(p.id): \(c.structure) \(c.metric)"
                #expect((c.source ?? "").range(of: #"(19|20)\d\d"#, options: .regularExpression) != nil, "\(what): no dated source")
                #expect(!(c.locator ?? "").isEmpty, "\(what): no locator")
                #expect(!(c.confidence ?? "").isEmpty, "\(what): no confidence")
            }
            let text = try String(contentsOfFile: try #require(p.file), encoding: .utf8)
            #expect(!text.contains("shared/") && !text.contains(".csv"), "\(p.id) refers to something outside the repository")
        }
    }

    @Test func everyConstraintNamesATG263OrADerivedOptionalStructure() throws {
        for p in library.protocols {
            for c in p.constraints {
                if LibraryCatalogueTests.derived.contains(c.structure) {
                    #expect(c.optional, "\(p.id): derived \(c.structure) must be optional")
                } else {
                    #expect(LibraryCatalogueTests.tg263.contains(c.structure), "\(p.id): \(c.structure) is not a TG-263 name")
                }
            }
        }
    }

    @Test func targetsUseTheCOGDeviationRuleAsTheAcceptableBand() throws {
        for p in library.protocols {
            for c in p.constraints where c.structure == "PTV" {
                switch c.metric {
                case .doseAtVolumePercent(98): #expect(c.perProtocol.value == 95 && c.acceptable?.value == 90, "\(p.id)")
                case .doseAtVolumePercent(2): #expect(c.perProtocol.value == 107 && c.acceptable?.value == 110, "\(p.id)")
                default: Issue.record("\(p.id): unexpected PTV metric \(c.metric)")
                }
            }
        }
    }

    @Test func riskLevelsAreObjectivesAndNeverUnacceptable() throws {
        // Lungs, spleen, optic, lens, necrosis: the sources give risks, so exceeding is an acceptable variation.
        let set = try #require(library.find(id: "pentec-organs"))
        for c in set.constraints where ["Lungs", "Spleen", "OpticChiasm", "Lens_L", "Brain-PTV"].contains(c.structure) {
            #expect(c.isObjective, "\(c.structure) \(c.metric)")
        }
        // The hypothalamus TD50 (Merchant 2011) is a late-effect estimate now, not a limit any CSI plan fails.
        let mb = try #require(library.find(id: "medulloblastoma-csi"))
        #expect(!mb.constraints.contains { $0.structure == "Hypothalamus" })
        #expect(LateEffectLibrary.bundled().find(id: "merchant-hypothalamus-growth-hormone") != nil)
        // A source's limit stays a limit: TBI lungs, SIOP 2001 kidney.
        #expect(library.find(id: "tbi")?.constraints.first { $0.structure == "Lungs" }?.isObjective == false)
        #expect(library.find(id: "wilms-flank")?.constraints.first { $0.structure == "Kidney_Remaining" }?.isObjective == false)
    }

    @Test func objectiveFieldRejectsAnAcceptableBandBesideIt() throws {
        let yaml = "id: a\nname: a\nversion: \"1\"\nsource: s\nconstraints:\n  - structure: Spleen\n    metric: Dmean\n    per_protocol: \"< 10 Gy\"\n    acceptable: \"< 20 Gy\"\n    objective: true\n"
        let e = try #require(throws: QAError.self) { try ProtocolParser.parse(yaml: yaml) }
        #expect(e.field == "objective" && e.line == 10)
        let ok = try ProtocolParser.parse(yaml: yaml.replacingOccurrences(of: "    acceptable: \"< 20 Gy\"\n", with: "") + "    locator: Table 2\n    confidence: high\n")
        #expect(ok.constraints[0].isObjective && ok.constraints[0].locator == "Table 2" && ok.constraints[0].confidence == "high")
        #expect(ok.constraints[0].acceptable?.isSatisfied(by: 1e6) == true)
    }

    // MARK: - Phantoms

    /// A phantom with the DVH of every structure, graded against any protocol.
    struct GradedPhantom {
        var provider: DVHMetricProvider
        var age: Double
        var rx: Double?

        init(_ site: PhantomSite, _ variant: PhantomVariant, age: Int) throws {
            let spec = try PhantomSpec(site: site, ageYears: age, variant: variant, seed: 1, resolution: .coarse)
            let pc = PhantomGenerator.generate(spec)
            let members = try pc.files.map { Case.Member(file: $0.file, object: try RTObject(file: $0.file)) }
            let grading = try CaseGrading(Case(members: members))
            let all = try DVHCalculator(dose: grading.dose).compute(structureSet: grading.structureSet)
            var dvhs: [String: DVH] = [:]
            for s in all.structures where dvhs[s.name] == nil { dvhs[s.name] = s.dvh }
            provider = DVHMetricProvider(structureNames: grading.structureSet.rois.map(\.name), dvhs: dvhs)
            self.age = Double(age)
            rx = grading.plan?.prescriptionGy ?? pc.prescriptionGy
        }

        func grade(_ p: TreatmentProtocol) -> EvaluationResult {
            ProtocolEvaluator.evaluate(p, provider: provider, context: EvaluationContext(prescriptionGy: rx, prescriptionSource: .plan, ageYears: age, ageSource: .dicom))
        }
    }

    /// Each set graded on the acceptable phantom is not unacceptable (and nothing it requires is
    /// missing); graded on the deviant one, it grades `structure` unacceptable.
    func check(_ acceptable: GradedPhantom, _ deviant: GradedPhantom, sets: [String], caught structure: String) throws {
        for id in sets {
            let p = try #require(library.find(id: id), "\(id)")
            let ok = acceptable.grade(p)
            let bad = ok.results.filter { $0.grade == .unacceptableVariation || ($0.grade == .notEvaluable && !$0.excludedFromOverall) }
            #expect(bad.isEmpty, "\(id) on the acceptable phantom: \(bad.map { "\($0.constraint.structure) \($0.constraint.metric) \($0.value ?? -1) \($0.reason ?? "")" })")
            #expect(ok.overall == .perProtocol || ok.overall == .acceptableVariation, "\(id): \(ok.overall)")
            let caught = deviant.grade(p).results.filter { $0.constraint.structure == structure }
            #expect(!caught.isEmpty && caught.contains { $0.grade == .unacceptableVariation },
                    "\(id) misses the deviation on \(structure): \(caught.map { ($0.value ?? -1, $0.grade) })")
        }
    }

    @Test func cnsSetsOnThePosteriorFossaPhantom() throws {
        let cns = ["posterior-fossa", "medulloblastoma-csi", "low-grade-glioma", "craniopharyngioma", "germ-cell-intracranial",
                   "high-grade-glioma-dipg", "rms-head-neck"]
        let acceptable = try GradedPhantom(.posteriorFossa, .acceptable, age: 8)
        let ears = try GradedPhantom(.posteriorFossa, .cochleaOverdose, age: 8)
        try check(acceptable, ears, sets: cns, caught: "Cochlea_L")
        try check(acceptable, try GradedPhantom(.posteriorFossa, .ptvUnderdose, age: 8), sets: cns, caught: "PTV")
        // The organ set has no target: the cochlear deviation is caught there too.
        try check(acceptable, ears, sets: ["pentec-organs"], caught: "Cochlea_R")
    }

    @Test func abdominalSetsOnTheWilmsPhantom() throws {
        try check(try GradedPhantom(.abdomen, .acceptable, age: 3), try GradedPhantom(.abdomen, .ptvUnderdose, age: 3),
                  sets: ["wilms-flank", "wilms-whole-abdomen", "neuroblastoma", "ewing-sarcoma"], caught: "PTV")
    }

    @Test func thoracicSetsOnTheMediastinumPhantom() throws {
        try check(try GradedPhantom(.mediastinum, .acceptable, age: 14), try GradedPhantom(.mediastinum, .ptvUnderdose, age: 14),
                  sets: ["hodgkin-lymphoma", "wilms-whole-lung"], caught: "PTV")
    }
}
