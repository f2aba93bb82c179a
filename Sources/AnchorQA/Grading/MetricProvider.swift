import AnchorDosimetry

/// A dose-volume quantity in absolute terms, as the grader asks it of a `MetricProvider` once the
/// protocol's metric and limit have been resolved (percent-of-prescription thresholds turned into Gy).
public enum DoseVolumeQuery: Sendable, Hashable, CustomStringConvertible {
    /// Dx%: minimum dose to the hottest x% of the volume, Gy.
    case doseAtVolumePercent(Double)
    /// Dxcc: minimum dose to the hottest x cc, Gy.
    case doseAtVolumeCC(Double)
    /// Volume receiving at least the dose (Gy), percent of the structure.
    case volumePercentAtDose(Double)
    /// Volume receiving at least the dose (Gy), cc.
    case volumeCCAtDose(Double)
    case meanDose
    case maxDose
    case minDose

    /// `Gy`, `%` or `cc`.
    public var unit: String {
        switch self {
        case .volumePercentAtDose: return "%"
        case .volumeCCAtDose: return "cc"
        default: return "Gy"
        }
    }

    public var description: String {
        let f = ConstraintMetric.format
        switch self {
        case .doseAtVolumePercent(let v): return "D\(f(v))%"
        case .doseAtVolumeCC(let v): return "D\(f(v))cc"
        case .volumePercentAtDose(let d): return "V\(f(d))Gy[%]"
        case .volumeCCAtDose(let d): return "V\(f(d))Gy[cc]"
        case .meanDose: return "Dmean"
        case .maxDose: return "Dmax"
        case .minDose: return "Dmin"
        }
    }
}

/// What the grader needs from a case: the structure names present, and dose-volume values of a named
/// structure. Implementations throw `QAError(.notEvaluable, reason)` when a value cannot be had (no
/// contours, outside the dose grid, a Dxcc larger than the structure).
public protocol MetricProvider {
    /// Names of the structures in the case, in the structure set's order.
    var structureNames: [String] { get }
    /// The value of `query` for the structure named exactly `structure`, in `query.unit`.
    func value(_ query: DoseVolumeQuery, structure: String) throws -> Double
    /// The structure's DVH for plotting, when the provider has one.
    func dvh(structure: String) -> DVH?
    /// The value of `query` on the structure's EQD2 DVH (voxel-wise EQD2 of the dose with this α/β, Gy).
    func value(_ query: DoseVolumeQuery, structure: String, eqd2AlphaBetaGy: Double) throws -> Double
    /// Fraction of the structure's volume inside the dose grid, when known.
    func coveredFraction(structure: String) -> Double?
    /// The definition of a structure the provider derived from others (`Lung_L | Lung_R`), nil when it
    /// holds no derived structure of that name.
    func derivedDefinition(structure: String) -> String?
}

extension MetricProvider {
    public func dvh(structure: String) -> DVH? { nil }
    public func value(_ query: DoseVolumeQuery, structure: String, eqd2AlphaBetaGy: Double) throws -> Double {
        throw QAError(.notEvaluable, "no EQD2 DVH (α/β \(ConstraintMetric.format(eqd2AlphaBetaGy)) Gy) for '\(structure)'")
    }
    public func coveredFraction(structure: String) -> Double? { nil }
    public func derivedDefinition(structure: String) -> String? { nil }
}

/// A provider over DVHs already computed (or built analytically in tests): every query is read from
/// the structure's `DVH` (AnchorDosimetry), so its semantics are the DVH engine's own.
public struct DVHMetricProvider: MetricProvider, Sendable {
    public var structureNames: [String]
    /// DVH per structure name; a name in `structureNames` without a DVH has the reason in `failures`.
    public var dvhs: [String: DVH]
    /// Why a structure has no DVH (no contours, outside the dose grid ...).
    public var failures: [String: String]
    /// Fraction of each structure's volume inside the dose grid.
    public var coveredFractions: [String: Double]
    /// EQD2 DVHs per structure and α/β (Gy).
    public var eqd2DVHs: [String: [Double: DVH]]
    /// Structures derived from others (not in `structureNames`), by name: their definition.
    public var derived: [String: String] = [:]

    public func derivedDefinition(structure: String) -> String? { derived[structure] }

    public init(structureNames: [String], dvhs: [String: DVH], failures: [String: String] = [:],
                coveredFractions: [String: Double] = [:], eqd2DVHs: [String: [Double: DVH]] = [:]) {
        self.structureNames = structureNames
        self.dvhs = dvhs
        self.failures = failures
        self.coveredFractions = coveredFractions
        self.eqd2DVHs = eqd2DVHs
    }

    public func dvh(structure: String) -> DVH? { dvhs[structure] }

    public func coveredFraction(structure: String) -> Double? { coveredFractions[structure] }

    public func value(_ query: DoseVolumeQuery, structure: String, eqd2AlphaBetaGy ab: Double) throws -> Double {
        guard let d = eqd2DVHs[structure]?[ab] else {
            throw QAError(.notEvaluable, failures[structure] ?? "no EQD2 DVH (α/β \(ConstraintMetric.format(ab)) Gy) for '\(structure)'")
        }
        return try DVHMetricProvider.read(query, from: d, structure: structure)
    }

    public func value(_ query: DoseVolumeQuery, structure: String) throws -> Double {
        guard let d = dvhs[structure] else {
            throw QAError(.notEvaluable, failures[structure] ?? "no DVH for '\(structure)'")
        }
        return try DVHMetricProvider.read(query, from: d, structure: structure)
    }

    /// Reads one query from a DVH.
    public static func read(_ query: DoseVolumeQuery, from d: DVH, structure: String) throws -> Double {
        guard !d.isEmpty else { throw QAError(.notEvaluable, "'\(structure)' has an empty DVH (no volume in the dose grid)") }
        switch query {
        case .doseAtVolumePercent(let p):
            guard let v = d.dose(atVolumePercent: p) else { throw QAError(.notEvaluable, "D\(ConstraintMetric.format(p))% is undefined for '\(structure)'") }
            return v
        case .doseAtVolumeCC(let cc):
            guard let v = d.dose(atVolumeCC: cc) else {
                throw QAError(.notEvaluable, "D\(ConstraintMetric.format(cc))cc is undefined: '\(structure)' is only \(String(format: "%.3f", d.volumeCC)) cc")
            }
            return v
        case .volumePercentAtDose(let g): return d.volumePercent(atDoseGy: g)
        case .volumeCCAtDose(let g): return d.volumeCC(atDoseGy: g)
        case .meanDose: return d.meanGy
        case .maxDose: return d.maxGy
        case .minDose: return d.minGy
        }
    }
}
