import Foundation

/// A published dose-response for one late effect of radiotherapy in children, as a versioned file
/// (`Resources/LateEffects/*.yaml`, read by `LateEffectModelParser`): the publication, its cohort, the
/// dose metric (in EQD2), the published points or parameters, and the range in which the model applies.
///
/// The evaluator (`LateEffectEvaluator`) never reads a risk off the model outside its published points:
/// between two points it interpolates only when the file allows it (`interpolation: logit`), and beyond
/// them it states a bound (a risk rises with dose) or refuses.
public struct LateEffectModel: Sendable {
    /// How the published numbers relate dose and risk.
    public enum Kind: String, Sendable {
        /// Risk at one dose metric of the organ, at one or more published doses.
        case doseResponse = "dose_response"
        /// Iso-risk points of partial-organ irradiation: "x % of the organ receiving D Gy gives r %"
        /// (each point has its own Dx% metric; the rest of the organ is taken as unirradiated, and the
        /// point at D100% is the uniform whole-organ dose).
        case partialVolume = "partial_volume"
        /// Prevalence of the effect in the cohort's dose bins (no curve between them).
        case doseBins = "dose_bins"
        /// A hazard ratio per 10 Gy relative to no dose (log-linear in dose, as the source fits it).
        case relativeHazard = "relative_hazard"
    }

    /// What may be done between two published points.
    public enum Interpolation: String, Sendable {
        /// Nothing: between two points the estimate is the range of their risks.
        case none
        /// Linear in log(p / (1 - p)) between adjacent points with exact risks: exact at the points,
        /// monotone, and the shape of the logistic models the sources fit.
        case logit
    }

    /// How the organs of the model make one value.
    public enum Combine: String, Sendable {
        /// Each organ (left, right ...) has its own estimate.
        case each
        /// One estimate from the organ with the lowest value (the least-affected ovary).
        case least
        /// One estimate from the volume-weighted mean dose of all the organs together (the
        /// hypothalamic-pituitary axis as hypothalamus plus pituitary); only with `Dmean`.
        case unionMean = "union_mean"
    }

    /// An organ the model applies to: TG-263 name (AAPM Report 263, 2018) and other spellings.
    public struct Organ: Sendable {
        public var structure: String
        public var aliases: [String]
    }

    /// One published point: at `doseGy` (EQD2) of `metric`, the risk is `riskLowPercent` to
    /// `riskHighPercent` (equal for an exact risk; one of them nil for "at least" / "below").
    public struct Point: Sendable {
        public var metric: ConstraintMetric
        public var doseGy: Double
        public var riskLowPercent: Double?
        public var riskHighPercent: Double?
        /// True when the source says the risk is under `riskHighPercent` ("< 5 %"), false when it may
        /// reach it.
        public var highIsStrict = false
        /// The context of the point (cohort, treatment) when the source gives one.
        public var note: String?

        /// True when the point gives one risk, not a range or a bound.
        public var isExact: Bool { riskLowPercent != nil && riskLowPercent == riskHighPercent }
    }

    /// One dose bin of a `doseBins` model: `fromGy <= dose < toGy` (no upper edge when `toGy` is nil).
    public struct Bin: Sendable {
        public var fromGy: Double
        public var toGy: Double?
        public var riskPercent: Double
    }

    /// Points for one group of the cohort (sex and ages), when the source tabulates the risk by group.
    public struct Stratum: Sendable {
        /// `F` or `M` (Patient's Sex, PS3.3 C.7.1.1); nil for both.
        public var sex: String?
        public var ageBand: AgeBand?
        public var points: [Point]

        /// "female, < 14 years".
        public var label: String {
            [sex.map { $0 == "F" ? "female" : "male" }, ageBand.map { "\($0.text) years" }].compactMap { $0 }.joined(separator: ", ")
        }
    }

    /// What a chemotherapy agent does to the model.
    public struct Chemotherapy: Sendable {
        public enum Effect: Sendable, Equatable {
            /// The source gives the agent's effect as a dose added uniformly to the organ, Gy EQD2.
            case shiftGy(Double)
            /// The model does not apply when the agent was given.
            case outsideRange
            /// The source says the agent changes the risk without a number to apply.
            case note
        }

        /// Lowercase agent name, as given to `anchor check --chemotherapy`.
        public var agent: String
        public var effect: Effect
        public var note: String
    }

    /// Stable identifier (`pentec-thyroid-hypothyroidism`).
    public var id: String
    /// Version of this file's content.
    public var version: String
    /// The late effect, in words ("clinical (uncompensated) primary hypothyroidism").
    public var endpoint: String
    public var organs: [Organ]
    public var combine: Combine
    public var kind: Kind
    /// The dose metric of a `doseResponse`, `doseBins` or `relativeHazard` model; for a
    /// `partialVolume` model each point has its own.
    public var metric: ConstraintMetric
    public var interpolation: Interpolation
    /// α/β (Gy) used to turn the plan's physical dose into EQD2 (Withers et al. Radiother Oncol 1983).
    public var alphaBetaGy: Double
    /// Why that α/β: the source's own value or the convention used.
    public var alphaBetaNote: String
    /// The publication: authors, title, journal, year, volume and pages.
    public var citation: String
    /// Short form for a sentence: "Milano et al. 2021".
    public var shortCitation: String
    public var doi: String?
    public var pmid: String?
    /// Where in the publication the numbers are (abstract Results, a table).
    public var locator: String
    /// How the numbers were read (the abstract, a summary of the paper) and how sure the reading is.
    public var howRead: String
    public var confidence: String
    /// The patients the model was fitted on.
    public var cohort: String
    /// Ages (years at radiotherapy) the model covers; nil when the source gives no band.
    public var ageBand: AgeBand?
    /// The source's doses are whole-organ (uniform) doses: the model applies only to a near-uniform
    /// organ dose.
    public var requiresUniformDose: Bool
    public var points: [Point]
    /// Points by sex and age instead of `points` (a `doseResponse` model only).
    public var strata: [Stratum] = []
    public var bins: [Bin]
    /// Hazard ratio per 10 Gy of a `relativeHazard` model.
    public var hazardRatioPer10Gy: Double?
    public var chemotherapy: [Chemotherapy]
    /// Caveats the reader must see with every estimate.
    public var notes: String?
    /// The file the model was read from.
    public var file: String?

    /// "id v1.0".
    public var label: String { "\(id) v\(version)" }

    /// The citation with its DOI or PMID and locator, for a report's source column.
    public var sourceText: String {
        var s = citation
        if let d = doi { s += ". doi:\(d)" } else if let p = pmid { s += ". PMID \(p)" }
        return s + " (\(locator))"
    }
}
