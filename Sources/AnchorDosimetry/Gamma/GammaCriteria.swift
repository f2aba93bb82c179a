/// The parameters of a gamma dose comparison, in one documented value.
///
/// The gamma index of a reference point r is the smallest distance, in the space of position and dose
/// scaled by the two criteria, from (r, D_ref(r)) to the evaluated dose distribution
/// (Low, Harms, Mutic and Purdy 1998, "A technique for the quantitative evaluation of dose
/// distributions", Med Phys 25:656-661, eq. 4-6; Low and Dempsey 2003, Med Phys 30:2455-2464):
///
///     gamma(r) = min over e of sqrt( |e - r|^2 / DTA^2 + (D_eval(e) - D_ref(r))^2 / DD^2 )
///
/// and the point passes when gamma(r) <= 1. The defaults are the universal tolerance recommended by
/// AAPM TG-218 (Miften et al. 2018, Med Phys 45:e53-e83, recommendations 3 and 4): 3% global dose
/// difference, 2 mm distance to agreement, 10% lower dose threshold, 3D comparison.
///
/// The search follows pymedphys (`pymedphys.gamma`, the "shell" implementation after Wendling et al.
/// 2007, Med Phys 34:1647): around each reference point the evaluated dose is interpolated
/// trilinearly on spherical shells (circles in 2D) at distances 0, DTA/f, 2·DTA/f, ... where f is
/// `interpolationFraction`, with points on each shell no further apart than DTA/f, so the minimum is
/// found to within that step without resampling either grid. The definitions of the lower cut-off,
/// local and global normalisation, the maximum gamma and the points counted as evaluated are
/// pymedphys', so pass rates compare one to one.
public struct GammaCriteria: Sendable, Equatable, CustomStringConvertible {
    /// What the dose-difference criterion is a percentage of.
    public enum Normalisation: String, Sendable, Equatable {
        /// Of one dose for the whole comparison: `normalisationDose`, or the maximum of the reference
        /// dose when that is nil (TG-218 recommends global normalisation).
        case global
        /// Of the reference dose at the point being evaluated (more stringent in low-dose regions).
        /// Reference points with zero dose are then not evaluated.
        case local
    }

    /// Dose-difference criterion, percent (of the normalisation dose, or of the local reference dose
    /// with `.local`). Default 3.
    public var doseDifferencePercent: Double

    /// Distance-to-agreement criterion, mm. Default 2.
    public var distanceToAgreementMM: Double

    /// Global or local normalisation of the dose difference. Default global.
    public var normalisation: Normalisation

    /// The dose that percentages are taken of, in the units of the dose grids (Gy for physical
    /// doses): the global dose-difference criterion and the lower cut-off. Nil: the maximum of the
    /// reference dose. Typical alternative: the prescription dose.
    public var normalisationDose: Double?

    /// Lower dose cut-off, percent of the normalisation dose: reference points with a dose below it
    /// are not evaluated (pymedphys `lower_percent_dose_cutoff`, applied to the reference only;
    /// TG-218's "dose threshold"). Default 10.
    public var lowerDoseCutoffPercent: Double

    /// Number of search steps per distance-to-agreement: shells are DTA/f apart and points on a shell
    /// at most DTA/f apart (pymedphys `interp_fraction`; Wendling et al. 2007 recommend 10, giving
    /// 0.2 mm steps at 2 mm). Larger is finer and slower. Default 10.
    public var interpolationFraction: Double

    /// The largest gamma searched for: the search around a point stops at distance
    /// `maximumGamma × DTA`, and larger gammas are reported as this value (pymedphys `max_gamma`).
    /// Only values above 1 are failures, so 2 loses no pass/fail information while bounding the work.
    /// Default 2.
    public var maximumGamma: Double

    public init(doseDifferencePercent: Double = 3, distanceToAgreementMM: Double = 2, normalisation: Normalisation = .global,
                normalisationDose: Double? = nil, lowerDoseCutoffPercent: Double = 10, interpolationFraction: Double = 10,
                maximumGamma: Double = 2) {
        self.doseDifferencePercent = doseDifferencePercent
        self.distanceToAgreementMM = distanceToAgreementMM
        self.normalisation = normalisation
        self.normalisationDose = normalisationDose
        self.lowerDoseCutoffPercent = lowerDoseCutoffPercent
        self.interpolationFraction = interpolationFraction
        self.maximumGamma = maximumGamma
    }

    /// The search step, mm: DTA / interpolation fraction.
    public var searchStepMM: Double { distanceToAgreementMM / interpolationFraction }

    /// The search radius, mm: maximum gamma × DTA.
    public var searchRadiusMM: Double { maximumGamma * distanceToAgreementMM }

    /// "3%/2 mm global, 10% cut-off", as TG-218 asks criteria to be reported.
    public var description: String {
        func f(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(v) }
        var s = "\(f(doseDifferencePercent))%/\(f(distanceToAgreementMM)) mm \(normalisation.rawValue)"
        if let d = normalisationDose { s += " (of \(f(d)))" }
        s += ", \(f(lowerDoseCutoffPercent))% cut-off"
        return s
    }

    /// Throws a `DosimetryError` when the criteria make gamma undefined or the search unbounded.
    public func validate() throws {
        func bad(_ what: String) -> DosimetryError { DosimetryError(.undefinedMetric, "gamma is undefined: \(what)", structure: "gamma") }
        guard doseDifferencePercent.isFinite, doseDifferencePercent > 0 else { throw bad("dose-difference criterion must be above 0%") }
        guard distanceToAgreementMM.isFinite, distanceToAgreementMM > 0 else { throw bad("distance to agreement must be above 0 mm") }
        guard lowerDoseCutoffPercent.isFinite, lowerDoseCutoffPercent >= 0 else { throw bad("lower dose cut-off must be 0% or more") }
        guard interpolationFraction.isFinite, interpolationFraction >= 1 else { throw bad("interpolation fraction must be 1 or more") }
        guard maximumGamma.isFinite, maximumGamma > 0 else { throw bad("maximum gamma must be a finite value above 0") }
        if let d = normalisationDose { guard d.isFinite, d > 0 else { throw bad("normalisation dose must be above 0") } }
        // The search points grow as (maximum gamma × interpolation fraction)^3 (4π/3 n^3): 100 is
        // 4 M points, about 50 MB of precomputed shells; beyond that the request is a mistake.
        guard maximumGamma * interpolationFraction <= 100 else {
            throw bad("maximum gamma × interpolation fraction is \(maximumGamma * interpolationFraction); at most 100 is supported")
        }
    }
}
