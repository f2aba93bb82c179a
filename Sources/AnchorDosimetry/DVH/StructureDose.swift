import AnchorRT

/// How a structure was sampled: enough to reproduce the number and to judge it.
public struct SamplingSummary: Sendable, Equatable {
    /// The lattice the structure was sampled on.
    public var lattice: SamplingLattice
    /// True when the contour planes were parallel to the dose grid's frames (the fast, voxel-nested lattice).
    public var alignedWithDoseGrid: Bool
    /// Number of contour planes.
    public var contourPlanes: Int
    /// Nominal contour spacing (slab thickness between regular planes), mm, and how it was found.
    public var nominalSpacingMM: Double
    public var spacingSource: String
    /// Dose samples taken inside the dose grid.
    public var sampleCount: Int
}

/// The dose to one structure: its volume under the geometry convention, how much of it the dose grid
/// covers, and the DVH of the covered part.
public struct StructureDose: Sendable {
    /// ROI Number, ROI Name and RT ROI Interpreted Type (PS3.3 C.8.8.5, C.8.8.8).
    public var roiNumber: Int
    public var name: String
    public var interpretedType: String?
    /// Volume of the structure under the geometry convention of `DVHOptions`, cc (inside and outside
    /// the dose grid).
    public var volumeCC: Double
    /// The part of `volumeCC` inside the dose grid, cc: the volume the DVH describes.
    public var coveredVolumeCC: Double
    /// coveredVolumeCC / volumeCC.
    public var coveredFraction: Double
    /// DVH of the covered part. Percent metrics are percent of `coveredVolumeCC`.
    public var dvh: DVH
    /// How the structure was sampled.
    public var sampling: SamplingSummary
    /// What the reader should know: partial coverage, ignored contours, gaps between planes ...
    public var warnings: [String]

    /// True when part of the structure lies outside the dose grid (beyond 1 ppm of its volume).
    public var isPartiallyCovered: Bool { coveredFraction < 1 - 1e-6 }

    /// Minimum, maximum and mean dose of the covered part, Gy.
    public var minGy: Double { dvh.minGy }
    public var maxGy: Double { dvh.maxGy }
    public var meanGy: Double { dvh.meanGy }

    /// The value of a metric for this structure; see `DVH.value(of:prescription:structure:)`.
    public func value(of metric: DVHMetric, prescription: PrescriptionContext? = nil) throws -> Double {
        try dvh.value(of: metric, prescription: prescription, structure: name)
    }

    /// See `DVH`: Dx%, Dxcc, VxGy in cc and in percent of the covered volume.
    public func dose(atVolumePercent p: Double) -> Double? { dvh.dose(atVolumePercent: p) }
    public func dose(atVolumeCC cc: Double) -> Double? { dvh.dose(atVolumeCC: cc) }
    public func volumeCC(atDoseGy d: Double) -> Double { dvh.volumeCC(atDoseGy: d) }
    public func volumePercent(atDoseGy d: Double) -> Double { dvh.volumePercent(atDoseGy: d) }
}

/// A structure that has no DVH, and why (never dropped silently).
public struct SkippedStructure: Sendable {
    /// ROI Number (nil for a name asked for that no ROI has) and name.
    public var roiNumber: Int?
    public var name: String
    /// Why there is no DVH.
    public var error: DosimetryError
    /// The error's message.
    public var reason: String { error.message }
}

/// DVHs of the structures of one structure set on one dose grid.
public struct DVHReport: Sendable {
    /// Structures with a DVH, in the order asked for (or the structure set's).
    public var structures: [StructureDose]
    /// Structures without one, with the reason.
    public var skipped: [SkippedStructure]
    /// The parameters used.
    public var options: DVHOptions
    /// The dose grid's units (GY or RELATIVE).
    public var doseUnits: String
    /// The geometry convention in words (`DVHOptions.conventionDescription`).
    public var convention: String { options.conventionDescription }
}
