import AnchorDICOM
import Foundation

/// One slice of an image series, with what is needed to place it (PS3.3 C.7.6.2 Image Plane Module).
public struct ImageSlice: Sendable {
    public var file: String?
    public var sopInstanceUID: String
    public var sopClassUID: String
    public var seriesInstanceUID: String
    public var frameOfReferenceUID: String?
    public var modality: String?
    public var rows: Int
    public var columns: Int
    public var position: Vec3
    public var rowDirection: Vec3
    public var columnDirection: Vec3
    /// (row spacing, column spacing) as in Pixel Spacing (0028,0030), mm.
    public var pixelSpacing: (row: Double, column: Double)
    public var rescaleSlope: Double
    public var rescaleIntercept: Double
    public var instanceNumber: Int?
    public var pixels: PixelData?

    /// Reads the geometry of one image; its Pixel Data's declared size is checked against `limits`.
    public init(file: DICOMFile, limits: ResourceLimits = .default) throws {
        let ds = file.dataSet
        let path = file.path
        guard let sop = file.sopInstanceUID else { throw RTError(.missingAttribute, "image has no SOP Instance UID", file: path, tag: .sopInstanceUID) }
        self.file = path
        sopInstanceUID = sop
        sopClassUID = file.sopClassUID ?? ""
        seriesInstanceUID = ds.string(.seriesInstanceUID) ?? ""
        frameOfReferenceUID = ds.string(.frameOfReferenceUID)
        modality = ds.string(.modality)
        rows = ds.int(.rows) ?? 0
        columns = ds.int(.columns) ?? 0
        let ipp = try ds.requireDoubles(.imagePositionPatient, count: 3, file: path, what: "Image Position (Patient)")
        let iop = try ds.requireDoubles(.imageOrientationPatient, count: 6, file: path, what: "Image Orientation (Patient)")
        let ps = try ds.requireDoubles(.pixelSpacing, count: 2, file: path, what: "Pixel Spacing")
        position = Vec3(ipp[0], ipp[1], ipp[2])
        rowDirection = Vec3(iop[0], iop[1], iop[2]).normalized
        columnDirection = Vec3(iop[3], iop[4], iop[5]).normalized
        guard abs(rowDirection.dot(columnDirection)) < 1e-3, rowDirection.length > 0.5, columnDirection.length > 0.5 else {
            throw RTError(.invalidGeometry, "Image Orientation (Patient) direction cosines are not orthogonal unit vectors", file: path, tag: .imageOrientationPatient)
        }
        guard ps[0] > 0, ps[1] > 0 else {
            throw RTError(.invalidGeometry, "Pixel Spacing must be positive", file: path, tag: .pixelSpacing)
        }
        pixelSpacing = (ps[0], ps[1])
        rescaleSlope = ds.double(.rescaleSlope) ?? 1
        rescaleIntercept = ds.double(.rescaleIntercept) ?? 0
        instanceNumber = ds.int(.instanceNumber)
        do { pixels = try PixelData(ds, transferSyntax: file.transferSyntax, limits: limits) } catch var e as DICOMError {
            e.file = e.file ?? path
            throw e
        }
    }

    public var normal: Vec3 { rowDirection.cross(columnDirection) }
}

/// An image series stacked into a volume in patient coordinates (any slice order in the files, any
/// orientation). Slices are ordered by their position along the normal (PS3.3 C.7.6.2.1.1); uneven
/// spacing and duplicates are reported, not hidden.
public struct ImageSeries: Sendable {
    public var seriesInstanceUID: String
    public var frameOfReferenceUID: String?
    public var modality: String?
    /// Slices in order of increasing position along the normal.
    public var slices: [ImageSlice]
    public var grid: Grid3D
    /// What is odd about the series: uneven spacing, duplicate positions, missing pixel data.
    public var problems: [String]

    public var files: [String] { slices.compactMap(\.file) }
    public var sopInstanceUIDs: Set<String> { Set(slices.map(\.sopInstanceUID)) }

    /// Sorts and checks the slices of one series.
    public init(slices unsorted: [ImageSlice]) throws {
        guard let first = unsorted.first else { throw RTError(.inconsistentSeries, "an image series needs at least one slice") }
        seriesInstanceUID = first.seriesInstanceUID
        frameOfReferenceUID = first.frameOfReferenceUID
        modality = first.modality
        problems = []
        let normal = first.normal
        for s in unsorted {
            guard s.rows == first.rows, s.columns == first.columns else {
                throw RTError(.inconsistentSeries, "slice is \(s.columns)x\(s.rows), the series is \(first.columns)x\(first.rows)", file: s.file)
            }
            guard (s.rowDirection - first.rowDirection).length < 1e-3, (s.columnDirection - first.columnDirection).length < 1e-3 else {
                throw RTError(.inconsistentSeries, "slice orientation differs from the rest of the series", file: s.file, tag: .imageOrientationPatient)
            }
            if abs(s.pixelSpacing.row - first.pixelSpacing.row) > 1e-4 || abs(s.pixelSpacing.column - first.pixelSpacing.column) > 1e-4 {
                throw RTError(.inconsistentSeries, "slice pixel spacing differs from the rest of the series", file: s.file, tag: .pixelSpacing)
            }
            if s.pixels == nil { problems.append("\(s.file ?? s.sopInstanceUID): no pixel data") }
        }
        slices = unsorted.sorted { $0.position.dot(normal) < $1.position.dot(normal) }
        let base = slices[0].position.dot(normal)
        let offsets = slices.map { $0.position.dot(normal) - base }
        // In-plane drift of the slice origins (a tilted gantry): reported, positions still used along the normal.
        for s in slices {
            let d = s.position - slices[0].position
            let inPlane = d - normal * d.dot(normal)
            if inPlane.length > 0.01 {
                problems.append("slice origins are not on a line along the normal (gantry tilt or shear): \(String(format: "%.2f", inPlane.length)) mm off")
                break
            }
        }
        for k in 1..<max(1, offsets.count) where abs(offsets[k] - offsets[k - 1]) < 1e-3 {
            problems.append("two slices at the same position \(String(format: "%.3f", offsets[k] + base)) mm")
        }
        grid = Grid3D(columns: first.columns, rows: first.rows, origin: slices[0].position, rowDirection: first.rowDirection,
                      columnDirection: first.columnDirection, spacingI: first.pixelSpacing.column, spacingJ: first.pixelSpacing.row,
                      frameOffsets: offsets)
        if offsets.count > 2, grid.uniformFrameSpacing == nil {
            let gaps = zip(offsets.dropFirst(), offsets).map { $0 - $1 }
            problems.append("uneven slice spacing: from \(String(format: "%.3f", gaps.min()!)) to \(String(format: "%.3f", gaps.max()!)) mm")
        }
    }

    /// Spacing between slices when uniform.
    public var sliceSpacing: Double? { grid.uniformFrameSpacing }
}

/// Voxel values of an image series: stored values times Rescale Slope plus Rescale Intercept
/// (PS3.3 C.11.1.1.2; Hounsfield units for CT), as Float (half the memory traffic of Double, exact for
/// every 16-bit stored value).
public struct ImageVolume: Sendable {
    public var grid: Grid3D
    public var voxels: [Float]
    /// Smallest and largest stored value over the whole series (before rescale).
    public var minStoredValue: Double
    public var maxStoredValue: Double

    /// Decodes every slice's pixels into one volume; slices are decoded in parallel. The volume's size
    /// is checked against `limits.maxVolumeVoxels` before it is allocated.
    public init(series: ImageSeries, limits: ResourceLimits = .default) throws {
        grid = series.grid
        let plane = grid.columns * grid.rows
        let slices = series.slices
        guard let total = ResourceLimits.product(plane, slices.count), total <= limits.maxVolumeVoxels else {
            throw RTError(.limitExceeded, "image volume of \(grid.columns)x\(grid.rows)x\(slices.count) voxels is above the limit of \(limits.maxVolumeVoxels) voxels",
                          file: slices.first?.file)
        }
        var mins = [Double](repeating: .infinity, count: slices.count)
        var maxs = [Double](repeating: -.infinity, count: slices.count)
        let errors = ErrorBox()
        // Uninitialised capacity: zero-filling 314 MB first took 117 of the 187 ms of reading a
        // 300-slice 512x512 series (bench/read-series/run.sh, kernel page faults on a single thread);
        // every slice's range is written below, by its decode or with zeros.
        let voxels = [Float](unsafeUninitializedCapacity: plane * slices.count) { vp, count in
            mins.withUnsafeMutableBufferPointer { mp in
                maxs.withUnsafeMutableBufferPointer { xp in
                    nonisolated(unsafe) let v = vp, mn = mp, mx = xp
                    DispatchQueue.concurrentPerform(iterations: slices.count) { k in
                        let out = UnsafeMutableBufferPointer(rebasing: v[(k * plane)..<((k + 1) * plane)])
                        do {
                            guard let px = slices[k].pixels else { out.initialize(repeating: 0); return }
                            let r = try decodeSlice(px, slope: slices[k].rescaleSlope, intercept: slices[k].rescaleIntercept, into: out)
                            mn[k] = r.min; mx[k] = r.max
                        } catch var e as DICOMError {
                            // Name the slice's file: a series has hundreds, and a decode error alone does not.
                            out.initialize(repeating: 0)
                            e.file = e.file ?? slices[k].file
                            errors.set(e)
                        } catch {
                            out.initialize(repeating: 0)
                            errors.set(error)
                        }
                    }
                }
            }
            count = plane * slices.count
        }
        if let e = errors.error { throw e }
        self.voxels = voxels
        minStoredValue = mins.min() ?? 0
        maxStoredValue = maxs.max() ?? 0
    }
}

final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var error: Error?
    func set(_ e: Error) { lock.lock(); if error == nil { error = e }; lock.unlock() }
}

/// Decodes one frame into Float voxels; the 16-bit native case (every CT here) runs without per-pixel
/// branching so it vectorises.
func decodeSlice(_ px: PixelData, slope: Double, intercept: Double, into out: UnsafeMutableBufferPointer<Float>) throws -> (min: Double, max: Double) {
    let n = px.rows * px.columns
    guard out.count == n, px.samplesPerPixel == 1 else {
        throw RTError(.unsupported, "image slices must be single-sample \(out.count) pixels; got \(px.samplesPerPixel) samples of \(n)")
    }
    let s = Float(slope), b = Float(intercept)
    // Decoded encapsulated frames (RLE, JPEG family) are little endian too, so they take this path.
    if px.bitsAllocated == 16 && (1...16).contains(px.bitsStored) && (px.isEncapsulated || px.isLittleEndianData) {
        // Bits Stored below 16 (12-bit CT is common): mask, and sign-extend from the stored high bit
        // (PS3.5 8.1.1), in the same branch-free loop. Unsigned values use the mask only.
        let raw = try px.frameBytes(0)
        let shift = UInt16(16 - px.bitsStored)
        let mask: UInt16 = px.bitsStored == 16 ? 0xFFFF : (1 << UInt16(px.bitsStored)) - 1
        var lo: Int32 = .max, hi: Int32 = .min
        raw.withUnsafeBytes { p in
            if px.pixelRepresentation == 1 {
                for i in 0..<n {
                    let u = p.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
                    let v = Int32(Int16(bitPattern: u &<< shift) &>> Int16(shift))
                    lo = min(lo, v); hi = max(hi, v); out[i] = Float(v) * s + b
                }
            } else {
                for i in 0..<n {
                    let v = Int32(p.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self) & mask)
                    lo = min(lo, v); hi = max(hi, v); out[i] = Float(v) * s + b
                }
            }
        }
        return (Double(lo), Double(hi))
    }
    let values = try px.storedValues(frame: 0)
    var lo = Double.infinity, hi = -Double.infinity
    for i in 0..<n {
        lo = min(lo, values[i]); hi = max(hi, values[i])
        out[i] = Float(values[i] * slope + intercept)
    }
    return (lo, hi)
}
