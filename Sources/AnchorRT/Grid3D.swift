/// A regular 3D grid in patient coordinates: the geometry of an image series or a dose grid
/// (PS3.3 C.7.6.2 Image Plane, C.8.8.3 RT Dose). Voxel (i, j, k) is column i, row j, frame k; its centre is
/// `origin + rowDirection·i·spacingI + columnDirection·j·spacingJ + normal·frameOffsets[k]`.
public struct Grid3D: Sendable, Equatable {
    public var columns: Int
    public var rows: Int
    public var frames: Int
    /// Centre of voxel (0, 0, 0) (Image Position (Patient) of the first frame), mm.
    public var origin: Vec3
    /// Direction of increasing column index (first triplet of Image Orientation (Patient)).
    public var rowDirection: Vec3
    /// Direction of increasing row index (second triplet).
    public var columnDirection: Vec3
    /// Distance between adjacent columns (second value of Pixel Spacing), mm.
    public var spacingI: Double
    /// Distance between adjacent rows (first value of Pixel Spacing), mm.
    public var spacingJ: Double
    /// Position of each frame along `normal`, relative to `origin`, mm (monotonic).
    public var frameOffsets: [Double]

    public init(columns: Int, rows: Int, origin: Vec3, rowDirection: Vec3 = Vec3(1, 0, 0), columnDirection: Vec3 = Vec3(0, 1, 0),
                spacingI: Double, spacingJ: Double, frameOffsets: [Double]) {
        self.columns = columns
        self.rows = rows
        self.frames = frameOffsets.count
        self.origin = origin
        self.rowDirection = rowDirection
        self.columnDirection = columnDirection
        self.spacingI = spacingI
        self.spacingJ = spacingJ
        self.frameOffsets = frameOffsets
    }

    /// rowDirection × columnDirection: the slice normal.
    public var normal: Vec3 { rowDirection.cross(columnDirection) }
    public var voxelCount: Int { columns * rows * frames }

    /// Spacing between frames when it is uniform (within 0.001 mm), else nil.
    public var uniformFrameSpacing: Double? {
        guard frames > 1 else { return nil }
        let d = frameOffsets[1] - frameOffsets[0]
        for k in 1..<frames where abs((frameOffsets[k] - frameOffsets[k - 1]) - d) > 1e-3 { return nil }
        return abs(d)
    }

    /// Spacing along i, j, k; k is the mean frame spacing (0 for one frame).
    public var spacing: (i: Double, j: Double, k: Double) {
        let k = frames > 1 ? abs(frameOffsets[frames - 1] - frameOffsets[0]) / Double(frames - 1) : 0
        return (spacingI, spacingJ, k)
    }

    @inlinable public func index(_ i: Int, _ j: Int, _ k: Int) -> Int { i + columns * (j + rows * k) }

    public func position(_ i: Double, _ j: Double, _ k: Int) -> Vec3 {
        origin + rowDirection * (i * spacingI) + columnDirection * (j * spacingJ) + normal * frameOffsets[k]
    }

    public func position(_ i: Int, _ j: Int, _ k: Int) -> Vec3 { position(Double(i), Double(j), k) }

    /// Continuous (i, j, k) of a patient point; k interpolated between frame offsets (may be outside 0..<frames).
    public func continuousIndex(of p: Vec3) -> (i: Double, j: Double, k: Double) {
        let d = p - origin
        return (d.dot(rowDirection) / spacingI, d.dot(columnDirection) / spacingJ, frameIndex(atOffset: d.dot(normal)))
    }

    /// Continuous frame index of a position along the normal.
    public func frameIndex(atOffset s: Double) -> Double {
        guard frames > 1 else {
            // One frame: only points on its plane (within 1 µm) are inside.
            guard frames == 1 else { return .nan }
            let d = s - frameOffsets[0]
            return abs(d) < 1e-3 ? 0 : (d > 0 ? .infinity : -.infinity)
        }
        let ascending = frameOffsets[frames - 1] >= frameOffsets[0]
        // Binary search for the bracketing frames (offsets are monotonic).
        var lo = 0, hi = frames - 1
        func key(_ k: Int) -> Double { ascending ? frameOffsets[k] : -frameOffsets[k] }
        let t = ascending ? s : -s
        if t <= key(0) { return (t - key(0)) / max(key(1) - key(0), 1e-12) }
        if t >= key(hi) { return Double(hi) + (t - key(hi)) / max(key(hi) - key(hi - 1), 1e-12) }
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if key(mid) <= t { lo = mid } else { hi = mid }
        }
        return Double(lo) + (t - key(lo)) / max(key(hi) - key(lo), 1e-12)
    }

    /// Axis-aligned bounds of the voxel centres, mm.
    public var bounds: (min: Vec3, max: Vec3) {
        var lo = Vec3(.infinity, .infinity, .infinity), hi = Vec3(-.infinity, -.infinity, -.infinity)
        for i in [0, columns - 1] { for j in [0, rows - 1] { for k in [0, frames - 1] {
            let p = position(i, j, k)
            lo = Vec3(min(lo.x, p.x), min(lo.y, p.y), min(lo.z, p.z))
            hi = Vec3(max(hi.x, p.x), max(hi.y, p.y), max(hi.z, p.z))
        } } }
        return (lo, hi)
    }
}
