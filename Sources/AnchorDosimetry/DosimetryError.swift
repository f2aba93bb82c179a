/// The one error type of AnchorDosimetry: a structure, dose or metric that cannot be evaluated, with
/// the structure it concerns. Codes are stable strings (they appear in `anchor dvh --json`).
public struct DosimetryError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What went wrong, as a stable snake_case string.
    public enum Code: String, Sendable {
        /// The ROI has no contours at all.
        case noContours = "no_contours"
        /// The ROI has contours, but none that encloses a volume (only POINT or OPEN_PLANAR contours,
        /// or closed contours of fewer than 3 points).
        case noClosedContours = "no_closed_contours"
        /// The contours enclose no volume (zero area on every plane).
        case emptyVolume = "empty_volume"
        /// No part of the structure lies inside the dose grid.
        case outsideDoseGrid = "outside_dose_grid"
        /// The dose grid or the contours cannot be used (degenerate spacing, non-planar contours ...).
        case invalidGeometry = "invalid_geometry"
        /// A metric name that is not in the grammar of `DVHMetric`.
        case unknownMetric = "unknown_metric"
        /// A metric that needs a prescription dose (CI, GI) was asked for without one.
        case missingPrescription = "missing_prescription"
        /// A metric that is undefined for this structure (D2cc of a 1 cc structure, an empty DVH).
        case undefinedMetric = "undefined_metric"
        /// An ROI asked for by name is not in the structure set.
        case structureNotFound = "structure_not_found"
        /// The inputs hold no RT Dose with a dose grid.
        case noDose = "no_dose"
        /// The inputs hold no RT Structure Set.
        case noStructureSet = "no_structure_set"
        /// The inputs hold several doses (or structure sets) and nothing says which one to use.
        case ambiguousInput = "ambiguous_input"
    }

    public var code: Code
    /// A sentence for a person: what is wrong and, where it helps, what to do.
    public var message: String
    /// Name of the ROI (or metric) concerned, when there is one.
    public var structure: String?

    /// An error about `structure` (an ROI name, or nil when it concerns the inputs as a whole).
    public init(_ code: Code, _ message: String, structure: String? = nil) {
        self.code = code
        self.message = message
        self.structure = structure
    }

    /// "structure: message".
    public var description: String {
        (structure.map { "\($0): " } ?? "") + message
    }
}
