@testable import AnchorPlanning
import Foundation
import Testing

@Suite struct ScenarioTests {
    /// Doubling a country's MV units halves its population per unit and the distance to every
    /// population benchmark's ratio, moves the linac gap by exactly the units added, and changes no need.
    @Test func doublingLinacsHalvesPopulationPerUnitAndMovesTheGapByTheUnitsAdded() throws {
        let data = try PlanningData.bundled()
        let run = try PlanningRun(data: data, countries: ["UZB", "KGZ"],
                                  scenario: try scenario(#"{"countries": {"UZB": {"add_linacs": 20}, "KGZ": {"mv_units": 2}}}"#))
        for (b, s) in zip(run.selectedBaseline.map(\.result), try #require(run.selectedScenario).map(\.result)) {
            #expect(s.mvUnits == 2 * b.mvUnits)
            #expect(abs(s.populationPerMVUnit! - b.populationPerMVUnit! / 2) < 1e-6)
            #expect(abs(s.linacs.gap! - (b.linacs.gap! + b.mvUnits)) < 1e-12)
            for (bb, sb) in zip(b.benchmarks, s.benchmarks) {
                #expect(abs(sb.coverage - 2 * bb.coverage) < 1e-12) // both far below the benchmarks
                // The shortfall against a benchmark shrinks by the units added.
                #expect(abs(sb.gap - bb.gap - b.mvUnits) < 1e-9)
            }
            #expect(s.linacEquivalentsNeeded == b.linacEquivalentsNeeded)
            #expect(s.staff == b.staff)
            #expect(s.rtCourses == b.rtCourses)
        }
    }

    /// With paediatric MV units in the data and a shortfall, doubling them halves the shortfall when
    /// the need is three times the capacity (gap −2C becomes −C) and doubles the coverage.
    @Test func doublingPaediatricUnitsHalvesAShortfallOfTwiceTheCapacity() throws {
        let folder = try DataFolder()
        defer { folder.remove() }
        // Türkiye needs about 8 linac-equivalents for children; give it a third of that as paediatric units.
        let need = try #require(try PlanningModel.evaluate(try PlanningData.load(directory: folder.path)).first { $0.iso3 == "TUR" }).linacEquivalentsNeeded
        let capacity = need / 3
        let text = try folder.read("countries.csv")
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let i = try #require(lines.firstIndex { $0.hasPrefix("TUR,") })
        let table = try CSVTable.parse(text: text, file: "countries.csv")
        var fields = try #require(table.rows.first { $0[0].text == "TUR" }).map(\.text)
        let col = { (name: String) in table.header.firstIndex(of: name)! }
        fields[col("paediatric_mv_units")] = String(capacity)
        fields[col("capacity_status")] = "ASSUMPTION"
        fields[col("capacity_source")] = "test: a third of the need"
        lines[i] = CSVWriter.line(fields)
        try folder.write("countries.csv", lines.joined(separator: "\n"))
        let run = try PlanningRun(data: try PlanningData.load(directory: folder.path), countries: ["TUR"],
                                  scenario: try scenario(#"{"countries": {"TUR": {"add_linacs": \#(capacity)}}}"#))
        let b = try #require(run.selectedBaseline.first?.result), s = try #require(run.selectedScenario?.first?.result)
        #expect(!b.linacCapacityIsAllAges)
        #expect(abs(b.linacs.gap! - (-2 * capacity)) < 1e-9)
        #expect(abs(s.linacs.gap! - b.linacs.gap! / 2) < 1e-9)
        #expect(abs(s.linacs.coverage! - 2 * b.linacs.coverage!) < 1e-12)
        #expect(abs(b.linacs.coverage! - 1.0 / 3) < 1e-12)
    }

    @Test func referralMovesCoursesAndConservesThem() throws {
        let data = try PlanningData.bundled()
        let run = try PlanningRun(data: data, countries: ["KGZ", "KAZ"],
                                  scenario: try scenario(#"{"referrals": [{"from": "KGZ", "to": "KAZ", "share": 0.3}]}"#))
        let b = run.selectedBaseline.map(\.result), s = try #require(run.selectedScenario).map(\.result)
        #expect(abs(s[0].rtCourses - 0.7 * b[0].rtCourses) < 1e-9)
        #expect(abs(s[1].rtCourses - (b[1].rtCourses + 0.3 * b[0].rtCourses)) < 1e-9)
        #expect(abs(s[0].coursesReferredOut - 0.3 * b[0].rtCourses) < 1e-9)
        #expect(abs(s[1].coursesReferredIn - 0.3 * b[0].rtCourses) < 1e-9)
        #expect(abs((s[0].fractions + s[1].fractions) - (b[0].fractions + b[1].fractions)) < 1e-6)
        #expect(abs((s[0].gaFractions + s[1].gaFractions) - (b[0].gaFractions + b[1].gaFractions)) < 1e-6)
        // Cases stay where the children live.
        #expect(s[0].casesPerYear == b[0].casesPerYear)
        // Both countries' facts are listed, since the referred courses carry them.
        let names = run.parameters(of: run.scenario!.data).map(\.name)
        #expect(names.contains("population[KGZ]") && names.contains("population[KAZ]"))
    }

    @Test func hypofractionationAndAnaesthesiaShareScaleFractionsAndTime() throws {
        let run = try PlanningRun(data: try PlanningData.bundled(), countries: ["TJK"],
                                  scenario: try scenario(#"{"name": "hypo", "fractions_per_course": 15, "ga_share": {"0-14": 0.10}, "parameters": {"hours_per_day": 10}}"#))
        let b = try #require(run.selectedBaseline.first?.result), s = try #require(run.selectedScenario?.first?.result)
        #expect(abs(s.fractions - b.fractions * 15 / 20) < 1e-9)
        #expect(abs(s.gaFractions - s.fractions * 0.10) < 1e-9)
        let t = ((s.fractions - s.gaFractions) * 20 + s.gaFractions * 45) / 60
        #expect(abs(s.linacHours - t) < 1e-9)
        #expect(abs(s.linacEquivalentsNeeded - t / (10 * 250 * 0.85)) < 1e-12)
        // A value the scenario sets is an ASSUMPTION naming the scenario, with no range.
        let p = try #require(run.scenario?.data.parameter("fractions_per_course[all]"))
        #expect(p.status == .assumption && !p.hasRange && p.source.contains("hypo") && p.source.contains("default 20"))
        #expect(run.scenario!.changes.contains("fractions_per_course[all]: 20 → 15"))
    }

    @Test func aCountrysOwnValueWinsOverTheGeneralOne() throws {
        let run = try PlanningRun(data: try PlanningData.bundled(), countries: ["TJK", "KGZ"],
                                  scenario: try scenario(#"{"countries": {"TJK": {"diagnosis_completeness": 0.6}}, "diagnosis_completeness": 0.5}"#))
        let s = try #require(run.selectedScenario).map(\.result)
        #expect(s[0].diagnosisCompleteness == 0.6)
        #expect(s[1].diagnosisCompleteness == 0.5)
    }

    @Test func staffCanBeSetAndThenAddedTo() throws {
        let run = try PlanningRun(data: try PlanningData.bundled(), countries: ["ARM"],
                                  scenario: try scenario(#"{"countries": {"ARM": {"staff": {"radiation_oncologists": 1.5, "rtts": 0}}}}"#))
        let s = try #require(run.selectedScenario?.first?.result)
        #expect(s.staffGaps[.radiationOncologists]?.capacity == 1.5)
        #expect(abs(s.staffGaps[.radiationOncologists]!.gap! - (1.5 - s.staff.radiationOncologists)) < 1e-12)
        #expect(s.staffGaps[.rtts]?.coverage == 0)
        #expect(s.staffGaps[.physicists]?.capacity == nil)
        // Adding to a count the data do not have is refused, not taken from zero.
        #expect(throws: PlanningError.self) {
            _ = try PlanningRun(data: try PlanningData.bundled(), scenario: try scenario(#"{"countries": {"ARM": {"add_staff": {"physicists": 1}}}}"#))
        }
    }

    @Test func badScenariosNameTheKey() throws {
        let data = try PlanningData.bundled()
        let cases: [(String, String)] = [
            (#"{"fractions": 15}"#, "fractions"),
            (#"{"countries": {"XYZ": {"add_linacs": 1}}}"#, "countries.XYZ"),
            (#"{"countries": {"TJK": {"add_linac": 1}}}"#, "countries.TJK.add_linac"),
            (#"{"countries": {"TJK": {"add_linacs": -3}}}"#, "countries.TJK.add_linacs"),
            (#"{"referrals": [{"from": "KGZ", "to": "KAZ", "share": 1.5}]}"#, "referrals[0].share"),
            (#"{"referrals": [{"from": "KGZ", "to": "KGZ", "share": 0.5}]}"#, "referrals[0]"),
            (#"{"ga_share": {"0-4": 0.2}}"#, "ga_share.0-4"),
            (#"{"diagnosis_completeness": 0}"#, "diagnosis_completeness"),
            (#"{"parameters": {"hours_per_day": 30}}"#, "parameters.hours_per_day"),
            (#"{"parameters": {"no_such": 1}}"#, "parameters.no_such"),
            (#"{"parameters": {"ga_share[0-14]": 1.5}}"#, "parameters.ga_share[0-14]"),
            (#"{"parameters": {"population[TJK]": 0}}"#, "parameters.population[TJK]"),
        ]
        for (json, key) in cases {
            do {
                _ = try PlanningRun(data: data, scenario: try scenario(json))
                Issue.record("\(json) was accepted")
            } catch let e as PlanningError {
                #expect(e.code == .invalidScenario)
                #expect(e.fieldName == key, "\(json): \(e)")
                #expect(e.file == "test.json")
            }
        }
        // Referrals from one country adding up to more than all its courses.
        #expect(throws: PlanningError.self) {
            _ = try PlanningRun(data: data, scenario: try scenario(#"{"referrals": [{"from": "KGZ", "to": "KAZ", "share": 0.6}, {"from": "KGZ", "to": "UZB", "share": 0.6}]}"#))
        }
        #expect(throws: PlanningError.self) { _ = try scenario("{not json") }
        #expect(throws: PlanningError.self) { _ = try scenario(#"{"referrals": [{"from": "KGZ", "to": "KAZ", "share": true}]}"#) }
    }
}
