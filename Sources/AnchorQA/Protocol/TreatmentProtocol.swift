import Foundation

/// A protocol (or an organ constraint set) as a physicist writes it in YAML: identity, version,
/// citation, prescription and the constraints to grade. See `ProtocolParser` for the file format.
public struct TreatmentProtocol: Sendable {
    /// What the file is: a trial protocol (or indication set) whose structures are expected in the
    /// plan, or a reference set of organ constraints applied to whatever of its organs are contoured.
    public enum Kind: String, Sendable {
        case `protocol` = "protocol"
        case constraintSet = "constraint_set"
    }

    /// Stable identifier used on the command line (`anchor check --protocol ID`).
    public var id: String
    public var name: String
    /// Version of this file's content (a string: "1.0", "2024-03").
    public var version: String
    /// Citation of the protocol or paper the file follows.
    public var source: String
    public var kind: Kind
    /// Prescription dose, Gy; percent-of-prescription limits use it unless the plan or the command
    /// line gives one.
    public var prescriptionGy: Double?
    /// Number of fractions the constraints assume, when the protocol states it.
    public var fractions: Int?
    /// Prescriptions per target (`PTV_High: 54`, `PTV_CSI: 23.4`), Gy: a percent-of-prescription limit on
    /// a constraint naming a target (its structure, or its `prescription` field) refers to that target's.
    public var targetPrescriptions: [TargetPrescription] = []
    /// Dose per fraction the protocol's dose limits assume, Gy. Default 2 (the conventional
    /// fractionation most organ tolerance data come from: Emami 1991, QUANTEC 2010, PENTEC 2021-24).
    public var dosePerFractionGy: Double = 2
    /// Whether the file stated `dose_per_fraction_gy` (else the default 2 Gy is assumed).
    public var dosePerFractionStated: Bool = false
    /// The ages the protocol is written for; a patient outside them is a problem in the report.
    public var ageBand: AgeBand?
    /// Structures the protocol defines from others (`Lungs = Lung_L | Lung_R`), used when the case has no
    /// structure of that name.
    public var derivedStructures: [DerivedStructure] = []
    /// Free text for the reviewer (scope, caveats); shown in the report.
    public var notes: String?
    public var constraints: [Constraint]
    /// The file the protocol was read from.
    public var file: String?
    /// What the set is for (diagnoses, sites, techniques), as the file lists them; empty when not given.
    public var indications: [String] = []

    public init(id: String, name: String, version: String, source: String, kind: Kind = .protocol,
                prescriptionGy: Double? = nil, fractions: Int? = nil, notes: String? = nil,
                constraints: [Constraint], file: String? = nil) {
        self.id = id
        self.name = name
        self.version = version
        self.source = source
        self.kind = kind
        self.prescriptionGy = prescriptionGy
        self.fractions = fractions
        self.notes = notes
        self.constraints = constraints
        self.file = file
    }
}

/// One target's prescription in a protocol.
public struct TargetPrescription: Sendable, Equatable {
    /// The target's name (TG-263), matched to the case's ROIs like a constraint's structure.
    public var target: String
    public var doseGy: Double
    public init(target: String, doseGy: Double) { self.target = target; self.doseGy = doseGy }
}

/// One graded constraint: a structure (TG-263 name and aliases), a metric and its limits.
///
/// Grading follows the EORTC/SIOP-Europe review vocabulary: a value within `perProtocol` is per
/// protocol; outside it but within `acceptable` is an acceptable variation; beyond both (or beyond
/// `perProtocol` when the protocol gives no acceptable band) is an unacceptable variation.
public struct Constraint: Sendable {
    /// TG-263 structure name (AAPM Report 263, 2018).
    public var structure: String
    /// Other names the structure goes by in planning systems.
    public var aliases: [String]
    public var metric: ConstraintMetric
    public var perProtocol: Limit
    public var acceptable: Limit?
    /// The constraint applies only to patients in this band; nil: all ages.
    public var ageBand: AgeBand?
    /// Citation of the number (paper, table; protocol section).
    public var source: String?
    /// Caveats: fractionation the number assumes, the risk it stands for.
    public var note: String?
    /// True when a missing structure should not count against the plan (the organ may legitimately
    /// be absent or uncontoured). Defaults to true in a constraint set, false in a protocol.
    public var optional: Bool
    /// 1-based line of the constraint in its file.
    public var line: Int?
    /// Where in the source the number is (section, table, page), when the file says.
    public var locator: String?
    /// How sure the reading of the source is (for example "high", "medium (secondary source)").
    public var confidence: String?
    /// True for an objective rather than a limit: exceeding `perProtocol` is an acceptable variation and
    /// never an unacceptable one (`acceptable` is then unbounded).
    public var isObjective = false
    /// The target whose prescription a percent-of-prescription limit refers to (a name among the
    /// protocol's `prescriptions`); nil: the structure itself when it is one of them, else the plan's.
    public var prescriptionTarget: String?
    /// α/β of the tissue the limit protects, Gy, for the EQD2 conversion; nil: 10 Gy for targets, 3 Gy
    /// otherwise (`EQD2.tumourAlphaBetaGy`, `EQD2.lateEffectsAlphaBetaGy`).
    public var alphaBetaGy: Double?

    public init(structure: String, aliases: [String] = [], metric: ConstraintMetric, perProtocol: Limit,
                acceptable: Limit? = nil, ageBand: AgeBand? = nil, source: String? = nil, note: String? = nil,
                optional: Bool = false, line: Int? = nil) {
        self.structure = structure
        self.aliases = aliases
        self.metric = metric
        self.perProtocol = perProtocol
        self.acceptable = acceptable
        self.ageBand = ageBand
        self.source = source
        self.note = note
        self.optional = optional
        self.line = line
    }

    /// The limits as one line: `<= 54 Gy (acceptable <= 56 Gy)`.
    public var limitDescription: String {
        perProtocol.text + (acceptable.map { " (acceptable \($0.text))" } ?? "")
    }
}
