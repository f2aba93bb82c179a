import AnchorRT

/// The three review planes of the image viewer.
public enum ViewPlane: String, CaseIterable, Sendable {
    case axial, sagittal, coronal
}

/// How one axis of a view walks one axis of the CT grid: view index t covers grid axis `gridAxis`
/// (0 = columns i, 1 = rows j, 2 = frames k), possibly reversed, and, along frames that are unevenly
/// spaced, resampled at an even step so that every view is an affine image of patient space.
public struct AxisSampling: Sendable {
    /// 0 = i (columns), 1 = j (rows), 2 = k (frames).
    public var gridAxis: Int
    /// Number of view indices.
    public var count: Int
    /// Patient direction of the grid axis (row direction, column direction or slice normal).
    public var direction: Vec3
    /// Position along `direction` of view index 0, mm from the grid origin, and its step per index, mm
    /// (negative when the view runs against the grid axis).
    public var baseMM: Double
    public var stepMM: Double
    /// Per view index: the grid index below and above, and the weight of the one above (0 unless the
    /// frames are resampled between two CT slices).
    public var lower: [Int]
    public var upper: [Int]
    public var weight: [Float]

    /// Displacement from the grid origin of view index t, mm.
    public func displacement(_ t: Double) -> Vec3 { direction * (baseMM + stepMM * t) }
}

/// One view plane of the CT grid: columns run along one grid axis, rows along another, slices along
/// the third. Orientation follows the radiological convention whatever the acquisition: axial with the
/// patient's right on the left of the screen and anterior up; coronal with the right on the left and
/// superior up; sagittal with anterior on the left and superior up (IEC 61217 patient axes, DICOM LPS
/// coordinates, PS3.3 C.7.6.2.1.1). Voxel (c, r, s) of the view is at `origin + c·columnVector +
/// r·rowVector + s·sliceVector` in patient coordinates.
public struct ViewGeometry: Sendable {
    public var plane: ViewPlane
    public var column: AxisSampling
    public var row: AxisSampling
    public var slice: AxisSampling
    /// Patient position of pixel (0, 0) of slice 0, mm.
    public var origin: Vec3
    /// mm per column, per row and per slice (mutually orthogonal).
    public var columnVector: Vec3
    public var rowVector: Vec3
    public var sliceVector: Vec3

    public var width: Int { column.count }
    public var height: Int { row.count }
    public var count: Int { slice.count }

    public func patient(_ c: Double, _ r: Double, _ s: Double) -> Vec3 {
        origin + columnVector * c + rowVector * r + sliceVector * s
    }

    /// Continuous (column, row, slice) of a patient point.
    public func pixel(of p: Vec3) -> (c: Double, r: Double, s: Double) {
        let d = p - origin
        return (d.dot(columnVector) / columnVector.dot(columnVector), d.dot(rowVector) / rowVector.dot(rowVector),
                d.dot(sliceVector) / sliceVector.dot(sliceVector))
    }

    /// Screen-edge letters (L, R, A, P, S, I) of the direction each edge points to.
    public var edgeLabels: (left: String, right: String, top: String, bottom: String) {
        (Self.letter(columnVector * -1), Self.letter(columnVector), Self.letter(rowVector * -1), Self.letter(rowVector))
    }

    public static func letter(_ d: Vec3) -> String {
        let ax = abs(d.x), ay = abs(d.y), az = abs(d.z)
        if ax >= ay && ax >= az { return d.x >= 0 ? "L" : "R" }
        if ay >= az { return d.y >= 0 ? "P" : "A" }
        return d.z >= 0 ? "S" : "I"
    }

    /// The three views of a CT grid.
    public static func views(of grid: Grid3D) -> [ViewPlane: ViewGeometry] {
        // Which patient axis (0 x, 1 y, 2 z) each grid axis runs along, greedily by the largest direction
        // cosine, so an oblique or decubitus series still gets three distinct views.
        let dirs = [grid.rowDirection, grid.columnDirection, grid.normal]
        var patientAxis = [Int](repeating: -1, count: 3)
        var usedPatient = Set<Int>()
        for _ in 0..<3 {
            var best = (a: -1, p: -1, v: -1.0)
            for a in 0..<3 where patientAxis[a] < 0 {
                let comps = [dirs[a].x, dirs[a].y, dirs[a].z]
                for p in 0..<3 where !usedPatient.contains(p) && abs(comps[p]) > best.v { best = (a, p, abs(comps[p])) }
            }
            patientAxis[best.a] = best.p
            usedPatient.insert(best.p)
        }
        func gridAxis(along p: Int) -> Int { patientAxis.firstIndex(of: p)! }
        // (column axis, sign), (row axis, sign), (slice axis, sign) as patient axes: + means the view
        // index grows toward +x (left), +y (posterior) or +z (superior).
        let layouts: [ViewPlane: [(Int, Double)]] = [
            .axial: [(0, 1), (1, 1), (2, 1)],
            .coronal: [(0, 1), (2, -1), (1, 1)],
            .sagittal: [(1, 1), (2, -1), (0, 1)],
        ]
        var out: [ViewPlane: ViewGeometry] = [:]
        for (plane, layout) in layouts {
            let axes = layout.map { p, sign -> AxisSampling in
                let a = gridAxis(along: p)
                let comps = [dirs[a].x, dirs[a].y, dirs[a].z]
                return sampling(grid: grid, axis: a, reversed: comps[p] * sign < 0)
            }
            let o = grid.origin + axes[0].displacement(0) + axes[1].displacement(0) + axes[2].displacement(0)
            out[plane] = ViewGeometry(plane: plane, column: axes[0], row: axes[1], slice: axes[2], origin: o,
                                      columnVector: axes[0].direction * axes[0].stepMM, rowVector: axes[1].direction * axes[1].stepMM,
                                      sliceVector: axes[2].direction * axes[2].stepMM)
        }
        return out
    }

    /// The sampling of one grid axis, `reversed` meaning against the axis direction (row direction,
    /// column direction, or slice normal). Frames are taken as they are when evenly spaced (within
    /// 0.001 mm); otherwise at the smallest gap between frames, interpolating linearly between the two
    /// frames around each position.
    public static func sampling(grid: Grid3D, axis: Int, reversed: Bool) -> AxisSampling {
        var lower: [Int] = [], upper: [Int] = [], weight: [Float] = []
        if axis < 2 {
            let n = axis == 0 ? grid.columns : grid.rows
            let spacing = axis == 0 ? grid.spacingI : grid.spacingJ
            for t in 0..<n { let g = reversed ? n - 1 - t : t; lower.append(g); upper.append(g); weight.append(0) }
            return AxisSampling(gridAxis: axis, count: n, direction: axis == 0 ? grid.rowDirection : grid.columnDirection,
                                baseMM: reversed ? spacing * Double(n - 1) : 0, stepMM: reversed ? -spacing : spacing,
                                lower: lower, upper: upper, weight: weight)
        }
        let o = grid.frameOffsets
        let normal = grid.normal
        guard grid.frames > 1 else {
            let s = max(grid.spacingI, grid.spacingJ)
            return AxisSampling(gridAxis: 2, count: 1, direction: normal, baseMM: o.first ?? 0, stepMM: reversed ? -s : s,
                                lower: [0], upper: [0], weight: [0])
        }
        let ascending = o[o.count - 1] >= o[0]
        let lo = min(o[0], o[o.count - 1]), hi = max(o[0], o[o.count - 1])
        let n: Int
        if grid.uniformFrameSpacing != nil {
            n = grid.frames
            // View index t walks the frames in increasing offset (or decreasing when reversed).
            for t in 0..<n {
                let up = ascending != reversed
                let g = up ? t : n - 1 - t
                lower.append(g); upper.append(g); weight.append(0)
            }
        } else {
            let gap = zip(o.dropFirst(), o).map { abs($0 - $1) }.filter { $0 > 1e-3 }.min() ?? (hi - lo)
            n = Int(((hi - lo) / gap - 1e-6).rounded(.up)) + 1
            let step = (hi - lo) / Double(n - 1)
            for t in 0..<n {
                let offset = reversed ? hi - step * Double(t) : lo + step * Double(t)
                let k = min(max(grid.frameIndex(atOffset: offset), 0), Double(grid.frames - 1))
                let k0 = min(Int(k), grid.frames - 2)
                lower.append(k0); upper.append(k0 + 1); weight.append(Float(k - Double(k0)))
            }
        }
        let step = (hi - lo) / Double(n - 1)
        return AxisSampling(gridAxis: 2, count: n, direction: normal, baseMM: reversed ? hi : lo, stepMM: reversed ? -step : step,
                            lower: lower, upper: upper, weight: weight)
    }
}
