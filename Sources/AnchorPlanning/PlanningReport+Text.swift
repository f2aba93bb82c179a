import Foundation

extension PlanningReport {
    /// Readable tables: a summary row per country; with `detail`, each country's need, capacity,
    /// benchmarks, range and sensitivity table; with a scenario, baseline and scenario side by side;
    /// then every parameter with its range, status and source.
    public static func text(_ run: PlanningRun, detail: Bool) -> String {
        var out: [String] = []
        let bands = Set(run.selectedBaseline.flatMap(\.result.ageBands)).sorted().map(\.description).joined(separator: ", ")
        out.append("Paediatric radiotherapy: need against capacity (ages \(bands); low–high: bounds over the parameters' ranges)")
        out.append("")
        out += summary(run.selectedBaseline)
        out.append("")
        out.append("MV units are IAEA DIRAC counts for all ages unless countries.csv gives paediatric_mv_units: children share them with adults.")
        out.append("Staff in full-time equivalents for children's radiotherapy alone; staff counts are compared only where countries.csv gives them.")
        if detail {
            for a in run.selectedBaseline { out.append(""); out += countryDetail(a) }
        }
        if let s = run.scenario, let scen = run.selectedScenario {
            out.append("")
            out.append("Scenario \"\(s.name)\"\(s.description.isEmpty ? "" : ": \(s.description)")")
            for c in s.changes { out.append("  - \(c)") }
            for (b, sc) in zip(run.selectedBaseline, scen) { out.append(""); out += sideBySide(b, sc) }
        }
        out.append("")
        out.append("Parameters (value [range] unit; status; source)")
        for p in run.parameters(of: run.scenario?.data ?? run.data) {
            let range = p.hasRange ? " [\(Parameter.format(p.low))–\(Parameter.format(p.high))]" : ""
            out.append("  \(p.name) = \(Parameter.format(p.value))\(range) \(p.unit); \(p.status.rawValue); \(p.source)")
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func summary(_ analyses: [CountryAnalysis]) -> [String] {
        var rows: [[String]] = [["country", "children", "cases/yr", "courses", "fractions", "GA/day", "linac-eq need (low–high)", "MV units",
                                 "pop/MV unit", "RO", "MP", "RTT", "GA teams"]]
        for a in analyses {
            let r = a.result
            rows.append([
                "\(r.iso3) \(r.name)", grouped(r.children0to14), grouped(r.casesPerYear), grouped(r.rtCourses), grouped(r.fractions),
                fixed(r.gaSessionsPerDay, 1),
                "\(fixed(r.linacEquivalentsNeeded, 2)) (\(fixed(a.low["linac_equivalents_needed"], 2))–\(fixed(a.high["linac_equivalents_needed"], 2)))",
                grouped(r.mvUnits), compact(r.populationPerMVUnit),
                fixed(r.staff.radiationOncologists, 1), fixed(r.staff.physicists, 1), fixed(r.staff.rtts, 1), grouped(r.staff.anaesthesiaTeams),
            ])
        }
        return table(rows, leftColumns: 1)
    }

    static func countryDetail(_ a: CountryAnalysis) -> [String] {
        let r = a.result
        var out = ["\(r.iso3) \(r.name): population \(grouped(r.population)), children aged 0-14 \(grouped(r.children0to14)), diagnosis completeness \(fixed(r.diagnosisCompleteness, 2))"]
        var rows: [[String]] = [["need", "value", "low", "high"]]
        for m in PlanningMetric.all where !m.key.hasPrefix("linacs_") {
            guard let v = m.value(r) else { continue }
            rows.append([m.label, fixed(v, digits(v)), fixed(a.low[m.key], digits(v)), fixed(a.high[m.key], digits(v))])
        }
        out += table(rows, leftColumns: 1).map { "  " + $0 }
        out.append("")
        var gaps: [[String]] = [["resource", "need", "have", "gap", "coverage"]]
        let basis = r.linacCapacityIsAllAges ? " (all MV units, all ages)" : " (paediatric MV units)"
        gaps.append(["linac-equivalents" + basis, fixed(r.linacs.need, 2), fixed(r.linacs.capacity, 0), signed(r.linacs.gap, 2), percent(r.linacs.coverage)])
        for role in StaffRole.allCases {
            let g = r.staffGaps[role]!
            gaps.append([role.label, fixed(g.need, role == .anaesthesiaTeams ? 0 : 2), fixed(g.capacity, 1), signed(g.gap, 2), percent(g.coverage)])
        }
        out += table(gaps, leftColumns: 1).map { "  " + $0 }
        if let share = r.shareOfLinacCapacityNeeded {
            out.append("  Children alone need \(percent(share)) of the country's linac capacity (\(fixed(r.linacEquivalentsNeeded, 2)) of \(grouped(r.linacs.capacity ?? 0)) units); the adult course norm gives \(fixed(r.linacEquivalentsByCourseNorm, 2)).")
        }
        out.append("  Physicists: \(fixed(r.staff.physicistsByPatients, 2)) by the patient norm, \(fixed(r.staff.physicistsByLinacTime, 2)) by one per linac-equivalent; the larger is needed.")
        out.append("  Population per MV unit: \(compact(r.populationPerMVUnit)) (all ages)")
        for b in r.benchmarks {
            out.append("    1 per \(compact(b.populationPerUnit)) (\(b.label)): \(fixed(b.unitsNeeded, 1)) units needed, \(grouped(b.units)) present, gap \(signed(b.gap, 1)), coverage \(percent(b.coverage))")
        }
        if !a.sensitivity.isEmpty {
            out.append("  Sensitivity of linac-equivalents needed, one parameter at a time (largest swing first):")
            var rows: [[String]] = [["parameter", "status", "range", "at low", "at high", "swing"]]
            for s in a.sensitivity {
                rows.append([s.parameter.name, s.parameter.status.rawValue, "\(Parameter.format(s.parameter.low))–\(Parameter.format(s.parameter.high))",
                             fixed(s.atLow, 3), fixed(s.atHigh, 3), fixed(s.swing, 3)])
            }
            out += table(rows, leftColumns: 3).map { "    " + $0 }
        }
        return out
    }

    static func sideBySide(_ b: CountryAnalysis, _ s: CountryAnalysis) -> [String] {
        var rows: [[String]] = [["\(b.result.iso3) \(b.result.name)", "baseline", "scenario", "change", "scenario low–high"]]
        func add(_ label: String, _ x: Double?, _ y: Double?, _ d: Int, key: String? = nil) {
            let change: String = { guard let x, let y else { return "–" }; return signed(y - x, d) }()
            let range = key.map { "\(fixed(s.low[$0], d))–\(fixed(s.high[$0], d))" } ?? ""
            rows.append([label, fixed(x, d), fixed(y, d), change, range])
        }
        let r = b.result, q = s.result
        add("cases diagnosed", r.casesDiagnosed, q.casesDiagnosed, 0, key: "cases_diagnosed")
        add("courses treated here", r.rtCourses, q.rtCourses, 0, key: "rt_courses")
        if q.coursesReferredOut > 0 { add("  courses referred abroad", r.coursesReferredOut, q.coursesReferredOut, 0) }
        if q.coursesReferredIn > 0 { add("  courses received", r.coursesReferredIn, q.coursesReferredIn, 0) }
        add("fractions", r.fractions, q.fractions, 0, key: "fractions")
        add("GA sessions a day", r.gaSessionsPerDay, q.gaSessionsPerDay, 2, key: "ga_sessions_per_day")
        add("linac hours", r.linacHours, q.linacHours, 0, key: "linac_hours")
        add("linac-equivalents needed", r.linacEquivalentsNeeded, q.linacEquivalentsNeeded, 2, key: "linac_equivalents_needed")
        add("MV units", r.mvUnits, q.mvUnits, 0)
        add("linac gap", r.linacs.gap, q.linacs.gap, 2, key: "linacs_gap")
        add("population per MV unit", r.populationPerMVUnit, q.populationPerMVUnit, 0)
        for role in StaffRole.allCases {
            add("\(role.label) needed", r.staff.value(role), q.staff.value(role), role == .anaesthesiaTeams ? 0 : 2, key: role.rawValue)
            if r.staffGaps[role]?.capacity != nil || q.staffGaps[role]?.capacity != nil {
                add("\(role.label) gap", r.staffGaps[role]?.gap, q.staffGaps[role]?.gap, 2)
            }
        }
        return table(rows, leftColumns: 1)
    }

    // MARK: Formatting

    static func table(_ rows: [[String]], leftColumns: Int) -> [String] {
        guard let first = rows.first else { return [] }
        var widths = Array(repeating: 0, count: first.count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        return rows.map { r in
            r.enumerated().map { i, c in
                let pad = String(repeating: " ", count: widths[i] - c.count)
                return i < leftColumns ? c + pad : pad + c
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
    }

    static func digits(_ v: Double) -> Int { abs(v) >= 100 ? 0 : abs(v) >= 10 ? 1 : 2 }

    static func fixed(_ v: Double?, _ d: Int) -> String {
        guard let v, v.isFinite else { return "–" }
        if d == 0 { return grouped(v) }
        return String(format: "%.\(d)f", v)
    }

    static func signed(_ v: Double?, _ d: Int) -> String {
        guard let v, v.isFinite else { return "–" }
        let s = fixed(abs(v), d)
        return (v < 0 && s.contains(where: { $0 != "0" && $0 != "." && $0 != "," }) ? "−" : (v > 0 ? "+" : "")) + s
    }

    static func percent(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "–" }
        return v < 0.1 ? String(format: "%.1f%%", v * 100) : String(format: "%.0f%%", v * 100)
    }

    /// 3,908,055
    static func grouped(_ v: Double) -> String {
        let n = Int(v.rounded())
        let digits = String(abs(n))
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out += "," }
            out.append(ch)
        }
        return (n < 0 ? "−" : "") + out
    }

    /// 5.30 M, 292k.
    static func compact(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "–" }
        if v >= 1e6 { return String(format: "%.2f M", v / 1e6) }
        if v >= 1e4 { return String(format: "%.0fk", v / 1e3) }
        return grouped(v)
    }
}
