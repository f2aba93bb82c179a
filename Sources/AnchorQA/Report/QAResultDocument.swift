import Foundation

extension Grade: Codable {}

/// The QA result of one case as a typed document: the keys of `anchor check --json`, written by the
/// engine and read back by every consumer (the server's pages, its API, the viewer, comparisons of
/// versions) through `JSONDecoder`, so no consumer keeps its own idea of the shape.
///
/// Keys that are absent or null in an older stored document decode as nil; keys a consumer does not
/// know are ignored, so documents written by a newer engine still read.
public struct QAResultDocument: Codable, Sendable, Equatable {
    /// The protocol graded against.
    public struct ProtocolInfo: Codable, Sendable, Equatable {
        public var id: String
        public var version: String
        public var name: String
        public var source: String
        public var kind: String
    }

    /// One constraint's result.
    public struct Result: Codable, Sendable, Equatable {
        /// The protocol's structure name (TG-263).
        public var structure: String
        /// The case's ROI graded for it, nil when none matched.
        public var matchedStructure: String?
        /// The metric as written (`D95%`, `V20Gy`, `Dmean` ...).
        public var metric: String
        public var value: Double?
        /// `Gy`, `%` or `cc`.
        public var unit: String
        public var grade: Grade
        /// The per-protocol limit as written (`<= 54 Gy`).
        public var limit: String
        public var source: String?
        public var acceptableLimit: String?
        /// The value in Gy when the metric is a dose given in % of the prescription.
        public var valueGy: Double?
        public var ageBand: String?
        public var optional: Bool?
        public var countsInOverall: Bool?
        /// Why the constraint was not evaluable, or what qualifies its value.
        public var reason: String?
        public var note: String?
        /// Where in the source the number is, and how sure its reading is.
        public var locator: String?
        public var confidence: String?
        /// An objective rather than a limit: exceeding it is an acceptable variation at worst.
        public var objective: Bool?
        /// The prescription a percent limit was judged against, Gy, and where it came from.
        public var prescriptionGy: Double?
        public var prescriptionSource: String?
        /// True when the value is of the voxel-wise EQD2 dose (α/β `alphaBetaGy`); `physicalValue` is then
        /// the same metric of the physical dose.
        public var eqd2: Bool?
        public var alphaBetaGy: Double?
        public var physicalValue: Double?
        /// Share of the structure's volume inside the dose grid.
        public var coveredFraction: Double?
        /// The expression a derived structure was computed from (`Lung_L | Lung_R`).
        public var derivedFrom: String?

        enum CodingKeys: String, CodingKey {
            case structure, metric, value, unit, grade, limit, source, optional, reason, note, locator, confidence, objective, eqd2
            case matchedStructure = "matched_structure"
            case acceptableLimit = "acceptable_limit"
            case valueGy = "value_gy"
            case ageBand = "age_band"
            case countsInOverall = "counts_in_overall"
            case prescriptionGy = "prescription_gy"
            case prescriptionSource = "prescription_source"
            case alphaBetaGy = "alpha_beta_gy"
            case physicalValue = "physical_value"
            case coveredFraction = "covered_fraction"
            case derivedFrom = "derived_from"
        }

        /// A stable key of the constraint within a protocol, for comparing versions of a case.
        public var key: ConstraintKey { ConstraintKey(structure: structure, metric: metric, matchedStructure: matchedStructure) }
    }

    /// Identifies one constraint result across versions of a case.
    public struct ConstraintKey: Hashable, Sendable {
        public var structure: String
        public var metric: String
        public var matchedStructure: String?
    }

    /// What is known of the case graded.
    public struct CaseInfo: Codable, Sendable, Equatable {
        public var path: String?
        public var patientID: String?
        public var planLabel: String?
        public var planPrescriptionGy: Double?
        public var fractions: Int?
        public var structureSetLabel: String?
        public var doseFile: String?
        public var doseSummationType: String?
        public var doseMaxGy: Double?

        enum CodingKeys: String, CodingKey {
            case path, fractions
            case patientID = "patient_id"
            case planLabel = "plan_label"
            case planPrescriptionGy = "plan_prescription_gy"
            case structureSetLabel = "structure_set_label"
            case doseFile = "dose_file"
            case doseSummationType = "dose_summation_type"
            case doseMaxGy = "dose_max_gy"
        }
    }

    /// A constraint left out because the child's age is outside its band.
    public struct SkippedForAge: Codable, Sendable, Equatable {
        public var structure: String
        public var metric: String
        public var ageBand: String?

        enum CodingKeys: String, CodingKey {
            case structure, metric
            case ageBand = "age_band"
        }
    }

    /// A target's own prescription and where it came from.
    public struct TargetPrescription: Codable, Sendable, Equatable {
        public var target: String
        public var prescriptionGy: Double
        public var source: String

        enum CodingKeys: String, CodingKey {
            case target, source
            case prescriptionGy = "prescription_gy"
        }
    }

    /// One late-effect estimate beside the grades (never a grade).
    public struct LateEffect: Codable, Sendable, Equatable {
        public var organ: String
        public var endpoint: String
        public var metric: String
        public var value: Double?
        public var unit: String
        /// The estimated risk (in `estimateUnit`), or its bounds, nil when outside the model's range.
        public var estimate: Double?
        public var estimateLow: Double?
        public var estimateHigh: Double?
        public var estimateUnit: String?
        public var estimateText: String?
        public var model: String
        public var source: String
        public var note: String?
        public var status: String?
        public var sentence: String?
        public var rois: [String]?
        public var doseBasis: String?
        public var confidence: String?

        enum CodingKeys: String, CodingKey {
            case organ, endpoint, metric, value, unit, estimate, model, source, note, status, sentence, rois, confidence
            case estimateLow = "estimate_low"
            case estimateHigh = "estimate_high"
            case estimateUnit = "estimate_unit"
            case estimateText = "estimate_text"
            case doseBasis = "dose_basis"
        }
    }

    /// The planning system's stored DVH of one structure beside Anchor's.
    public struct TPSComparison: Codable, Sendable, Equatable {
        public struct Row: Codable, Sendable, Equatable {
            public var quantity: String
            public var unit: String
            public var anchor: Double?
            public var tps: Double?
            public var flagged: Bool
        }
        public var structure: String
        public var roiNumber: Int
        public var flagged: Bool
        public var rows: [Row]
        public var remarks: [String]

        enum CodingKeys: String, CodingKey {
            case structure, flagged, rows, remarks
            case roiNumber = "roi_number"
        }
    }

    public var protocolInfo: ProtocolInfo
    public var results: [Result]
    /// The worst grade of the constraints that count.
    public var overall: Grade
    public var prescriptionGy: Double?
    public var prescriptionSource: String?
    public var ageYears: Double?
    public var ageSource: String?
    public var caseInfo: CaseInfo?
    public var unmatchedStructures: [String]?
    public var unusedROIs: [String]?
    public var skippedForAge: [SkippedForAge]?
    public var notes: [String]?
    public var problems: [String]?
    public var targetPrescriptions: [TargetPrescription]?
    public var fractions: Int?
    public var fractionsSource: String?
    public var protocolDosePerFractionGy: Double?
    public var eqd2Applied: Bool?
    public var planDosePerFractionGy: Double?
    public var minimumCoveredFraction: Double?
    public var doseProblems: [String]?
    public var lateEffects: [LateEffect]?
    public var tpsDVHComparison: [TPSComparison]?

    enum CodingKeys: String, CodingKey {
        case results, overall, notes, problems, fractions
        case targetPrescriptions = "target_prescriptions"
        case fractionsSource = "fractions_source"
        case protocolDosePerFractionGy = "protocol_dose_per_fraction_gy"
        case eqd2Applied = "eqd2_applied"
        case planDosePerFractionGy = "plan_dose_per_fraction_gy"
        case minimumCoveredFraction = "minimum_covered_fraction"
        case doseProblems = "dose_problems"
        case lateEffects = "late_effects"
        case tpsDVHComparison = "tps_dvh_comparison"
        case protocolInfo = "protocol"
        case prescriptionGy = "prescription_gy"
        case prescriptionSource = "prescription_source"
        case ageYears = "age_years"
        case ageSource = "age_source"
        case caseInfo = "case"
        case unmatchedStructures = "unmatched_structures"
        case unusedROIs = "unused_rois"
        case skippedForAge = "skipped_for_age"
    }

    /// Reads a stored or printed `anchor check --json` document.
    public static func decode(_ text: String) throws -> QAResultDocument {
        try JSONDecoder().decode(QAResultDocument.self, from: Data(text.utf8))
    }

    /// Reads a stored document, nil when there is none or it cannot be read.
    public static func decodeIfPresent(_ text: String?) -> QAResultDocument? {
        guard let text else { return nil }
        return try? decode(text)
    }
}
