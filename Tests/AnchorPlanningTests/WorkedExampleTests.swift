@testable import AnchorPlanning
import Foundation
import Testing

/// The model's worked example: Tajikistan, ages 0-14, all groups pooled (population 10.59 M × 36.9%,
/// 140 per million, u = 1/3, 20 fractions, 14.6% of fractions under GA, 20/45 min, 8 h × 250 d × 0.85,
/// 6 GA sessions per anaesthesia team-day). Each figure is checked to the precision the example states.
@Suite struct WorkedExampleTests {
    /// `x` rounds to `stated` at the given step (the example's "about 547" is a step of 1, "about
    /// 3,650" a step of 10, "about 0.8" a step of 0.1).
    func rounds(_ x: Double, to stated: Double, step: Double) -> Bool {
        abs((x / step).rounded() * step - stated) < step / 1000
    }

    @Test func tajikistanWithEveryCaseDiagnosed() throws {
        let data = try PlanningData.bundled()
        let tjk = try #require(try PlanningModel.evaluate(data).first { $0.iso3 == "TJK" })
        #expect(rounds(tjk.children0to14, to: 3.91e6, step: 0.01e6))
        #expect(rounds(tjk.casesPerYear, to: 547, step: 1))
        #expect(tjk.casesDiagnosed == tjk.casesPerYear)
        #expect(rounds(tjk.rtCourses, to: 182, step: 1))
        #expect(rounds(tjk.fractions, to: 3650, step: 10))
        #expect(rounds(tjk.gaFractions, to: 530, step: 10))
        #expect(rounds(tjk.gaSessionsPerDay, to: 2.1, step: 0.1))
        #expect(rounds(tjk.linacHours, to: 1440, step: 10))
        #expect(rounds(tjk.linacEquivalentsNeeded, to: 0.8, step: 0.1))
        #expect(rounds(tjk.staff.radiationOncologists, to: 0.7, step: 0.1))
        #expect(rounds(tjk.staff.physicistsByPatients, to: 0.4, step: 0.1))
        #expect(rounds(tjk.staff.rtts, to: 1.7, step: 0.1))
        #expect(tjk.staff.anaesthesiaTeams == 1)
        #expect(tjk.mvUnits == 2)
        #expect(rounds(tjk.populationPerMVUnit!, to: 5.3e6, step: 0.1e6))
    }
}

extension WorkedExampleTests {
    /// The example's second column: 49% undiagnosed (Ward 2019's south-Asia value), as a scenario.
    @Test func tajikistanWithFortyNinePercentUndiagnosed() throws {
        let run = try PlanningRun(data: try PlanningData.bundled(), countries: ["TJK"],
                                  scenario: try scenario(#"{"name": "Ward south Asia", "diagnosis_completeness": {"TJK": 0.51}}"#))
        let tjk = try #require(run.selectedScenario?.first?.result)
        #expect(rounds(tjk.casesDiagnosed, to: 279, step: 1))
        #expect(rounds(tjk.rtCourses, to: 93, step: 1))
        #expect(rounds(tjk.fractions, to: 1860, step: 10))
        #expect(rounds(tjk.gaFractions, to: 270, step: 10))
        #expect(rounds(tjk.gaSessionsPerDay, to: 1.1, step: 0.1))
        #expect(rounds(tjk.linacEquivalentsNeeded, to: 0.4, step: 0.1))
        // True need is unchanged: only the diagnosed share moves.
        #expect(rounds(tjk.casesPerYear, to: 547, step: 1))
        // The baseline beside it is the first column.
        #expect(rounds(try #require(run.selectedBaseline.first).result.linacEquivalentsNeeded, to: 0.8, step: 0.1))
    }

    /// Equation 6 takes the larger of the patient norm and one physicist per linac-equivalent; the
    /// example's "0.4 physicist" is the patient norm alone, and both are reported.
    @Test func physiciansFollowEquationSixAndReportBothTerms() throws {
        let tjk = try #require(try PlanningModel.evaluate(try PlanningData.bundled()).first { $0.iso3 == "TJK" })
        #expect(abs(tjk.staff.physicistsByPatients - tjk.rtCourses / 450) < 1e-12)
        #expect(tjk.staff.physicistsByLinacTime == tjk.linacEquivalentsNeeded)
        #expect(tjk.staff.physicists == max(tjk.staff.physicistsByPatients, tjk.linacEquivalentsNeeded))
        #expect(rounds(tjk.staff.physicists, to: 0.8, step: 0.1))
    }

    /// The equations by hand for every country of the shipped data.
    @Test func everyCountryFollowsTheEquations() throws {
        let data = try PlanningData.bundled()
        for r in try PlanningModel.evaluate(data) {
            let share = try #require(data.value("population_share[\(r.iso3),0-14]"))
            let pop = try #require(data.value("population[\(r.iso3)]"))
            let n = pop * share * 140 / 1e6
            let c = n * 0.333333
            let fx = c * 20, ga = fx * 0.146
            let t = ((fx - ga) * 20 + ga * 45) / 60
            let l = t / (8 * 250 * 0.85)
            #expect(abs(r.casesPerYear - n) < 1e-9 * n)
            #expect(abs(r.rtCourses - c) < 1e-9 * c)
            #expect(abs(r.linacHours - t) < 1e-9 * t)
            #expect(abs(r.linacEquivalentsNeeded - l) < 1e-9 * l)
            #expect(abs(r.staff.radiationOncologists - c / 250) < 1e-9 * c)
            #expect(abs(r.staff.rtts - 2 * l) < 1e-9 * l)
            #expect(r.staff.anaesthesiaTeams == (ga / 250 / 6).rounded(.up))
            #expect(r.linacs.capacity == data.value("mv_units[\(r.iso3)]"))
            #expect(abs(r.populationPerMVUnit! - pop / r.mvUnits) < 1e-6)
        }
    }
}
