import AnchorRT

/// The frame in which contours are rasterised: u and v in the contour planes, w along their normal,
/// all in mm from the dose grid's origin. When the contour planes are parallel to the dose grid's
/// frames (every axial CT and dose grid, whatever the patient position: head or feet first, supine,
/// prone, decubitus) u and v run along the dose grid's rows and columns, w along its normal, and the
/// sample lattice nests inside the dose voxels (`aligned`). Otherwise u and v are any orthonormal pair
/// in the contour planes and every sample is mapped to the grid on its own.
public struct SamplingFrame: Sendable, Equatable {
    /// The dose grid's origin (voxel (0, 0, 0)), mm.
    public var origin: Vec3
    /// Unit vectors of u and v, in the contour planes.
    public var e1: Vec3
    public var e2: Vec3
    /// Unit normal of the contour planes (w).
    public var normal: Vec3
    /// True when e1, e2 and normal are the dose grid's row, column and frame directions.
    public var aligned: Bool

    /// The frame of the dose grid itself.
    public init(grid: Grid3D) {
        origin = grid.origin
        e1 = grid.rowDirection
        e2 = grid.columnDirection
        normal = grid.normal
        aligned = true
    }

    /// A frame for contours on planes with normal `n` (not parallel to the grid's frames).
    public init(grid: Grid3D, contourNormal n: Vec3) {
        origin = grid.origin
        normal = n.normalized
        var a = grid.rowDirection - normal * normal.dot(grid.rowDirection)
        if a.length < 0.1 { a = grid.columnDirection - normal * normal.dot(grid.columnDirection) }
        e1 = a.normalized
        e2 = normal.cross(e1)
        aligned = false
    }

    @inlinable public func coordinates(_ p: Vec3) -> (u: Double, v: Double, w: Double) {
        let d = p - origin
        return (d.dot(e1), d.dot(e2), d.dot(normal))
    }

    @inlinable public func point(u: Double, v: Double, w: Double) -> Vec3 {
        origin + e1 * u + e2 * v + normal * w
    }
}

/// One plane of an ROI's contours and the slab of space it stands for.
public struct ContourPlane: Sendable {
    /// Position of the plane along the frame normal, mm.
    public var w: Double
    /// The slab the plane stands for: from `slabLow` to `slabHigh` along the normal, mm.
    public var slabLow: Double
    public var slabHigh: Double
    /// Polygon vertices in plane coordinates, mm; polygon p is `polygonStarts[p]..<polygonStarts[p + 1]`
    /// (closing edge implied, PS3.3 C.8.8.6.1).
    public var u: [Double]
    public var v: [Double]
    /// Start of each polygon in `u` and `v`, and the end of the last.
    public var polygonStarts: [Int]
    /// Sum of the absolute polygon areas, mm² (an upper bound of the even-odd area).
    public var absoluteAreaMM2: Double
    /// Bounds of the vertices, mm.
    public var uMin: Double, uMax: Double, vMin: Double, vMax: Double
    /// For a derived structure's plane: the operand each polygon belongs to, and the expression that
    /// says which points are inside from each operand's even-odd inside/outside (`StructureExpression`).
    /// Nil for an ordinary plane (every polygon one even-odd set).
    public var polygonOperands: [Int]? = nil
    public var expression: StructureExpression? = nil

    /// Number of polygons on the plane.
    public var polygonCount: Int { polygonStarts.count - 1 }
    /// Thickness of the slab, mm.
    public var thicknessMM: Double { slabHigh - slabLow }

    /// The area enclosed under the even-odd rule when no two polygons cross (each polygon counted with
    /// the sign of its nesting depth's parity), mm².
    public var evenOddAreaMM2: Double {
        var total = 0.0
        for p in 0..<polygonCount {
            let a = abs(polygonArea(p))
            var depth = 0
            let (tu, tv) = (u[polygonStarts[p]], v[polygonStarts[p]])
            for q in 0..<polygonCount where q != p && contains(polygon: q, u: tu, v: tv) { depth += 1 }
            total += depth % 2 == 0 ? a : -a
        }
        return total
    }

    /// Signed shoelace area of polygon p, mm².
    public func polygonArea(_ p: Int) -> Double {
        let s = polygonStarts[p], e = polygonStarts[p + 1]
        var a = 0.0
        var j = e - 1
        for i in s..<e {
            a += (u[j] - u[i]) * (v[j] + v[i])
            j = i
        }
        return a / 2
    }

    func contains(polygon p: Int, u x: Double, v y: Double) -> Bool {
        let s = polygonStarts[p], e = polygonStarts[p + 1]
        var inside = false
        var j = e - 1
        for i in s..<e {
            if (v[i] > y) != (v[j] > y), x < (u[j] - u[i]) * (y - v[i]) / (v[j] - v[i]) + u[i] { inside.toggle() }
            j = i
        }
        return inside
    }
}

/// An ROI's closed planar contours in a sampling frame, grouped by plane, each plane with its slab
/// (the convention of `DVHOptions`).
public struct StructureGeometry: Sendable {
    /// The frame the contours are rasterised in.
    public var frame: SamplingFrame
    /// Planes in increasing w.
    public var planes: [ContourPlane]
    /// The ROI's nominal contour spacing (median distance between consecutive planes), mm.
    public var nominalSpacingMM: Double
    /// How the nominal spacing was found.
    public var spacingSource: String
    /// Things the reader of the result should know (contours ignored, non-planar contours ...).
    public var warnings: [String]

    /// Volume under the slab convention if no polygon had holes, mm³ (used to choose the sampling).
    public var absoluteVolumeMM3: Double { planes.reduce(0) { $0 + $1.absoluteAreaMM2 * $1.thicknessMM } }

    /// Reads the ROI's contours. Throws `noContours`, `noClosedContours` or `emptyVolume`.
    public init(roi: StructureSet.ROI, grid: Grid3D, options: DVHOptions = .default) throws {
        guard !roi.contours.isEmpty else {
            throw DosimetryError(.noContours, "the ROI has no contours", structure: roi.name)
        }
        var warnings: [String] = []
        var closed: [[Vec3]] = []
        var ignored: [String: Int] = [:]
        var unknownTypes = 0
        for c in roi.contours {
            switch c.geometricType {
            case .closedPlanar, .closedPlanarXOR: break
            case .unknown: unknownTypes += 1
            case .point, .openPlanar, .openNonplanar:
                ignored[c.geometricType.rawValue, default: 0] += 1
                continue
            }
            var pts = c.points
            // A closing point repeating the first is implied by the standard; drop it.
            while pts.count > 1, let f = pts.first, let l = pts.last, (f - l).length < 1e-9 { pts.removeLast() }
            if pts.count < 3 { ignored["closed contour of fewer than 3 points", default: 0] += 1; continue }
            closed.append(pts)
        }
        for (type, n) in ignored.sorted(by: { $0.key < $1.key }) { warnings.append("\(n) \(type) contour(s) ignored: they enclose no volume") }
        if unknownTypes > 0 { warnings.append("\(unknownTypes) contour(s) without a Contour Geometric Type read as CLOSED_PLANAR") }
        guard !closed.isEmpty else {
            throw DosimetryError(.noClosedContours, "the ROI has no closed planar contours (\(ignored.map { "\($0.value) \($0.key)" }.sorted().joined(separator: ", ")))", structure: roi.name)
        }

        // Parallel to the grid's frames? Then rasterise in the grid's own frame.
        var frame = SamplingFrame(grid: grid)
        let planarTolerance = 0.01
        if closed.contains(where: { Self.spread($0, along: frame.normal) > planarTolerance }) {
            var n = Vec3.zero
            for pts in closed {
                let c = Self.newellNormal(pts)
                n = n + (n.dot(c) < 0 ? c * -1 : c)
            }
            guard n.length > 0 else {
                throw DosimetryError(.emptyVolume, "the contours enclose no area (every polygon is degenerate)", structure: roi.name)
            }
            n = n.normalized
            // Within 1.4 mrad of the grid's normal (contours a little off their plane, rounded
            // coordinates): still the grid's frame, each contour at its mean position.
            if abs(n.dot(frame.normal)) < 1 - 1e-6 { frame = SamplingFrame(grid: grid, contourNormal: n) }
            let worst = closed.map { Self.spread($0, along: n) }.max() ?? 0
            if worst > 0.5 {
                warnings.append("contours are not planar (up to \(String(format: "%.2f", worst)) mm off their plane); each is projected onto its mean plane")
            }
        }

        // Project and group by plane.
        struct Poly { var w: Double; var u: [Double]; var v: [Double] }
        var polys: [Poly] = closed.map { pts in
            var u = [Double](), v = [Double]()
            u.reserveCapacity(pts.count); v.reserveCapacity(pts.count)
            var w = 0.0
            for p in pts {
                let c = frame.coordinates(p)
                u.append(c.u); v.append(c.v); w += c.w
            }
            return Poly(w: w / Double(pts.count), u: u, v: v)
        }
        polys.sort { $0.w < $1.w }
        var groups: [[Poly]] = []
        for p in polys {
            if let last = groups.last?.last, p.w - last.w <= options.planeToleranceMM { groups[groups.count - 1].append(p) }
            else { groups.append([p]) }
        }
        let ws = groups.map { g in g.reduce(0) { $0 + $1.w } / Double(g.count) }
        let gaps = zip(ws.dropFirst(), ws).map { $0 - $1 }

        // Nominal spacing and slabs.
        let spacing: Double
        let source: String
        if let s = options.contourSpacingMM {
            spacing = s; source = "given"
        } else if !gaps.isEmpty {
            let sorted = gaps.sorted()
            spacing = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
            source = "median distance between the ROI's \(ws.count) planes"
        } else if let s = options.singlePlaneSpacingMM {
            spacing = s; source = "one plane: spacing of the structure set or CT"
        } else {
            let k = grid.spacing.k
            spacing = k > 0 ? k : max(grid.spacingI, grid.spacingJ)
            source = "one plane: dose grid frame spacing"
            warnings.append("drawn on one plane; slab thickness taken from the dose grid frame spacing (\(spacing) mm)")
        }
        guard spacing > 0, spacing.isFinite else {
            throw DosimetryError(.invalidGeometry, "contour spacing \(spacing) mm is not positive", structure: roi.name)
        }
        var separated = 0
        var planes: [ContourPlane] = []
        for (k, g) in groups.enumerated() {
            let below: Double, above: Double
            if k == 0 { below = options.endCap == .halfSpacing ? spacing / 2 : 0 }
            else if gaps[k - 1] <= options.gapFactor * spacing { below = gaps[k - 1] / 2 }
            else { below = spacing / 2; separated += 1 }
            if k == groups.count - 1 { above = options.endCap == .halfSpacing ? spacing / 2 : 0 }
            else if gaps[k] <= options.gapFactor * spacing { above = gaps[k] / 2 }
            else { above = spacing / 2 }
            var u: [Double] = [], v: [Double] = [], starts: [Int] = [0]
            for p in g { u += p.u; v += p.v; starts.append(u.count) }
            var plane = ContourPlane(w: ws[k], slabLow: ws[k] - below, slabHigh: ws[k] + above, u: u, v: v, polygonStarts: starts,
                                     absoluteAreaMM2: 0, uMin: u.min()!, uMax: u.max()!, vMin: v.min()!, vMax: v.max()!)
            plane.absoluteAreaMM2 = (0..<plane.polygonCount).reduce(0) { $0 + abs(plane.polygonArea($1)) }
            planes.append(plane)
        }
        if separated > 0 {
            warnings.append("\(separated) gap(s) wider than \(options.gapFactor)x the contour spacing between planes: treated as gaps in the structure")
        }
        self.frame = frame
        self.planes = planes
        self.nominalSpacingMM = spacing
        self.spacingSource = source
        self.warnings = warnings
        guard absoluteVolumeMM3 > 0 else {
            throw DosimetryError(.emptyVolume, "the contours enclose no area", structure: roi.name)
        }
    }

    static func spread(_ pts: [Vec3], along n: Vec3) -> Double {
        var lo = Double.infinity, hi = -Double.infinity
        for p in pts { let d = p.dot(n); lo = min(lo, d); hi = max(hi, d) }
        return hi - lo
    }

    /// Newell's method: the normal of a planar polygon, robust to collinear vertices.
    static func newellNormal(_ pts: [Vec3]) -> Vec3 {
        var n = Vec3.zero
        for i in pts.indices {
            let a = pts[i], b = pts[(i + 1) % pts.count]
            n = n + Vec3((a.y - b.y) * (a.z + b.z), (a.z - b.z) * (a.x + b.x), (a.x - b.x) * (a.y + b.y))
        }
        return n
    }
}

/// The median distance between consecutive contour planes over all ROIs of a structure set, mm (the
/// spacing given to an ROI drawn on one plane). Nil when no ROI has two planes.
public func medianContourSpacingMM(_ rs: StructureSet, tolerance: Double = 0.05) -> Double? {
    var gaps: [Double] = []
    for roi in rs.rois {
        var zs: [Double] = []
        for c in roi.contours where c.geometricType != .point && c.points.count >= 3 {
            // Position of each contour along its own normal, the normal's sign fixed by its largest
            // component, so contours drawn clockwise and anticlockwise agree.
            var n = StructureGeometry.newellNormal(c.points).normalized
            guard n.length > 0.5 else { continue }
            let big = abs(n.x) >= max(abs(n.y), abs(n.z)) ? n.x : (abs(n.y) >= abs(n.z) ? n.y : n.z)
            if big < 0 { n = n * -1 }
            zs.append(c.points[0].dot(n))
        }
        zs.sort()
        var planes: [Double] = []
        for z in zs where planes.last.map({ z - $0 > tolerance }) ?? true { planes.append(z) }
        gaps += zip(planes.dropFirst(), planes).map { $0 - $1 }
    }
    guard !gaps.isEmpty else { return nil }
    gaps.sort()
    return gaps[gaps.count / 2]
}
