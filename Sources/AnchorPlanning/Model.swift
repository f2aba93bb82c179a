import Foundation

/// A share of one country's radiotherapy courses sent to another country's centre.
public struct Referral: Sendable, Equatable {
    public var from: String
    public var to: String
    /// Share of the sending country's own courses, above 0 and at most 1.
    public var share: Double

    public init(from: String, to: String, share: Double) {
        self.from = from
        self.to = to
        self.share = share
    }
}

/// Need against capacity for one resource.
public struct ResourceGap: Sendable, Equatable {
    public var need: Double
    /// What the country has; nil when the data do not say.
    public var capacity: Double?
    /// `capacity − need`: positive is spare capacity, negative a shortfall.
    public var gap: Double? { capacity.map { $0 - need } }
    /// `min(1, capacity / need)`; 1 when nothing is needed.
    public var coverage: Double? {
        guard let c = capacity else { return nil }
        return need > 0 ? min(1, c / need) : 1
    }
}

/// The country's MV units against a population benchmark.
public struct BenchmarkGap: Sendable, Equatable {
    /// The benchmark's parameter name (`benchmark_population_per_mv_iaea`, ...).
    public var parameter: String
    public var label: String
    /// Population per MV unit the benchmark asks for.
    public var populationPerUnit: Double
    /// Units the whole population (all ages) needs at the benchmark.
    public var unitsNeeded: Double
    /// Units the country has (all ages).
    public var units: Double
    public var gap: Double { units - unitsNeeded }
    public var coverage: Double { unitsNeeded > 0 ? min(1, units / unitsNeeded) : 1 }
}

/// Staff needed, in full-time equivalents (the model's equation 6).
public struct StaffNeed: Sendable, Equatable {
    /// `C_total / RO_norm`.
    public var radiationOncologists: Double
    /// `max(C_total / MP_norm, L_need)`.
    public var physicists: Double
    /// `C_total / MP_norm`, the patient norm alone.
    public var physicistsByPatients: Double
    /// `L_need`: one physicist per linac-equivalent of work.
    public var physicistsByLinacTime: Double
    /// `RTT_norm · L_need · shifts`.
    public var rtts: Double
    /// `⌈GA sessions per day ÷ sessions per team-day⌉`.
    public var anaesthesiaTeams: Double

    public func value(_ role: StaffRole) -> Double {
        switch role {
        case .radiationOncologists: radiationOncologists
        case .physicists: physicists
        case .rtts: rtts
        case .anaesthesiaTeams: anaesthesiaTeams
        }
    }
}

/// Demand and capacity of one country: the equations of the model (`docs/service-planning.md`).
public struct CountryResult: Sendable, Equatable {
    public var iso3: String
    public var name: String
    /// Total population, all ages.
    public var population: Double
    /// Children aged 0-14 (a population band crossing 14/15 is split evenly by year).
    public var children0to14: Double
    /// The age bands the population file gives (the ages the demand covers).
    public var ageBands: [AgeBand]
    /// `Σ N[c,g]`: new cases a year, every case counted (true need).
    public var casesPerYear: Double
    /// `k_dx · N`: cases expected to be diagnosed and present.
    public var casesDiagnosed: Double
    public var diagnosisCompleteness: Double
    /// Courses of the country's own children, `Σ N_dx·u·(1+ρ)`.
    public var ownCourses: Double
    /// Courses sent abroad and received from abroad (scenarios with referrals).
    public var coursesReferredOut: Double
    public var coursesReferredIn: Double
    /// Courses treated in the country: own courses less those referred out, plus those referred in.
    public var rtCourses: Double
    /// `Fx = Σ C·F`.
    public var fractions: Double
    /// `Fx_GA = Σ C·F·ga`.
    public var gaFractions: Double
    /// `Fx_GA / D`.
    public var gaSessionsPerDay: Double
    /// `T = ((Fx − Fx_GA)·t_awake + Fx_GA·t_GA) / 60`.
    public var linacHours: Double
    /// GA sessions a day per the sessions one team gives a day (the anaesthesia teams before rounding up).
    public var anaesthesiaTeamLoad: Double
    /// `L_need = T / (H·D·η)`.
    public var linacEquivalentsNeeded: Double
    /// Cross-check with the adult norm: `C_total / C_linac`.
    public var linacEquivalentsByCourseNorm: Double
    public var staff: StaffNeed
    /// MV units, all ages (DIRAC).
    public var mvUnits: Double
    /// MV units at centres that treat children, when known.
    public var paediatricMVUnits: Double?
    /// `population / MV units`; nil when the country has none.
    public var populationPerMVUnit: Double? { mvUnits > 0 ? population / mvUnits : nil }
    /// Linac-equivalents needed against the paediatric MV units when known, otherwise all MV units.
    public var linacs: ResourceGap
    /// True when `linacs.capacity` counts all MV units of the country (adults' too).
    public var linacCapacityIsAllAges: Bool
    public var staffGaps: [StaffRole: ResourceGap]
    public var benchmarks: [BenchmarkGap]

    /// Share of the capacity (linac-equivalents) children alone would need.
    public var shareOfLinacCapacityNeeded: Double? {
        guard let c = linacs.capacity, c > 0 else { return nil }
        return linacEquivalentsNeeded / c
    }
}

/// The demand and capacity model, one country at a time (referrals link them).
public enum PlanningModel {
    /// Every country of the data, with the parameters' current values.
    public static func evaluate(_ data: PlanningData, referrals: [Referral] = []) throws -> [CountryResult] {
        try evaluate(data, values: data.values, referrals: referrals)
    }

    /// Every country of the data, with `values` (parameter name → value) in place of the parameters'
    /// own values (the uncertainty analysis varies them one at a time).
    public static func evaluate(_ data: PlanningData, values: [String: Double], referrals: [Referral] = []) throws -> [CountryResult] {
        func v(_ name: String) -> Double {
            guard let x = values[name] else { preconditionFailure("parameter \(name) is missing from the values") }
            return x
        }
        // Course blocks: courses of one group and age band with their fractions and share under GA.
        struct Block { var courses: Double; var fractionsPerCourse: Double; var gaShare: Double }
        var own: [String: [Block]] = [:]
        var demand: [String: (children: Double, cases: Double, diagnosed: Double, k: Double, bands: [AgeBand])] = [:]
        let rho = v("retreatment_factor")
        for c in data.countries {
            let pop = v(c.populationParameter)
            let k = v(data.completeness[c.iso3] ?? "diagnosis_completeness")
            var blocks: [Block] = []
            var children = 0.0, cases = 0.0
            var bands: [AgeBand] = []
            for p in data.population where p.iso3 == c.iso3 {
                bands.append(p.band)
                let persons = p.isShare ? v(p.parameter) * pop : v(p.parameter)
                let overlap = max(0, min(p.band.last, 14) - max(p.band.first, 0) + 1)
                children += persons * Double(overlap) / Double(p.band.years)
                let ga = try data.anaesthesiaWeights(band: p.band).reduce(0.0) { $0 + $1.weight * v($1.parameter) }
                for g in data.groups {
                    // Equation 1: N[c,g,a] = P[c,a]·I[g,a]/10⁶; N_dx = k_dx·N.
                    let n = persons * v(try data.incidenceEntry(group: g, band: p.band).parameter) / 1e6
                    cases += n
                    // Equation 2: C = N_dx·u[g]·(1+ρ).
                    let courses = k * n * v(data.utilisation[g]!) * (1 + rho)
                    blocks.append(Block(courses: courses, fractionsPerCourse: v(data.fractionation[g]!), gaShare: ga))
                }
            }
            own[c.iso3] = blocks
            demand[c.iso3] = (children, cases, k * cases, k, bands.sorted())
        }
        // Referrals move a share of a country's own courses, with their fractions and GA share.
        var outShare: [String: Double] = [:]
        for r in referrals {
            guard own[r.from] != nil, own[r.to] != nil else {
                throw PlanningError(.invalidScenario, "referral \(r.from) → \(r.to): both countries must be in the data")
            }
            outShare[r.from, default: 0] += r.share
        }
        if let (iso, s) = outShare.first(where: { $0.value > 1 + 1e-12 }) {
            throw PlanningError(.invalidScenario, "\(iso) refers \(Parameter.format(s * 100))% of its courses; at most 100%")
        }
        var treated: [String: [Block]] = [:]
        var referredIn: [String: Double] = [:]
        for c in data.countries {
            let keep = 1 - (outShare[c.iso3] ?? 0)
            treated[c.iso3, default: []] += own[c.iso3]!.map { Block(courses: $0.courses * keep, fractionsPerCourse: $0.fractionsPerCourse, gaShare: $0.gaShare) }
        }
        for r in referrals {
            let moved = own[r.from]!.map { Block(courses: $0.courses * r.share, fractionsPerCourse: $0.fractionsPerCourse, gaShare: $0.gaShare) }
            treated[r.to, default: []] += moved
            referredIn[r.to, default: 0] += moved.reduce(0) { $0 + $1.courses }
        }

        let tAwake = v("t_awake_min"), tGA = v("t_ga_min")
        let hours = v("hours_per_day"), days = v("days_per_year"), eta = v("usable_share")
        return data.countries.map { c in
            let blocks = treated[c.iso3]!
            let d = demand[c.iso3]!
            let ownCourses = own[c.iso3]!.reduce(0) { $0 + $1.courses }
            let courses = blocks.reduce(0) { $0 + $1.courses }
            // Equation 3: Fx = Σ C·F; Fx_GA = Σ C·F·ga.
            let fx = blocks.reduce(0) { $0 + $1.courses * $1.fractionsPerCourse }
            let fxGA = blocks.reduce(0) { $0 + $1.courses * $1.fractionsPerCourse * $1.gaShare }
            // Equation 4: linac hours; equation 5: linac-equivalents.
            let t = ((fx - fxGA) * tAwake + fxGA * tGA) / 60
            let lNeed = t / (hours * days * eta)
            // Equation 6: staff.
            let mpPatients = courses / v("patients_per_physicist")
            let gaPerDay = fxGA / days
            // A tolerance keeps a quotient like 2.0000000001 from becoming 3 teams.
            let teams = (gaPerDay / v("ga_sessions_per_team_day") - 1e-9).rounded(.up)
            let staff = StaffNeed(
                radiationOncologists: courses / v("patients_per_ro"),
                physicists: max(mpPatients, lNeed), physicistsByPatients: mpPatients, physicistsByLinacTime: lNeed,
                rtts: v("rtts_per_linac_shift") * lNeed * v("shifts_per_day"),
                anaesthesiaTeams: max(0, teams))
            // Equation 7: gaps and coverage; population per MV unit against the benchmarks.
            let pop = v(c.populationParameter)
            let mv = v(c.mvUnitsParameter)
            let paed = c.paediatricMVUnitsParameter.map(v)
            var staffGaps: [StaffRole: ResourceGap] = [:]
            for role in StaffRole.allCases {
                staffGaps[role] = ResourceGap(need: staff.value(role), capacity: c.staffParameters[role].map(v))
            }
            let benchmarks = ["benchmark_population_per_mv_iaea", "benchmark_population_per_mv_quarts_high",
                              "benchmark_population_per_mv_quarts_medium", "benchmark_population_per_mv_quarts_low"].map { name in
                BenchmarkGap(parameter: name, label: data.parameter(name)?.label ?? name, populationPerUnit: v(name),
                             unitsNeeded: pop / v(name), units: mv)
            }
            return CountryResult(
                iso3: c.iso3, name: c.name, population: pop, children0to14: d.children, ageBands: d.bands,
                casesPerYear: d.cases, casesDiagnosed: d.diagnosed, diagnosisCompleteness: d.k,
                ownCourses: ownCourses, coursesReferredOut: ownCourses * (outShare[c.iso3] ?? 0), coursesReferredIn: referredIn[c.iso3] ?? 0,
                rtCourses: courses, fractions: fx, gaFractions: fxGA, gaSessionsPerDay: gaPerDay, linacHours: t,
                anaesthesiaTeamLoad: gaPerDay / v("ga_sessions_per_team_day"),
                linacEquivalentsNeeded: lNeed, linacEquivalentsByCourseNorm: courses / v("courses_per_linac"),
                staff: staff, mvUnits: mv, paediatricMVUnits: paed,
                linacs: ResourceGap(need: lNeed, capacity: paed ?? mv), linacCapacityIsAllAges: paed == nil,
                staffGaps: staffGaps, benchmarks: benchmarks)
        }
    }
}
