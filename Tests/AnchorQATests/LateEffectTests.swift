import AnchorDosimetry
import AnchorPhantoms
import AnchorRT
import Foundation
import Testing
@testable import AnchorQA

/// The late-effect evaluator reproduces the published numbers at the published points, interpolates
/// only where a model allows it, and refuses outside a model's ages, chemotherapy or dose shape.
@Suite struct LateEffectTests {
    let library = LateEffectLibrary.bundled()

    func model(_ id: String) throws -> LateEffectModel { try #require(library.find(id: id), "no model \(id)") }

    /// Estimates of one model for named DVHs, doses taken as EQD2 unless `fractions` is given.
    func estimates(_ id: String, _ dvhs: [String: DVH], age: Double? = 10, fractions: Int? = nil,
                   chemo: Set<String>? = nil) throws -> [LateEffectEstimate] {
        let context = LateEffectContext(ageYears: age, fractions: fractions, doseIsEQD2: fractions == nil, chemotherapy: chemo)
        return LateEffectEvaluator.evaluate([try model(id)], provider: provider(dvhs), context: context)
    }

    func one(_ id: String, _ dvhs: [String: DVH], age: Double? = 10, fractions: Int? = nil, chemo: Set<String>? = nil) throws -> LateEffectEstimate {
        let list = try estimates(id, dvhs, age: age, fractions: fractions, chemo: chemo)
        #expect(list.count == 1)
        return try #require(list.first)
    }

    @Test func everyModelFileLoadsAndCitesItsPublication() throws {
        #expect(library.errors.isEmpty, "\(library.errors)")
        // The endpoints the library must cover.
        let organs = Set(library.models.flatMap { $0.organs.map(\.structure) })
        for o in ["Brain", "Glnd_Thyroid", "Lens_L", "OpticChiasm", "Hypothalamus", "Pituitary", "Cochlea_L", "Heart", "Liver", "Kidney_L", "Ovary_L", "Breast_L"] {
            #expect(organs.contains(o), "no model for \(o)")
        }
        #expect(library.models.count >= 12)
        #expect(Set(library.models.map(\.id)).count == library.models.count)
        for m in library.models {
            #expect(m.citation.contains("20"), "\(m.id): citation without a year")
            #expect(m.doi != nil || m.pmid != nil, "\(m.id): neither DOI nor PMID")
            #expect(!m.locator.isEmpty && !m.confidence.isEmpty && !m.cohort.isEmpty && !m.howRead.isEmpty, "\(m.id)")
            let text = try String(contentsOfFile: try #require(m.file), encoding: .utf8)
            #expect(!text.contains("shared") && !text.contains("constraints.csv"), "\(m.id) refers to something outside the repository")
            #expect(text.hasPrefix("# Late-effect model for review support"), "\(m.id)")
        }
    }

    @Test func uniformBrainDoseOf18Point1GyGivesFivePercentRiskOfIQBelow85() throws {
        let e = try one("pentec-brain-iq", ["Brain": AnalyticDVH.uniform(18.1)])
        #expect(e.status == .estimated)
        #expect(e.estimate == 5)
        #expect(e.estimateText == "5 %")
        #expect(e.model.shortCitation == "Mahajan et al. 2021")
    }

    @Test func brainIQPartialVolumePointsBoundTheRisk() throws {
        // 10 % of the brain at 35.7 Gy or more dominates the published 5 % irradiation.
        let hot = try one("pentec-brain-iq", ["Brain": AnalyticDVH.ramp(from: 0, to: 40)])
        #expect(hot.status == .bound && hot.estimateLow == 5 && hot.estimate == nil)
        // Every point below its dose, but the maximum above the uniform 18.1 Gy: nothing places it.
        let focal = try one("pentec-brain-iq", ["Brain": AnalyticDVH.ramp(from: 0, to: 30)])
        #expect(focal.status == .outsideRange && focal.estimate == nil)
        #expect(focal.note?.contains("no published point places this DVH") == true)
        // The whole brain under 18.1 Gy lies under the uniform point.
        let low = try one("pentec-brain-iq", ["Brain": AnalyticDVH.ramp(from: 5, to: 15)])
        #expect(low.status == .bound && low.estimateHigh == 5 && low.estimateText == "at most 5 %")
    }

    @Test func methotrexateAddsItsPublishedUniformDose() throws {
        // 12.2 Gy + 5.9 Gy for methotrexate = the 18.1 Gy point.
        let e = try one("pentec-brain-iq", ["Brain": AnalyticDVH.uniform(12.2)], chemo: ["methotrexate"])
        #expect(e.estimate == 5)
        let without = try one("pentec-brain-iq", ["Brain": AnalyticDVH.uniform(12.2)], chemo: ["none"])
        #expect(without.estimate == nil && without.estimateHigh == 5)
        let unknown = try one("pentec-brain-iq", ["Brain": AnalyticDVH.uniform(12.2)])
        #expect(unknown.note?.contains("assumes no methotrexate") == true)
    }

    @Test func meanThyroidDosesOf10And20And30GyGive4And7And13Percent() throws {
        for (dose, risk) in [(10.0, 4.0), (20, 7), (30, 13)] {
            let e = try one("pentec-thyroid-hypothyroidism", ["Thyroid": AnalyticDVH.uniform(dose)])
            #expect(e.status == .estimated && e.estimate == risk, "\(dose) Gy: \(e.estimateText)")
            #expect(e.organ == "Glnd_Thyroid" && e.rois == ["Thyroid"] && e.metric == "Dmean")
        }
        for (dose, risk) in [(10.0, 12.0), (20, 25), (30, 44)] {
            #expect(try one("pentec-thyroid-compensated-hypothyroidism", ["Glnd_Thyroid": AnalyticDVH.uniform(dose)]).estimate == risk)
        }
        let e = try one("pentec-thyroid-hypothyroidism", ["Thyroid": AnalyticDVH.uniform(20)])
        #expect(e.sentence == "Estimated 7 % risk of clinical (uncompensated) primary hypothyroidism at Glnd_Thyroid Dmean 20.0 Gy EQD2; Milano et al. 2021")
    }

    @Test func thyroidBetweenPointsIsLogitInterpolatedAndNeverExtrapolated() throws {
        // logit(p) halfway between logit(0.04) and logit(0.07).
        let mid = (log(0.04 / 0.96) + log(0.07 / 0.93)) / 2
        let expected = 100 / (1 + exp(-mid))
        let e = try one("pentec-thyroid-hypothyroidism", ["Thyroid": AnalyticDVH.uniform(15)])
        #expect(e.status == .estimated)
        #expect(abs(e.estimate! - expected) < 1e-9 && abs(expected - 5.3032) < 0.0001, "\(e.estimate ?? -1)")
        // Beyond the last point: a bound, no number.
        let high = try one("pentec-thyroid-hypothyroidism", ["Thyroid": AnalyticDVH.uniform(45)])
        #expect(high.status == .bound && high.estimate == nil && high.estimateLow == 13 && high.estimateHigh == nil)
        #expect(high.estimateText == "at least 13 %")
        let low = try one("pentec-thyroid-hypothyroidism", ["Thyroid": AnalyticDVH.uniform(5)])
        #expect(low.status == .bound && low.estimate == nil && low.estimateHigh == 4)
    }

    @Test func outsideTheModelsAgesItRefuses() throws {
        let adult = try one("pentec-thyroid-hypothyroidism", ["Thyroid": AnalyticDVH.uniform(20)], age: 25)
        #expect(adult.status == .outsideRange && adult.estimate == nil && adult.valueGy == 20)
        #expect(adult.note?.contains("age 25 years is outside the model's ages (< 21 years)") == true)
        let unknown = try one("pentec-thyroid-hypothyroidism", ["Thyroid": AnalyticDVH.uniform(20)], age: nil)
        #expect(unknown.status == .outsideRange && unknown.note?.contains("age is unknown") == true)
        let infantEars = try one("pentec-cochlea-hearing-loss", ["Cochlea_L": AnalyticDVH.uniform(20)], age: 3)
        #expect(infantEars.status == .outsideRange)
        let olderGirl = try estimates("pentec-breast-hypoplasia", ["Breast_L": AnalyticDVH.uniform(0.5), "Breast_R": AnalyticDVH.uniform(0.5)], age: 6)
        #expect(olderGirl.count == 2 && olderGirl.allSatisfy { $0.status == .outsideRange })
    }

    @Test func chemotherapyTheModelDoesNotCoverTakesItOutOfRange() throws {
        let cis = try one("pentec-cochlea-hearing-loss", ["Cochlea_R": AnalyticDVH.uniform(20)], chemo: ["cisplatin"])
        #expect(cis.status == .outsideRange && cis.note?.contains("cisplatin was given") == true)
        let none = try one("pentec-cochlea-hearing-loss", ["Cochlea_R": AnalyticDVH.uniform(20)], chemo: ["none"])
        #expect(none.status == .bound && none.estimateText == "below 5 %")
        #expect(try one("pentec-cochlea-hearing-loss", ["Cochlea_R": AnalyticDVH.uniform(50)]).estimate == 30)
        let lens = try one("pentec-lens-cataract", ["Lens_L": AnalyticDVH.uniform(3)], chemo: ["alkylator"])
        #expect(lens.status == .outsideRange)
        let ovary = try one("pentec-ovary-failure", ["Ovary_L": AnalyticDVH.uniform(1)], chemo: ["alkylator"])
        #expect(ovary.status == .outsideRange && ovary.note?.contains("cyclophosphamide-equivalent") == true)
    }

    @Test func twoPointModelsGiveTheRangeBetweenThemNotACurve() throws {
        #expect(try one("pentec-optic-neuropathy", ["OpticChiasm": AnalyticDVH.uniform(57)]).estimate == 5)
        #expect(try one("pentec-optic-neuropathy", ["OpticChiasm": AnalyticDVH.uniform(64)]).estimate == 50)
        let between = try one("pentec-optic-neuropathy", ["OpticChiasm": AnalyticDVH.uniform(60)])
        #expect(between.status == .range && between.estimate == nil && between.estimateLow == 5 && between.estimateHigh == 50)
        #expect(between.estimateText == "5-50 %")
        let lens = try one("pentec-lens-cataract", ["Lens_R": AnalyticDVH.uniform(20)], chemo: ["none"])
        #expect(lens.status == .range && lens.estimateLow == 5 && lens.estimateHigh == 50)
    }

    @Test func hypothalamicPituitaryAxisIsTheVolumeWeightedMeanOfBothContours() throws {
        let both = try one("pentec-hp-axis-growth-hormone", ["Hypothalamus": AnalyticDVH.uniform(20, volumeCC: 4), "Pituitary": AnalyticDVH.uniform(25, volumeCC: 1)], age: 8)
        // (4·20 + 1·25) / 5 = 21 Gy: the 20 % point.
        #expect(abs(both.valueGy! - 21) < 1e-9 && both.estimate == 20 && both.organ == "Hypothalamus+Pituitary")
        let half = try one("pentec-hp-axis-growth-hormone", ["Hypothalamus": AnalyticDVH.uniform(24.9), "Pituitary": AnalyticDVH.uniform(24.9)], age: 8)
        #expect(half.estimate == 50)
        let missing = try one("pentec-hp-axis-growth-hormone", ["Hypothalamus": AnalyticDVH.uniform(20)], age: 8)
        #expect(missing.status == .notEvaluable && missing.note?.contains("Pituitary") == true)
        // The hypothalamus alone (Merchant): 16.1 Gy is the dose for 50 % at 5 years, an estimate, not a limit.
        #expect(try one("merchant-hypothalamus-growth-hormone", ["Hypothalamus": AnalyticDVH.uniform(16.1)]).estimate == 50)
    }

    @Test func leastAffectedOvaryDecides() throws {
        let e = try one("pentec-ovary-failure", ["Ovary_L": AnalyticDVH.uniform(30), "Ovary_R": AnalyticDVH.uniform(2)], chemo: ["none"])
        #expect(e.rois == ["Ovary_R"] && e.status == .range && e.estimateLow == 1 && e.estimateHigh == 5)
        let both = try one("pentec-ovary-failure", ["Ovary_L": AnalyticDVH.uniform(30), "Ovary_R": AnalyticDVH.uniform(26)], chemo: ["none"])
        #expect(both.rois == ["Ovary_R"] && both.estimateText == "at least 50 %")
    }

    @Test func breastBudDoseBinsGiveTheCohortsPrevalence() throws {
        for (dose, risk) in [(0.2, 38.0), (0.34, 61), (0.5, 61), (0.97, 97), (3, 97)] {
            let e = try one("pentec-breast-hypoplasia", ["Breast_L": AnalyticDVH.uniform(dose)], age: 2)
            #expect(e.status == .estimated && e.estimate == risk, "\(dose) Gy")
        }
    }

    @Test func heartHazardIsLogLinearPer10Gy() throws {
        #expect(abs(try one("pentec-heart-cardiac-disease", ["Heart": AnalyticDVH.uniform(10)]).estimate! - 1.88) < 1e-12)
        let e = try one("pentec-heart-cardiac-disease", ["Heart": AnalyticDVH.uniform(20)])
        #expect(abs(e.estimate! - 1.88 * 1.88) < 1e-12 && e.estimateUnit == "relative hazard")
    }

    @Test func wholeOrganModelsRefuseAPartialOrganDose() throws {
        let uniform = try one("pentec-liver-sos", ["Liver": AnalyticDVH.uniform(10)])
        #expect(uniform.estimate == 6.1)
        let partial = try one("pentec-liver-sos", ["Liver": AnalyticDVH.ramp(from: 0, to: 20)])
        #expect(partial.status == .outsideRange && partial.note?.contains("not uniform") == true)
        #expect(try one("pentec-kidney-toxicity", ["Kidney_L": AnalyticDVH.uniform(10.5)]).estimate == 4)
        #expect(try one("pentec-kidney-toxicity", ["Kidney_L": AnalyticDVH.uniform(11)]).estimateText == "4-8 %")
    }

    @Test func dosesAreConvertedToEQD2PerVoxel() throws {
        // EQD2 = D (D/n + α/β) / (2 + α/β): 30 Gy in 10 fractions at α/β 3 Gy is 36 Gy.
        #expect(abs(LateEffectEvaluator.eqd2(30, fractions: 10, alphaBetaGy: 3) - 36) < 1e-12)
        #expect(abs(LateEffectEvaluator.eqd2(54, fractions: 30, alphaBetaGy: 3) - 51.84) < 1e-12)
        let uniform = try one("pentec-thyroid-hypothyroidism", ["Thyroid": AnalyticDVH.uniform(30)], fractions: 10)
        #expect(abs(uniform.valueGy! - 36) < 1e-9 && uniform.doseBasis == "EQD2 (α/β 3 Gy, 10 fractions)")
        // A ramp 0-20 Gy in 10 fractions: mean D = 10, mean D² = 400/3, so mean EQD2 = (3·10 + 40/3) / 5.
        let ramp = try one("pentec-thyroid-hypothyroidism", ["Thyroid": AnalyticDVH.ramp(from: 0, to: 20)], fractions: 10)
        #expect(abs(ramp.valueGy! - (30 + 40.0 / 3) / 5) < 1e-6, "\(ramp.valueGy!)")
        // 2 Gy fractions leave the dose as it is: 20 Gy in 10 fractions is the 7 % point.
        #expect(try one("pentec-thyroid-hypothyroidism", ["Thyroid": AnalyticDVH.uniform(20)], fractions: 10).estimate == 7)
        let unknown = LateEffectEvaluator.evaluate([try model("pentec-thyroid-hypothyroidism")], provider: provider(["Thyroid": AnalyticDVH.uniform(20)]),
                                                   context: LateEffectContext(ageYears: 10, fractions: nil))
        #expect(unknown.first?.status == .notEvaluable && unknown.first?.note?.contains("number of fractions is unknown") == true)
    }

    @Test func organsNotContouredAreLeftOut() throws {
        let list = LateEffectEvaluator.evaluate(library.models, provider: provider(["Thyroid": AnalyticDVH.uniform(20)]),
                                                context: LateEffectContext(ageYears: 10, doseIsEQD2: true))
        #expect(Set(list.map(\.organ)) == ["Glnd_Thyroid"] && list.count == 3)
    }

    @Test func checkJSONAndReportCarryTheEstimatesBesideTheGrades() throws {
        let p = try ProtocolParser.parse(yaml: exampleYAML)
        let prov = provider(["Brain Stem": AnalyticDVH.uniform(50), "PTV": AnalyticDVH.uniform(54), "Thyroid": AnalyticDVH.uniform(20)])
        var context = EvaluationContext(prescriptionGy: 54, prescriptionSource: .protocol)
        context.ageYears = 10  // known, so the age-banded constraint is graded too
        context.ageSource = .commandLine
        let e = ProtocolEvaluator.evaluate(p, provider: prov, context: context)
        var report = QAReport(evaluation: e, caseSummary: CaseSummary(), generator: "Anchor test")
        report.lateEffects = LateEffectEvaluator.evaluate(library.models, provider: prov, context: LateEffectContext(ageYears: 10, doseIsEQD2: true))
        let json = report.json.serialized()
        let data = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        let late = try #require(data["late_effects"] as? [[String: Any]])
        let thyroid = try #require(late.first { ($0["model"] as? String)?.hasPrefix("pentec-thyroid-hypothyroidism ") == true })
        for key in ["organ", "endpoint", "metric", "value", "unit", "estimate", "model", "source", "note"] { #expect(thyroid.keys.contains(key), "\(key)") }
        #expect(thyroid["estimate"] as? Double == 7 && thyroid["value"] as? Double == 20 && thyroid["unit"] as? String == "Gy")
        #expect((thyroid["source"] as? String)?.contains("Milano MT") == true)
        // Never a grade: the results and the overall grade are the protocol's alone.
        #expect(e.results.count == 3 && !json.contains("\"grade\": \"estimated\""))
        let html = report.html
        #expect(html.contains("Late-effect estimates (not graded)") && html.contains("clinical (uncompensated) primary hypothyroidism"))
        #expect(report.text.contains("Estimated 7 % risk of clinical (uncompensated) primary hypothyroidism"))
    }

    @Test func malformedModelFilesNameTheLineAndField() throws {
        let text = try String(contentsOfFile: try #require(try model("pentec-thyroid-hypothyroidism").file), encoding: .utf8)
        let misspelt = text.replacingOccurrences(of: "interpolation:", with: "interpolaton:")
        let e = try #require(throws: QAError.self) { try LateEffectModelParser.parse(yaml: misspelt, file: "t.yaml") }
        #expect(e.field == "interpolaton" && e.line != nil && e.message.contains("unknown field"))
        let falling = text.replacingOccurrences(of: "risk_percent: 13", with: "risk_percent: 3")
        let f = try #require(throws: QAError.self) { try LateEffectModelParser.parse(yaml: falling, file: "t.yaml") }
        #expect(f.field == "points" && f.message.contains("rise with dose"))
        let agent = text + "chemotherapy:\n  - agent: aspirin\n    note: x\n"
        let a = try #require(throws: QAError.self) { try LateEffectModelParser.parse(yaml: agent, file: "t.yaml") }
        #expect(a.field == "agent")
    }
}

/// On a whole case: the plan's fractions make the dose EQD2, and a dose of several phases or plans is
/// not converted with one of them.
@Suite struct LateEffectCaseTests {
    @Test func planFractionsMakeEQD2AndSummedPhasesAreRefused() throws {
        let spec = try PhantomSpec(site: .posteriorFossa, ageYears: 8, variant: .cochleaOverdose, seed: 1, resolution: .coarse)
        let pc = PhantomGenerator.generate(spec)
        let members = try pc.files.map { Case.Member(file: $0.file, object: try RTObject(file: $0.file)) }
        var grading = try CaseGrading(Case(members: members))
        let empty = DVHMetricProvider(structureNames: [], dvhs: [:])
        let library = LateEffectLibrary(models: [try #require(LateEffectLibrary.bundled().find(id: "pentec-cochlea-hearing-loss"))])
        let ears = LateEffectEvaluator.evaluate(grading, provider: empty, ageYears: 8, chemotherapy: ["none"], library: library)
        #expect(ears.count == 2 && ears.allSatisfy { $0.status == .bound && $0.doseBasis == "EQD2 (α/β 3 Gy, 33 fractions)" })
        // Mean EQD2 below the physical mean dose at 1.8 Gy per fraction, above the 50 Gy point.
        #expect(ears.allSatisfy { ($0.valueGy ?? 0) > 50 && ($0.valueGy ?? 99) < 56.5 })

        var twoPhases = grading
        twoPhases.plan?.fractionGroups.append(try #require(grading.plan?.fractionGroups.first))
        let refused = LateEffectEvaluator.evaluate(twoPhases, provider: empty, ageYears: 8, chemotherapy: ["none"], library: library)
        #expect(refused.count == 2 && refused.allSatisfy { $0.status == .notEvaluable && $0.note?.contains("2 fraction groups") == true })

        grading.dose.summationType = "MULTI_PLAN"
        let summed = LateEffectEvaluator.evaluate(grading, provider: empty, ageYears: 8, chemotherapy: ["none"], library: library)
        #expect(summed.allSatisfy { $0.status == .notEvaluable && $0.note?.contains("MULTI_PLAN") == true })
    }
}

/// A model tabulated by sex and age uses the child's group and refuses a child no group covers.
@Suite struct LateEffectStrataTests {
    func estimate(dose: Double, age: Double?, sex: String?) throws -> LateEffectEstimate {
        let model = try #require(LateEffectLibrary.bundled().find(id: "pentec-thyroid-any-hypothyroidism"))
        var context = LateEffectContext(ageYears: age, doseIsEQD2: true)
        context.sex = sex
        let list = LateEffectEvaluator.evaluate([model], provider: provider(["Thyroid": AnalyticDVH.uniform(dose)]), context: context)
        return try #require(list.first)
    }

    @Test func thyroidRiskByTheChildsSexAndAge() throws {
        // The source's table: 20 Gy 22 % (girls under 14), 13 % (boys under 14), 29 % (girls over 15); 40 Gy 47 % (boys over 15).
        #expect(try estimate(dose: 20, age: 8, sex: "F").estimate == 22)
        #expect(try estimate(dose: 20, age: 8, sex: "M").estimate == 13)
        #expect(try estimate(dose: 20, age: 16, sex: "F").estimate == 29)
        #expect(try estimate(dose: 40, age: 17, sex: "M").estimate == 47)
        #expect(try estimate(dose: 10, age: 12, sex: "F").note?.contains("female, < 14 years") == true)
        let gap = try estimate(dose: 20, age: 14.5, sex: "F")
        #expect(gap.status == .outsideRange && gap.note?.contains("no group of the source covers this child") == true)
        let unknown = try estimate(dose: 20, age: 8, sex: nil)
        #expect(unknown.status == .outsideRange && unknown.note?.contains("sex is unknown") == true)
        #expect(try estimate(dose: 45, age: 8, sex: "M").estimateText == "at least 35 %")
    }

    @Test func patientSexComesFromTheFilesWhenTheyAgree() throws {
        let spec = try PhantomSpec(site: .mediastinum, ageYears: 14, variant: .acceptable, seed: 1, resolution: .coarse)
        let files = PhantomGenerator.generate(spec).files.map(\.file)
        #expect(LateEffectEvaluator.patientSex(files) == "F")
        #expect(LateEffectEvaluator.patientSex([]) == nil)
    }
}
