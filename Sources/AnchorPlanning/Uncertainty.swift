import Foundation

/// An output of the model that the uncertainty analysis bounds.
public struct PlanningMetric: Sendable {
    /// The JSON key (`linac_equivalents_needed`, `radiation_oncologists`, `linacs_gap`).
    public var key: String
    public var label: String
    public var value: @Sendable (CountryResult) -> Double?

    /// The outputs bounded by `range.low` and `range.high`, in output order.
    public static let all: [PlanningMetric] = [
        .init(key: "cases_per_year", label: "cases a year") { $0.casesPerYear },
        .init(key: "cases_diagnosed", label: "cases diagnosed") { $0.casesDiagnosed },
        .init(key: "rt_courses", label: "radiotherapy courses") { $0.rtCourses },
        .init(key: "fractions", label: "fractions") { $0.fractions },
        .init(key: "ga_fractions", label: "fractions under anaesthesia") { $0.gaFractions },
        .init(key: "ga_sessions_per_day", label: "anaesthesia sessions a day") { $0.gaSessionsPerDay },
        .init(key: "linac_hours", label: "linac hours") { $0.linacHours },
        .init(key: "linac_equivalents_needed", label: "linac-equivalents needed") { $0.linacEquivalentsNeeded },
        .init(key: "radiation_oncologists", label: "radiation oncologists") { $0.staff.radiationOncologists },
        .init(key: "physicists", label: "medical physicists") { $0.staff.physicists },
        .init(key: "rtts", label: "RTTs") { $0.staff.rtts },
        .init(key: "anaesthesia_teams", label: "anaesthesia teams") { $0.staff.anaesthesiaTeams },
        .init(key: "linacs_gap", label: "linac gap (capacity − need)") { $0.linacs.gap },
        .init(key: "linacs_coverage", label: "linac coverage") { $0.linacs.coverage },
    ]

    /// The output the sensitivity table ranks parameters by.
    public static let sensitivityKey = "linac_equivalents_needed"
}

/// One row of the one-at-a-time sensitivity table: the output with one parameter at each end of its
/// range and every other parameter at its value.
public struct SensitivityRow: Sendable, Equatable {
    public var parameter: Parameter
    /// The output with the parameter at `parameter.low` and at `parameter.high`.
    public var atLow: Double
    public var atHigh: Double
    /// `|atHigh − atLow|`.
    public var swing: Double { abs(atHigh - atLow) }
}

/// A country's result with its uncertainty.
public struct CountryAnalysis: Sendable {
    public var result: CountryResult
    /// Metric key → the lowest and highest value over the parameters' ranges.
    public var low: [String: Double]
    public var high: [String: Double]
    /// Parameters that move `PlanningMetric.sensitivityKey`, the largest swing first.
    public var sensitivity: [SensitivityRow]
}

/// The model run with its uncertainty analysis.
///
/// Low and high: for each output that is smooth in the parameters (cases, courses, fractions, time,
/// linac-equivalents, radiation oncologists, RTTs, the physicists of each norm, the anaesthesia team
/// load), every parameter with a range is put at the end of its range that lowers (raises) that output,
/// found by moving it alone, and the model is run once with all of them there together. These outputs
/// are products and quotients of positive terms, monotone in each parameter whatever the others are,
/// so the corners bound them over the whole box of ranges: bounds, not a confidence interval. Outputs
/// that saturate or jump are bounded from those: physicists `max(a, b)` from the bounds of `a` and `b`,
/// anaesthesia teams by rounding up the bounds of the team load, the linac gap and coverage from the
/// bounds of the need (a parameter that leaves a saturated output unchanged would otherwise hide
/// its direction). The sensitivity table moves one parameter at a time.
public enum PlanningAnalysis {
    /// Smooth outputs bounded by corners (the keys of `PlanningMetric.all` among them, and two inner ones).
    static let smooth: [(String, @Sendable (CountryResult) -> Double)] = [
        ("cases_per_year", { $0.casesPerYear }), ("cases_diagnosed", { $0.casesDiagnosed }), ("rt_courses", { $0.rtCourses }),
        ("fractions", { $0.fractions }), ("ga_fractions", { $0.gaFractions }), ("ga_sessions_per_day", { $0.gaSessionsPerDay }),
        ("linac_hours", { $0.linacHours }), ("linac_equivalents_needed", { $0.linacEquivalentsNeeded }),
        ("radiation_oncologists", { $0.staff.radiationOncologists }), ("rtts", { $0.staff.rtts }),
        ("physicists_by_patients", { $0.staff.physicistsByPatients }), ("anaesthesia_team_load", { $0.anaesthesiaTeamLoad }),
    ]

    public static func run(_ data: PlanningData, referrals: [Referral] = []) throws -> [CountryAnalysis] {
        let values = data.values
        let base = try PlanningModel.evaluate(data, values: values, referrals: referrals)
        let varied = data.parameters.filter(\.hasRange)
        var atLow: [[CountryResult]] = [], atHigh: [[CountryResult]] = []
        for p in varied {
            var lo = values; lo[p.name] = p.low
            var hi = values; hi[p.name] = p.high
            atLow.append(try PlanningModel.evaluate(data, values: lo, referrals: referrals))
            atHigh.append(try PlanningModel.evaluate(data, values: hi, referrals: referrals))
        }
        var out: [CountryAnalysis] = []
        for (ci, result) in base.enumerated() {
            var low: [String: Double] = [:], high: [String: Double] = [:]
            for (key, f) in smooth {
                var lowValues = values, highValues = values
                for (pi, p) in varied.enumerated() {
                    let a = f(atLow[pi][ci]), b = f(atHigh[pi][ci])
                    if a < b { lowValues[p.name] = p.low; highValues[p.name] = p.high }
                    else if a > b { lowValues[p.name] = p.high; highValues[p.name] = p.low }
                }
                low[key] = f(try PlanningModel.evaluate(data, values: lowValues, referrals: referrals)[ci])
                high[key] = f(try PlanningModel.evaluate(data, values: highValues, referrals: referrals)[ci])
            }
            // max(a, b): its supremum is the larger supremum; the larger infimum bounds it from below.
            low["physicists"] = max(low["physicists_by_patients"]!, low["linac_equivalents_needed"]!)
            high["physicists"] = max(high["physicists_by_patients"]!, high["linac_equivalents_needed"]!)
            low["anaesthesia_teams"] = max(0, (low["anaesthesia_team_load"]! - 1e-9).rounded(.up))
            high["anaesthesia_teams"] = max(0, (high["anaesthesia_team_load"]! - 1e-9).rounded(.up))
            if let capacity = result.linacs.capacity {
                let needLow = low["linac_equivalents_needed"]!, needHigh = high["linac_equivalents_needed"]!
                low["linacs_gap"] = capacity - needHigh
                high["linacs_gap"] = capacity - needLow
                low["linacs_coverage"] = ResourceGap(need: needHigh, capacity: capacity).coverage
                high["linacs_coverage"] = ResourceGap(need: needLow, capacity: capacity).coverage
            }
            low["anaesthesia_team_load"] = nil; high["anaesthesia_team_load"] = nil
            let key = PlanningMetric.all.first { $0.key == PlanningMetric.sensitivityKey }!
            var rows: [SensitivityRow] = []
            for (pi, p) in varied.enumerated() {
                guard let a = key.value(atLow[pi][ci]), let b = key.value(atHigh[pi][ci]), a != b else { continue }
                rows.append(SensitivityRow(parameter: p, atLow: a, atHigh: b))
            }
            rows.sort { $0.swing != $1.swing ? $0.swing > $1.swing : $0.parameter.name < $1.parameter.name }
            out.append(CountryAnalysis(result: result, low: low, high: high, sensitivity: rows))
        }
        return out
    }
}
