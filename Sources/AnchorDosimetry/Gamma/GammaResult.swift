import AnchorRT
import Foundation

/// The outcome of a gamma comparison: the gamma value of every reference point, and the statistics
/// TG-218 asks to report (Miften et al. 2018, recommendation 5: pass rate with the criteria, the
/// normalisation, the threshold and the number of points, plus the distribution of gamma).
public struct GammaResult: Sendable {
    /// A reference point that failed (gamma > 1).
    public struct FailingPoint: Sendable, Equatable {
        /// Voxel of the reference grid: column, row, frame.
        public var i: Int, j: Int, k: Int
        /// Centre of that voxel in patient coordinates, mm.
        public var position: Vec3
        /// Its gamma (at most the maximum gamma of the criteria).
        public var gamma: Double
        /// The reference dose there, in the grid's units.
        public var referenceDose: Double
    }

    /// The criteria used.
    public var criteria: GammaCriteria
    /// The dose the percentages were taken of (the given normalisation dose or the reference maximum),
    /// in the grids' units.
    public var normalisationDose: Double
    /// Reference doses at or above this were evaluated: cut-off % × normalisation dose.
    public var cutoffDose: Double
    /// 2 when both grids are single planes (a planar comparison), else 3.
    public var dimensions: Int
    /// The reference grid: `gamma` is laid out on it.
    public var grid: Grid3D
    /// Gamma of every reference voxel in grid index order; NaN where not evaluated (below the cut-off,
    /// or no evaluated dose within the search radius).
    public var gamma: [Float]
    /// Reference points at or above the cut-off.
    public var pointsAboveCutoff: Int
    /// Points with a gamma value: above the cut-off and with evaluated dose within the search radius
    /// (pymedphys counts the same: its non-NaN gammas). The denominator of the pass rate.
    public var pointsEvaluated: Int
    /// Points with gamma ≤ 1 (Low et al. 1998: gamma ≤ 1 passes).
    public var pointsPassing: Int
    /// Mean gamma over the evaluated points (gammas above the maximum count as the maximum).
    public var meanGamma: Double?
    /// Largest gamma found (at most the criteria's maximum gamma).
    public var maximumGammaFound: Double?
    /// Every failing point, worst first.
    public var failingPoints: [FailingPoint]
    /// What the caller should know: frames of reference or units that differ, planes apart.
    public var warnings: [String]
    /// Evaluated gammas sorted ascending, for percentiles.
    var sortedGamma: [Float]

    /// Percentage of evaluated points with gamma ≤ 1; nil when no point was evaluated.
    public var passRatePercent: Double? {
        pointsEvaluated > 0 ? 100 * Double(pointsPassing) / Double(pointsEvaluated) : nil
    }

    /// Number of evaluated points with gamma > 1.
    public var pointsFailing: Int { pointsEvaluated - pointsPassing }

    /// The p-th percentile of gamma over evaluated points, 0 ≤ p ≤ 100, interpolating linearly between
    /// order statistics (numpy's default `percentile`); nil when no point was evaluated.
    public func gammaPercentile(_ p: Double) -> Double? {
        guard !sortedGamma.isEmpty else { return nil }
        let rank = min(max(p, 0), 100) / 100 * Double(sortedGamma.count - 1)
        let lo = Int(rank.rounded(.down)), hi = min(lo + 1, sortedGamma.count - 1)
        let t = rank - Double(lo)
        return Double(sortedGamma[lo]) * (1 - t) + Double(sortedGamma[hi]) * t
    }

    /// The gamma grid as an RT Dose-like grid for a viewer, by this convention: Dose Units RELATIVE,
    /// each value the gamma of the reference voxel (dimensionless), 0 where not evaluated, on the
    /// reference grid's geometry and frame of reference. Writers should also set Dose Comment
    /// (3004,0006) and Series Description to "GAMMA" with the criteria (`anchor gamma --gamma-out`
    /// does), since nothing else in the object says it is not a dose.
    public func gammaDoseGrid(sopInstanceUID: String, frameOfReferenceUID: String?) -> DoseGrid {
        var d = DoseGrid(grid: grid, values: gamma.map { $0.isNaN ? 0 : $0 }, units: "RELATIVE",
                         sopInstanceUID: sopInstanceUID, frameOfReferenceUID: frameOfReferenceUID)
        d.summationType = "PLAN"
        return d
    }

    /// The gamma grid as raw little-endian IEEE 754 32-bit floats in grid index order (column fastest,
    /// then row, then frame), NaN where not evaluated.
    public func rawFloat32LittleEndian() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: gamma.count * 4)
        for (n, g) in gamma.enumerated() {
            let b = g.bitPattern.littleEndian
            out[4 * n] = UInt8(truncatingIfNeeded: b)
            out[4 * n + 1] = UInt8(truncatingIfNeeded: b >> 8)
            out[4 * n + 2] = UInt8(truncatingIfNeeded: b >> 16)
            out[4 * n + 3] = UInt8(truncatingIfNeeded: b >> 24)
        }
        return out
    }
}
