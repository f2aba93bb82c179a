import Foundation

/// The renderings of a `PlanningRun`: JSON (the documented keys), CSV (one row per country and case),
/// and text tables for the terminal.
public enum PlanningReport {
    // MARK: JSON

    /// `{"countries": [...], "parameters": [...]}`, plus `"scenario": {...}` with a scenario.
    public static func json(_ run: PlanningRun) -> PlanningJSON {
        var top: [(String, PlanningJSON)] = [
            ("countries", .array(run.selectedBaseline.map(country))),
            ("parameters", .array(run.parameters(of: run.data).map(parameter))),
        ]
        if let s = run.scenario {
            top.append(("scenario", .object([
                ("name", .string(s.name)),
                ("description", .string(s.description)),
                ("changes", .array(s.changes.map { .string($0) })),
                ("referrals", .array(s.referrals.map { r in
                    let from = s.analyses.first { $0.result.iso3 == r.from }?.result
                    return .object([("from", .string(r.from)), ("to", .string(r.to)), ("share", .number(r.share)),
                                    ("rt_courses", .from(from.map { $0.ownCourses * r.share }))])
                })),
                ("countries", .array((run.selectedScenario ?? []).map(country))),
                ("parameters", .array(run.parameters(of: s.data).map(parameter))),
            ])))
        }
        return .object(top)
    }

    static func parameter(_ p: Parameter) -> PlanningJSON {
        .object([
            ("name", .string(p.name)), ("value", .number(p.value)), ("source", .string(p.source)), ("status", .string(p.status.rawValue)),
            ("symbol", .string(p.symbol)), ("label", .string(p.label)), ("unit", .string(p.unit)),
            ("low", .number(p.low)), ("high", .number(p.high)),
        ])
    }

    static func gap(_ g: ResourceGap) -> PlanningJSON {
        .object([("need", .number(g.need)), ("capacity", .from(g.capacity)), ("gap", .from(g.gap)), ("coverage", .from(g.coverage))])
    }

    static func country(_ a: CountryAnalysis) -> PlanningJSON {
        let r = a.result
        var staff: [(String, PlanningJSON)] = StaffRole.allCases.map { ($0.rawValue, .number(r.staff.value($0))) }
        staff.append(("physicists_by_patients", .number(r.staff.physicistsByPatients)))
        staff.append(("physicists_by_linac_time", .number(r.staff.physicistsByLinacTime)))
        staff.append(("available", .object(StaffRole.allCases.map { ($0.rawValue, .from(r.staffGaps[$0]?.capacity)) })))
        var linacs: [(String, PlanningJSON)]
        if case .object(let o) = gap(r.linacs) { linacs = o } else { linacs = [] }
        linacs += [
            ("capacity_basis", .string(r.linacCapacityIsAllAges ? "mv_units" : "paediatric_mv_units")),
            ("share_of_capacity_needed", .from(r.shareOfLinacCapacityNeeded)),
            ("by_course_norm", .number(r.linacEquivalentsByCourseNorm)),
        ]
        var gaps: [(String, PlanningJSON)] = [("linacs", .object(linacs))]
        for role in StaffRole.allCases { gaps.append((role.rawValue, gap(r.staffGaps[role]!))) }
        gaps.append(("population_benchmarks", .array(r.benchmarks.map { b in
            .object([("parameter", .string(b.parameter)), ("population_per_mv_unit", .number(b.populationPerUnit)),
                     ("mv_units_needed", .number(b.unitsNeeded)), ("mv_units", .number(b.units)),
                     ("gap", .number(b.gap)), ("coverage", .number(b.coverage))])
        })))
        let metricKeys = PlanningMetric.all.map(\.key)
        let range: PlanningJSON = .object([
            ("low", .object(metricKeys.compactMap { k in a.low[k].map { (k, .number($0)) } })),
            ("high", .object(metricKeys.compactMap { k in a.high[k].map { (k, .number($0)) } })),
            ("sensitivity", .object([
                ("metric", .string(PlanningMetric.sensitivityKey)),
                ("rows", .array(a.sensitivity.map { s in
                    .object([("parameter", .string(s.parameter.name)), ("status", .string(s.parameter.status.rawValue)),
                             ("low", .number(s.parameter.low)), ("high", .number(s.parameter.high)),
                             ("at_low", .number(s.atLow)), ("at_high", .number(s.atHigh)), ("swing", .number(s.swing))])
                })),
            ])),
        ])
        return .object([
            ("iso3", .string(r.iso3)), ("name", .string(r.name)),
            ("children_0_14", .number(r.children0to14)),
            ("cases_per_year", .number(r.casesPerYear)), ("cases_diagnosed", .number(r.casesDiagnosed)),
            ("rt_courses", .number(r.rtCourses)), ("fractions", .number(r.fractions)), ("ga_fractions", .number(r.gaFractions)),
            ("ga_sessions_per_day", .number(r.gaSessionsPerDay)), ("linac_hours", .number(r.linacHours)),
            ("linac_equivalents_needed", .number(r.linacEquivalentsNeeded)),
            ("mv_units", .number(r.mvUnits)), ("population_per_mv_unit", .from(r.populationPerMVUnit)),
            ("staff", .object(staff)), ("gaps", .object(gaps)), ("range", range),
        ])
    }

    // MARK: CSV

    /// One row per country (and per case, baseline then scenario): every output with its low and high.
    public static func csv(_ run: PlanningRun) -> String {
        var header = ["case", "iso3", "name", "population", "children_0_14"]
        for m in PlanningMetric.all { header += [m.key, "\(m.key)_low", "\(m.key)_high"] }
        header += ["mv_units", "paediatric_mv_units", "population_per_mv_unit", "mv_units_needed_iaea", "linac_capacity_basis"]
        header += StaffRole.allCases.map { "\($0.rawValue)_available" }
        var lines = [CSVWriter.line(header)]
        func rows(_ label: String, _ analyses: [CountryAnalysis]) {
            for a in analyses {
                let r = a.result
                var f = [label, r.iso3, r.name, num(r.population), num(r.children0to14)]
                for m in PlanningMetric.all { f += [num(m.value(r)), num(a.low[m.key]), num(a.high[m.key])] }
                f += [num(r.mvUnits), num(r.paediatricMVUnits), num(r.populationPerMVUnit), num(r.benchmarks.first?.unitsNeeded),
                      r.linacCapacityIsAllAges ? "mv_units" : "paediatric_mv_units"]
                f += StaffRole.allCases.map { num(r.staffGaps[$0]?.capacity) }
                lines.append(CSVWriter.line(f))
            }
        }
        rows("baseline", run.selectedBaseline)
        if let s = run.selectedScenario { rows("scenario", s) }
        return lines.joined(separator: "\n") + "\n"
    }

    static func num(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "" }
        return Parameter.format(v)
    }
}
