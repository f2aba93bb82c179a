@testable import AnchorPlanning
import Foundation
import Testing

@Suite struct UncertaintyTests {
    @Test func rangesContainTheBaselineForEveryCountryAndOutput() throws {
        let analyses = try PlanningAnalysis.run(try PlanningData.bundled())
        #expect(analyses.count == 13)
        for a in analyses {
            for m in PlanningMetric.all {
                guard let v = m.value(a.result) else { continue }
                let lo = try #require(a.low[m.key]), hi = try #require(a.high[m.key])
                #expect(lo <= v + 1e-12 && v <= hi + 1e-12, "\(a.result.iso3) \(m.key): \(lo) \(v) \(hi)")
            }
            // Need moves with the ranges: the bounds are not the baseline itself.
            #expect(a.low["linac_equivalents_needed"]! < a.result.linacEquivalentsNeeded)
            #expect(a.high["linac_equivalents_needed"]! > a.result.linacEquivalentsNeeded)
        }
    }

    @Test func rangesContainTheScenarioToo() throws {
        let run = try PlanningRun(data: try PlanningData.bundled(), scenario: try scenario("""
            {"referrals": [{"from": "KGZ", "to": "KAZ", "share": 0.4}, {"from": "TJK", "to": "UZB", "share": 0.2}],
             "countries": {"TJK": {"staff": {"physicists": 1}}}, "ga_share": 0.2}
            """))
        for a in try #require(run.scenario?.analyses) {
            for m in PlanningMetric.all {
                guard let v = m.value(a.result) else { continue }
                #expect(a.low[m.key]! <= v + 1e-12 && v <= a.high[m.key]! + 1e-12, "\(a.result.iso3) \(m.key)")
            }
        }
        // A value the scenario fixed has no range, so it is not in the sensitivity table.
        let tjk = try #require(run.scenario?.analyses.first { $0.result.iso3 == "TJK" })
        #expect(!tjk.sensitivity.contains { $0.parameter.name == "ga_share[0-14]" })
        #expect(tjk.sensitivity.contains { $0.parameter.name == "fractions_per_course[all]" })
    }

    /// The corners bound the model over the whole box: no random draw of the parameters within their
    /// ranges falls outside them, and the bounds are reached (they are the model at a corner).
    @Test func boundsHoldForRandomDrawsWithinTheRanges() throws {
        let data = try PlanningData.bundled()
        let analyses = try PlanningAnalysis.run(data)
        var rng = SystemRandomNumberGenerator()
        let varied = data.parameters.filter(\.hasRange)
        for _ in 0..<200 {
            var values = data.values
            for p in varied { values[p.name] = Double.random(in: p.low...p.high, using: &rng) }
            let results = try PlanningModel.evaluate(data, values: values)
            for (a, r) in zip(analyses, results) {
                for m in PlanningMetric.all {
                    guard let v = m.value(r) else { continue }
                    #expect(a.low[m.key]! <= v + 1e-9 && v <= a.high[m.key]! + 1e-9, "\(r.iso3) \(m.key)")
                }
            }
        }
        // The high bound of the need is the model with every need-raising parameter at its top.
        var top = data.values
        for p in varied { top[p.name] = p.name == "hours_per_day" || p.name == "days_per_year" || p.name == "usable_share" ? p.low : p.high }
        let tjk = try PlanningModel.evaluate(data, values: top).first { $0.iso3 == "TJK" }!
        #expect(abs(tjk.linacEquivalentsNeeded - analyses.first { $0.result.iso3 == "TJK" }!.high["linac_equivalents_needed"]!) < 1e-12)
    }

    @Test func sensitivityTableIsOneAtATimeAndSortedBySwing() throws {
        let data = try PlanningData.bundled()
        let a = try #require(try PlanningAnalysis.run(data).first { $0.result.iso3 == "TJK" })
        #expect(a.sensitivity.count >= 10)
        for (x, y) in zip(a.sensitivity, a.sensitivity.dropFirst()) { #expect(x.swing >= y.swing) }
        // Each row is the model with that parameter alone moved.
        for row in a.sensitivity {
            var v = data.values
            v[row.parameter.name] = row.parameter.high
            let moved = try PlanningModel.evaluate(data, values: v).first { $0.iso3 == "TJK" }!
            #expect(moved.linacEquivalentsNeeded == row.atHigh)
        }
        // Fractions per course (15-30 around 20) moves linac time in proportion: 0.75 and 1.5 times.
        let f = try #require(a.sensitivity.first { $0.parameter.name == "fractions_per_course[all]" })
        #expect(abs(f.atLow - 0.75 * a.result.linacEquivalentsNeeded) < 1e-12)
        #expect(abs(f.atHigh - 1.5 * a.result.linacEquivalentsNeeded) < 1e-12)
        // A parameter that does not bear on the linac need (a staffing norm) is not in the table.
        #expect(!a.sensitivity.contains { $0.parameter.name == "patients_per_ro" })
    }
}
