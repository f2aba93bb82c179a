import Foundation

/// How far a value can be trusted.
public enum ParameterStatus: String, Sendable, CaseIterable, Codable {
    /// Taken from a cited source (paper, registry, database).
    case sourced
    /// Found in a source that could not be checked against the original, or a source for a related
    /// setting applied here; to be confirmed before decisions rest on it.
    case unverified = "UNVERIFIED"
    /// Chosen by the model's authors where no source was found; calibrate locally.
    case assumption = "ASSUMPTION"

    /// Reads `sourced`, `UNVERIFIED` or `ASSUMPTION` in any letter case.
    public init?(text: String) {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "sourced": self = .sourced
        case "unverified": self = .unverified
        case "assumption": self = .assumption
        default: return nil
        }
    }
}

/// One input of the model with its value, its range for the uncertainty analysis, and where it comes
/// from. Scalar parameters, table rows (an incidence rate of a group and age band, a group's
/// radiotherapy share) and country facts (population, MV units) are all parameters, so every one of
/// them reaches the output with its source and status.
public struct Parameter: Sendable, Equatable {
    /// Stable name, e.g. `t_ga_min` or `incidence_per_million[all,0-14]` or `population[TJK]`.
    public var name: String
    /// Symbol in the model's equations (`t_GA`, `I[g,a]`), or empty.
    public var symbol: String
    /// What it is, in words.
    public var label: String
    public var value: Double
    /// Lower and upper ends of the range explored by the uncertainty analysis (equal when none).
    public var low: Double
    public var high: Double
    /// Unit in words (`min`, `per million person-years`, `share`).
    public var unit: String
    public var status: ParameterStatus
    /// The citation or rationale, as written in the data file.
    public var source: String

    public init(name: String, symbol: String = "", label: String = "", value: Double, low: Double? = nil, high: Double? = nil,
                unit: String = "", status: ParameterStatus, source: String) {
        self.name = name
        self.symbol = symbol
        self.label = label
        self.value = value
        self.low = low ?? value
        self.high = high ?? value
        self.unit = unit
        self.status = status
        self.source = source
    }

    /// Whether the uncertainty analysis varies this parameter.
    public var hasRange: Bool { low != value || high != value }

    /// The parameter at a value chosen by a scenario: its range collapses to that value (a what-if is
    /// taken as given) and its status becomes ASSUMPTION, the source saying which scenario set it and
    /// what the default was.
    func setByScenario(_ v: Double, scenario: String) -> Parameter {
        var p = self
        p.value = v; p.low = v; p.high = v
        p.status = .assumption
        p.source = "set by scenario \"\(scenario)\" (default \(Parameter.format(value)), \(status.rawValue): \(source))"
        return p
    }

    static func format(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int(v)) }
        return String(v)
    }
}
