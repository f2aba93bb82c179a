/// The anatomical sites the generator draws.
public enum PhantomSite: String, CaseIterable, Sendable {
    /// Posterior fossa ependymoma after resection: boost to the tumour bed and residual (GTV/CTV/PTV).
    case posteriorFossa = "posterior-fossa"
    /// Wilms tumour, flank irradiation of the tumour bed beside the spine.
    case abdomen
    /// Hodgkin lymphoma of the mediastinum, involved-site radiotherapy.
    case mediastinum

    /// One line for `anchor phantom --list`.
    public var summary: String {
        switch self {
        case .posteriorFossa: return "posterior fossa ependymoma, 8-field conformal boost (59.4 Gy in 33 fractions; 54 Gy in 30 under 18 months)"
        case .abdomen: return "Wilms tumour, left flank AP-PA (14.4 Gy in 8 fractions)"
        case .mediastinum: return "mediastinal Hodgkin lymphoma, AP-PA involved-site RT (19.8 Gy in 11 fractions)"
        }
    }

    /// The variants that make sense for the site.
    public var variants: [PhantomVariant] {
        switch self {
        case .posteriorFossa: return [.acceptable, .ptvUnderdose, .cochleaOverdose, .contourError]
        case .abdomen: return [.acceptable, .ptvUnderdose, .vertebraGradient]
        case .mediastinum: return [.acceptable, .ptvUnderdose]
        }
    }

    var code: String {
        switch self {
        case .posteriorFossa: return "PF"
        case .abdomen: return "ABD"
        case .mediastinum: return "MED"
        }
    }
}

/// A plan as it should be, or with one deliberate deviation that a reviewer must catch.
public enum PhantomVariant: String, CaseIterable, Sendable {
    case acceptable
    /// The leaves close over the inferior end of the PTV in every beam: about 5% of the PTV gets less
    /// than about 85% of the prescription, a cold region.
    case ptvUnderdose = "ptv-underdose"
    /// Lateral-opposed beams dominate the plan, so both cochleae lie in the full beam.
    case cochleaOverdose = "cochlea-overdose"
    /// The field edge runs through the vertebral bodies instead of including them whole (SIOP-Europe
    /// advice: a homogeneous vertebral dose in growing children, to avoid asymmetric growth).
    case vertebraGradient = "vertebra-gradient"
    /// The CTV misses the inferior lobe of the GTV (its extension toward the foramen magnum).
    case contourError = "contour-error"

    /// What a reviewer should find.
    public var expectedFinding: String {
        switch self {
        case .acceptable: return "none: per protocol"
        case .ptvUnderdose: return "PTV D95 well below the prescription (cold inferior region)"
        case .cochleaOverdose: return "cochlear mean dose above 35 Gy"
        case .vertebraGradient: return "steep dose gradient across the vertebral bodies"
        case .contourError: return "GTV not inside the CTV (target delineation)"
        }
    }

    var code: String {
        switch self {
        case .acceptable: return "ACC"
        case .ptvUnderdose: return "PTVU"
        case .cochleaOverdose: return "COCH"
        case .vertebraGradient: return "VERT"
        case .contourError: return "CONT"
        }
    }
}

/// What to generate: site, age, variant, seed, and the grid resolution.
public struct PhantomSpec: Sendable, Equatable {
    /// `standard` is what `anchor phantom` writes; `coarse` doubles the in-plane CT spacing and
    /// coarsens the dose grid (slices unchanged, so every structure keeps its contours), for fast tests.
    public enum Resolution: String, Sendable, CaseIterable { case standard, coarse }

    public static let ages = 1...18

    public var site: PhantomSite
    /// Age in whole years, 1 to 18.
    public var ageYears: Int
    public var variant: PhantomVariant
    public var seed: UInt64
    public var resolution: Resolution

    /// Checks that the age is in range and that the variant belongs to the site.
    public init(site: PhantomSite, ageYears: Int, variant: PhantomVariant = .acceptable, seed: UInt64 = 1,
                resolution: Resolution = .standard) throws {
        guard PhantomSpec.ages.contains(ageYears) else {
            throw PhantomError(.invalidAge, "age \(ageYears) is outside 1-18 years", concerns: String(ageYears))
        }
        guard site.variants.contains(variant) else {
            throw PhantomError(.invalidVariant, "variant '\(variant.rawValue)' is not available for site '\(site.rawValue)'; valid: \(site.variants.map(\.rawValue).joined(separator: ", "))",
                               concerns: variant.rawValue)
        }
        self.site = site
        self.ageYears = ageYears
        self.variant = variant
        self.seed = seed
        self.resolution = resolution
    }

    /// Parses the command line's words, with errors that name the bad value and list the valid ones.
    public init(site: String, ageYears: Int, variant: String = "acceptable", seed: UInt64 = 1, resolution: Resolution = .standard) throws {
        guard let s = PhantomSite(rawValue: site) else {
            throw PhantomError(.invalidSite, "unknown site '\(site)'; valid: \(PhantomSite.allCases.map(\.rawValue).joined(separator: ", "))", concerns: site)
        }
        guard let v = PhantomVariant(rawValue: variant) else {
            throw PhantomError(.invalidVariant, "unknown variant '\(variant)'; valid for \(site): \(s.variants.map(\.rawValue).joined(separator: ", "))", concerns: variant)
        }
        try self.init(site: s, ageYears: ageYears, variant: v, seed: seed, resolution: resolution)
    }

    /// Patient ID (0010,0020): site, age, variant and seed, so each case is its own patient.
    public var patientID: String {
        "ANCHOR-\(site.code)-\(ageYears < 10 ? "0" : "")\(ageYears)Y-\(variant.code)-S\(seed)"
    }

    /// Patient's Age (0010,1010) in the AS form, e.g. `003Y` (PS3.5 Table 6.2-1).
    public var patientAge: String {
        let s = String(ageYears)
        return String(repeating: "0", count: 3 - s.count) + s + "Y"
    }
}
