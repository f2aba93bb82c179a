import Foundation

/// One run of the planning model for the countries asked for: the baseline and, with a scenario, the
/// scenario, each with its uncertainty analysis.
public struct PlanningRun: Sendable {
    public var data: PlanningData
    /// ISO3 codes of the countries reported, in the order asked (all countries of the data when none).
    public var countries: [String]
    public var baseline: [CountryAnalysis]
    public var scenario: ScenarioRun?

    /// The scenario side of a run.
    public struct ScenarioRun: Sendable {
        public var name: String
        public var description: String
        public var file: String?
        public var changes: [String]
        public var referrals: [Referral]
        public var data: PlanningData
        public var analyses: [CountryAnalysis]
    }

    public init(data: PlanningData, countries: [String] = [], scenario: Scenario? = nil) throws {
        self.data = data
        var selected: [String] = []
        for c in countries {
            guard let facts = data.country(c) else {
                throw PlanningError(.unknownCountry, "no country \(c.uppercased()) in the data; the countries are \(data.countries.map(\.iso3).joined(separator: ", "))")
            }
            if !selected.contains(facts.iso3) { selected.append(facts.iso3) }
        }
        self.countries = selected.isEmpty ? data.countries.map(\.iso3) : selected
        baseline = try PlanningAnalysis.run(data)
        if let s = scenario {
            let (sdata, changes) = try s.apply(to: data)
            self.scenario = ScenarioRun(name: s.name, description: s.description, file: s.file, changes: changes, referrals: s.referrals,
                                        data: sdata, analyses: try PlanningAnalysis.run(sdata, referrals: s.referrals))
        }
    }

    /// The baseline analyses of the countries asked for, in their order.
    public var selectedBaseline: [CountryAnalysis] { countries.compactMap { iso in baseline.first { $0.result.iso3 == iso } } }

    public var selectedScenario: [CountryAnalysis]? {
        scenario.map { s in countries.compactMap { iso in s.analyses.first { $0.result.iso3 == iso } } }
    }

    /// The parameters the countries asked for use, in data order: every scalar parameter, the table
    /// rows their age bands and groups draw on, and their own facts (with a scenario's referrals, the
    /// partner countries' too, since referred courses carry them).
    public func parameters(of data: PlanningData) -> [Parameter] {
        var wanted = Set(countries)
        for r in scenario?.referrals ?? [] where wanted.contains(r.from) || wanted.contains(r.to) {
            wanted.insert(r.from); wanted.insert(r.to)
        }
        let used = data.parametersUsed(by: wanted)
        return data.parameters.filter { used.contains($0.name) }
    }
}

extension PlanningData {
    /// Names of the parameters the model reads for these countries.
    public func parametersUsed(by iso3s: Set<String>) -> Set<String> {
        var used = Set(PlanningData.scalarSpecs.map(\.name))
        for c in countries where iso3s.contains(c.iso3) {
            used.insert(c.populationParameter); used.insert(c.mvUnitsParameter)
            used.formUnion(c.staffParameters.values)
            if let p = c.paediatricMVUnitsParameter { used.insert(p) }
            if let p = completeness[c.iso3] { used.insert(p) }
            for band in population where band.iso3 == c.iso3 {
                used.insert(band.parameter)
                for g in groups {
                    if let e = try? incidenceEntry(group: g, band: band.band) { used.insert(e.parameter) }
                    if let u = utilisation[g] { used.insert(u) }
                    if let f = fractionation[g] { used.insert(f) }
                }
                for w in (try? anaesthesiaWeights(band: band.band)) ?? [] { used.insert(w.parameter) }
            }
        }
        return used
    }
}
