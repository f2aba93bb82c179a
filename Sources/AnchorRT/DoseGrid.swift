import AnchorDICOM
import Foundation

/// An RT Dose (PS3.3 C.8.8.3): a 3D dose grid with its units, type and summation type, and any DVHs
/// stored in the file (C.8.8.4).
public struct DoseGrid: Sendable {
    public var file: String?
    public var sopInstanceUID: String
    public var seriesInstanceUID: String?
    public var frameOfReferenceUID: String?
    public var grid: Grid3D
    /// Dose per voxel in `units` (stored value × Dose Grid Scaling), in grid index order.
    public var values: [Float]
    /// GY, or RELATIVE (then `values` are relative to an implicit reference).
    public var units: String
    /// PHYSICAL, EFFECTIVE or ERROR.
    public var doseType: String?
    /// PLAN, MULTI_PLAN, FRACTION, BEAM, BRACHY, CONTROL_POINT ...
    public var summationType: String?
    public var doseGridScaling: Double
    /// False when the file had no Dose Units (3004,0002): `units` is then "GY" for display only, and the
    /// dose is not graded (a Type 1 attribute, PS3.3 C.8.8.3).
    public var unitsStated: Bool = true
    /// False when the file had no Dose Grid Scaling (3004,000E): the stored values were taken unscaled
    /// (factor 1) for display only, and the dose is not graded (Type 1C with Pixel Data, PS3.3 C.8.8.3).
    public var scalingStated: Bool = true
    public var referencedPlanUIDs: [String]
    /// Fraction groups and beams the dose is of (Referenced RT Plan Sequence > Referenced Fraction Group
    /// Sequence > Referenced Beam Sequence, PS3.3 C.8.8.3: required for FRACTION and BEAM summations).
    public var referencedFractionGroupNumbers: [Int] = []
    public var referencedBeamNumbers: [Int] = []
    public var storedDVHs: [StoredDVH]
    /// True when Grid Frame Offset Vector was in its absolute form (first value not 0; C.8.8.3.2).
    public var frameOffsetsWereAbsolute: Bool
    /// What was odd in the file but recovered from.
    public var warnings: [String]

    /// A DVH stored in the RT Dose (C.8.8.4).
    public struct StoredDVH: Sendable {
        public var referencedROINumbers: [Int]
        public var type: String?
        public var doseUnits: String?
        public var volumeUnits: String?
        public var doseScaling: Double
        /// Pairs of (bin width, volume) as stored.
        public var data: [Double]
        public var minimumDose: Double?
        public var maximumDose: Double?
        public var meanDose: Double?
    }

    public var isGy: Bool { units.uppercased() == "GY" }
    public var maxValue: Double { Double(values.max() ?? 0) }

    public init(grid: Grid3D, values: [Float], units: String = "GY", sopInstanceUID: String, frameOfReferenceUID: String? = nil) {
        self.grid = grid
        self.values = values
        self.units = units
        self.sopInstanceUID = sopInstanceUID
        self.frameOfReferenceUID = frameOfReferenceUID
        self.doseGridScaling = 1
        self.referencedPlanUIDs = []
        self.storedDVHs = []
        self.frameOffsetsWereAbsolute = false
        self.warnings = []
        self.doseType = "PHYSICAL"
        self.summationType = "PLAN"
    }

    /// Reads the grid of an RT Dose. Its size is checked against the Pixel Data present and against
    /// `limits` (`maxPixelDataBytes`, `maxDoseGridVoxels`) before any voxel is allocated.
    public init(file: DICOMFile, limits: ResourceLimits = .default) throws {
        let ds = file.dataSet
        let path = file.path
        guard let sop = file.sopInstanceUID else { throw RTError(.missingAttribute, "RT Dose has no SOP Instance UID", file: path, tag: .sopInstanceUID) }
        self.file = path
        sopInstanceUID = sop
        seriesInstanceUID = ds.string(.seriesInstanceUID)
        frameOfReferenceUID = ds.string(.frameOfReferenceUID)
        units = ds.string(.doseUnits) ?? "GY"
        unitsStated = ds.string(.doseUnits) != nil
        doseType = ds.string(.doseType)
        summationType = ds.string(.doseSummationType)
        doseGridScaling = ds.double(.doseGridScaling) ?? 1
        scalingStated = ds.double(.doseGridScaling) != nil
        let planRefs = ds.sequence(.referencedRTPlanSequence)
        referencedPlanUIDs = planRefs.compactMap { $0.string(.referencedSOPInstanceUID) }
        for r in planRefs {
            for g in r.sequence(.referencedFractionGroupSequence) {
                if let n = g.int(.referencedFractionGroupNumber) { referencedFractionGroupNumbers.append(n) }
                referencedBeamNumbers += g.sequence(.referencedBeamSequence).compactMap { $0.int(.referencedBeamNumber) }
            }
        }
        storedDVHs = ds.sequence(.dvhSequence).map { d in
            StoredDVH(referencedROINumbers: d.sequence(.dvhReferencedROISequence).compactMap { $0.int(.referencedROINumber) },
                      type: d.string(.dvhType), doseUnits: d.string(.doseUnits), volumeUnits: d.string(.dvhVolumeUnits),
                      doseScaling: d.double(.dvhDoseScaling) ?? 1, data: (try? d.decimals(.dvhData)) ?? [],
                      minimumDose: d.double(.dvhMinimumDose), maximumDose: d.double(.dvhMaximumDose), meanDose: d.double(.dvhMeanDose))
        }
        let pixelData: PixelData?
        do { pixelData = try PixelData(ds, transferSyntax: file.transferSyntax, limits: limits) } catch var e as DICOMError {
            e.file = e.file ?? path
            throw e
        }
        guard let pixels = pixelData else {
            throw RTError(.missingAttribute, "RT Dose has no Pixel Data (a DVH-only dose is not a grid)", file: path, tag: .pixelData)
        }
        let ipp = try ds.requireDoubles(.imagePositionPatient, count: 3, file: path, what: "Image Position (Patient)")
        let iop = (try? ds.doubles(.imageOrientationPatient)) ?? []
        let ps = try ds.requireDoubles(.pixelSpacing, count: 2, file: path, what: "Pixel Spacing")
        let rowDir = iop.count >= 6 ? Vec3(iop[0], iop[1], iop[2]).normalized : Vec3(1, 0, 0)
        let colDir = iop.count >= 6 ? Vec3(iop[3], iop[4], iop[5]).normalized : Vec3(0, 1, 0)
        guard abs(rowDir.dot(colDir)) < 1e-3 else {
            throw RTError(.invalidGeometry, "Image Orientation (Patient) is not orthogonal", file: path, tag: .imageOrientationPatient)
        }
        let origin = Vec3(ipp[0], ipp[1], ipp[2])
        var offsets = (try? ds.decimals(.gridFrameOffsetVector)) ?? []
        frameOffsetsWereAbsolute = false
        if pixels.frames == 1 && offsets.isEmpty { offsets = [0] }
        warnings = []
        if !unitsStated { warnings.append("Dose Units (3004,0002) is missing: values shown as GY, but the unit is not known") }
        if !scalingStated { warnings.append("Dose Grid Scaling (3004,000E) is missing: stored values shown unscaled, but the scale is not known") }
        if offsets.count > pixels.frames {
            // Seen in files edited to fewer frames: keep the offsets of the frames present.
            warnings.append("Grid Frame Offset Vector has \(offsets.count) values for \(pixels.frames) frame(s); the first \(pixels.frames) used")
            offsets = Array(offsets.prefix(pixels.frames))
        }
        guard offsets.count == pixels.frames else {
            throw RTError(.invalidGeometry, "Grid Frame Offset Vector has \(offsets.count) values for \(pixels.frames) frames", file: path, tag: .gridFrameOffsetVector)
        }
        if let first = offsets.first, first != 0 {
            // Absolute form (C.8.8.3.2): offsets are coordinates along the normal; allowed only for
            // axial grids, where the normal is ±z. Convert to offsets from the first frame's plane.
            frameOffsetsWereAbsolute = true
            let normal = rowDir.cross(colDir)
            let sign: Double = normal.z < 0 ? -1 : 1
            offsets = offsets.map { ($0 - origin.z) * sign }
        }
        grid = Grid3D(columns: pixels.columns, rows: pixels.rows, origin: origin, rowDirection: rowDir, columnDirection: colDir,
                      spacingI: ps[1], spacingJ: ps[0], frameOffsets: offsets)
        let plane = pixels.rows * pixels.columns
        // Checked before the grid is allocated (PixelData has already compared the declared size with the
        // bytes present); a dose grid is one sample per voxel (PS3.3 C.8.8.3.4.1).
        guard pixels.samplesPerPixel == 1 else {
            throw RTError(.invalidGeometry, "RT Dose has \(pixels.samplesPerPixel) samples per pixel; a dose grid has 1 (PS3.3 C.8.8.3.4.1)", file: path, tag: .samplesPerPixel)
        }
        guard let voxels = ResourceLimits.product(plane, pixels.frames), voxels <= limits.maxDoseGridVoxels else {
            throw RTError(.limitExceeded, "RT Dose grid of \(pixels.columns)x\(pixels.rows)x\(pixels.frames) voxels is above the limit of \(limits.maxDoseGridVoxels) voxels", file: path, tag: .pixelData)
        }
        var values = [Float](repeating: 0, count: voxels)
        let scale = doseGridScaling
        for k in 0..<pixels.frames {
            let stored = try pixels.storedValues(frame: k)
            for i in 0..<plane { values[k * plane + i] = Float(stored[i] * scale) }
        }
        self.values = values
    }

    /// Dose at a patient point by trilinear interpolation of the grid (nil outside it).
    public func dose(at p: Vec3) -> Double? {
        let (fi, fj, fk) = grid.continuousIndex(of: p)
        return trilinear(fi, fj, fk)
    }

    /// Trilinear interpolation at a continuous index; nil outside the grid (a tolerance of 1e-6 voxel at the edges).
    @inlinable public func trilinear(_ fi: Double, _ fj: Double, _ fk: Double) -> Double? {
        let nx = grid.columns, ny = grid.rows, nz = grid.frames
        let eps = 1e-6
        guard fi >= -eps, fj >= -eps, fk >= -eps, fi <= Double(nx - 1) + eps, fj <= Double(ny - 1) + eps, fk <= Double(nz - 1) + eps else { return nil }
        let ci = min(max(fi, 0), Double(nx - 1)), cj = min(max(fj, 0), Double(ny - 1)), ck = min(max(fk, 0), Double(nz - 1))
        let i0 = min(Int(ci), max(nx - 2, 0)), j0 = min(Int(cj), max(ny - 2, 0)), k0 = min(Int(ck), max(nz - 2, 0))
        let i1 = min(i0 + 1, nx - 1), j1 = min(j0 + 1, ny - 1), k1 = min(k0 + 1, nz - 1)
        let ti = ci - Double(i0), tj = cj - Double(j0), tk = ck - Double(k0)
        func v(_ i: Int, _ j: Int, _ k: Int) -> Double { Double(values[i + nx * (j + ny * k)]) }
        let c00 = v(i0, j0, k0) * (1 - ti) + v(i1, j0, k0) * ti
        let c10 = v(i0, j1, k0) * (1 - ti) + v(i1, j1, k0) * ti
        let c01 = v(i0, j0, k1) * (1 - ti) + v(i1, j0, k1) * ti
        let c11 = v(i0, j1, k1) * (1 - ti) + v(i1, j1, k1) * ti
        let c0 = c00 * (1 - tj) + c10 * tj
        let c1 = c01 * (1 - tj) + c11 * tj
        return c0 * (1 - tk) + c1 * tk
    }
}
