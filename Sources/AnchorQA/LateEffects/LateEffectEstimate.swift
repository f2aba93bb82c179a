import Foundation

/// What the evaluator knows about the child and the treatment besides the dose.
public struct LateEffectContext: Sendable {
    /// Agents a model file may name, and `anchor check --chemotherapy` accepts.
    public static let knownAgents: Set<String> = [
        "none", "any", "methotrexate", "cisplatin", "carboplatin", "ifosfamide", "alkylator", "anthracycline", "bleomycin",
    ]

    /// Age at radiotherapy, years; nil when unknown (a model with an age band then refuses).
    public var ageYears: Double?
    /// `F` or `M` (Patient's Sex, PS3.3 C.7.1.1); nil when unknown (a model tabulated by sex then refuses).
    public var sex: String?
    /// Number of fractions of the plan, for the EQD2 of each dose; nil when unknown.
    public var fractions: Int?
    /// Why `fractions` is unknown, when the caller knows (a plan of several phases ...).
    public var fractionsUnknownReason: String?
    /// True when the doses given are already EQD2 (a summed or converted dose): no conversion.
    public var doseIsEQD2: Bool
    /// Chemotherapy agents given (lowercase, from `knownAgents`); nil when not known, empty or
    /// `["none"]` for none.
    public var chemotherapy: Set<String>?

    public init(ageYears: Double? = nil, fractions: Int? = nil, doseIsEQD2: Bool = false, chemotherapy: Set<String>? = nil) {
        self.ageYears = ageYears
        self.fractions = fractions
        self.doseIsEQD2 = doseIsEQD2
        self.chemotherapy = chemotherapy
    }
}

/// One organ's late-effect estimate, or why there is none. Never a grade.
public struct LateEffectEstimate: Sendable {
    public enum Status: String, Sendable {
        /// One risk: at a published point, or interpolated between two where the model allows it.
        case estimated
        /// Between two published points that may not be interpolated: the risk lies in a range.
        case range
        /// Beyond the published points on one side: at least, or below, a published risk.
        case bound
        /// The child, the dose or the treatment is outside what the model covers; `note` says why.
        case outsideRange = "outside_range"
        /// The organ's dose could not be had (no DVH, unknown number of fractions).
        case notEvaluable = "not_evaluable"
    }

    /// TG-263 name of the organ (or the organs combined, `Hypothalamus+Pituitary`).
    public var organ: String
    /// The ROI(s) of the case used.
    public var rois: [String]
    public var endpoint: String
    /// The model's dose metric (`Dmean`, `D10%` ...).
    public var metric: String
    /// The organ's value of the metric in EQD2, Gy; nil when not evaluable.
    public var valueGy: Double?
    /// How the value was made EQD2: "EQD2 (α/β 3 Gy, 30 fractions)".
    public var doseBasis: String
    public var status: Status
    /// The risk (percent), or the hazard ratio of a `relativeHazard` model, when one value applies.
    public var estimate: Double?
    /// Lower and upper ends of a range or bound, in the estimate's unit.
    public var estimateLow: Double?
    public var estimateHigh: Double?
    /// `%` or `relative hazard`.
    public var estimateUnit: String
    /// The estimate in words: "7 %", "at least 5 %", "5-50 %", "outside the model's range".
    public var estimateText: String
    /// One sentence for the report.
    public var sentence: String
    public var model: LateEffectModel
    /// Caveats and, for `outsideRange` and `notEvaluable`, why.
    public var note: String?
}
