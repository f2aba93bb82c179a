import AnchorRT

/// The common frame in which structures are compared or combined, without any dose grid: u and v in
/// the contour planes, w along their normal, all in mm from the patient origin. The normal is the
/// reference structure's contour normal (Newell's method), its sign chosen so its largest component is
/// positive, so for axial contours w is the patient z coordinate whatever the patient position (head
/// or feet first, supine, prone, decubitus) and for sagittal or coronal contours it is x or y.
///
/// Every structure is read into this frame with the slab convention of `DVHOptions` (each contour
/// plane stands for a slab reaching half-way to its neighbouring planes), through `StructureGeometry`.
public struct ContourFrame: Sendable, Equatable {
    /// A stand-in grid whose frame is the comparison frame (origin at the patient origin, row and
    /// column directions e1 and e2, normal e1 × e2); only its geometry is used.
    public var grid: Grid3D

    /// The frame with unit normal `normal`.
    public init(normal n0: Vec3) {
        let n = n0.normalized
        // e1: the patient axis least aligned with the normal, projected into the plane.
        let axes = [Vec3(1, 0, 0), Vec3(0, 1, 0), Vec3(0, 0, 1)]
        let a = axes.min { abs($0.dot(n)) < abs($1.dot(n)) }!
        let e1 = (a - n * n.dot(a)).normalized
        let e2 = n.cross(e1)
        grid = Grid3D(columns: 2, rows: 2, origin: .zero, rowDirection: e1, columnDirection: e2,
                      spacingI: 1, spacingJ: 1, frameOffsets: [0, 1])
    }

    /// The frame of an ROI's closed contours. Throws `noContours`, `noClosedContours` or `emptyVolume`.
    public init(roi: StructureSet.ROI) throws {
        guard !roi.contours.isEmpty else { throw DosimetryError(.noContours, "the ROI has no contours", structure: roi.name) }
        var n = Vec3.zero
        for c in roi.contours where c.geometricType != .point && c.geometricType != .openPlanar && c.geometricType != .openNonplanar && c.points.count >= 3 {
            let m = StructureGeometry.newellNormal(c.points)
            n = n + (n.dot(m) < 0 ? m * -1 : m)
        }
        guard n.length > 0 else {
            throw DosimetryError(.noClosedContours, "the ROI has no closed planar contour that encloses an area", structure: roi.name)
        }
        n = n.normalized
        let big = abs(n.x) >= max(abs(n.y), abs(n.z)) ? n.x : (abs(n.y) >= abs(n.z) ? n.y : n.z)
        self.init(normal: big < 0 ? n * -1 : n)
    }

    /// Unit normal of the contour planes (w).
    public var normal: Vec3 { grid.normal }

    /// The ROI's contours in this frame, grouped by plane with their slabs (`options` sets the slab
    /// convention; its `singlePlaneSpacingMM` is the thickness of an ROI drawn on one plane).
    /// Throws `invalidGeometry` when the ROI's contours are not on planes parallel to the frame.
    public func geometry(of roi: StructureSet.ROI, options: DVHOptions) throws -> StructureGeometry {
        let g = try StructureGeometry(roi: roi, grid: grid, options: options)
        guard g.frame.aligned else {
            throw DosimetryError(.invalidGeometry, "the contours are not on planes parallel to the reference structure's (normal \(normal)): structures drawn on differently oriented planes cannot be compared plane by plane", structure: roi.name)
        }
        return g
    }
}

/// Rows across contour planes for exact scanline areas: bands of a given height, each split at every
/// vertex of the polygons involved. Between two vertices every polygon edge is a straight line in v,
/// so a polygon's chord length is linear in v across each sub-band and one row at its middle gives its
/// area exactly (the midpoint rule is exact for linear integrands).
struct ScanRows {
    /// v of each row, mm (increasing).
    var v: [Double] = []
    /// Height of the sub-band each row stands for, mm.
    var height: [Double] = []

    /// Bands of height `h` covering [lo, hi] (band edges at multiples of h), split at `breaks`.
    init(from lo: Double, to hi: Double, band h: Double, breaks unsorted: [Double]) {
        guard hi > lo else { return }
        let breaks = unsorted.sorted()
        let first = Int((lo / h).rounded(.down)), last = Int((hi / h).rounded(.down))
        v.reserveCapacity(last - first + 1 + breaks.count)
        height.reserveCapacity(last - first + 1 + breaks.count)
        var b = 0
        for r in first...max(first, last) {
            let bandLo = max(Double(r) * h, lo), bandHi = min(Double(r + 1) * h, hi)
            if bandHi <= bandLo { continue }
            var start = bandLo
            while b < breaks.count && breaks[b] <= bandLo { b += 1 }
            while b < breaks.count && breaks[b] < bandHi {
                let cut = breaks[b]
                b += 1
                if cut - start > 1e-12 * h { v.append((start + cut) / 2); height.append(cut - start); start = cut }
            }
            if bandHi - start > 1e-12 * h { v.append((start + bandHi) / 2); height.append(bandHi - start) }
        }
    }

    var count: Int { v.count }
}

/// The sorted crossings of a plane's polygon edges with each row of a `ScanRows`: the pairs
/// (u[0], u[1]), (u[2], u[3]) ... of a row are its inside intervals under the even-odd rule
/// (PS3.3 C.8.8.6.3), exact along u. An edge crosses the rows with v in [min(va, vb), max(va, vb)).
struct PlaneCrossings {
    var starts: [Int]
    var u: [Double]

    init(plane: ContourPlane, rows: ScanRows) {
        let vs = rows.v, n = vs.count
        @inline(__always) func lowerBound(_ x: Double) -> Int {
            var lo = 0, hi = n
            while lo < hi { let m = (lo + hi) >> 1; if vs[m] < x { lo = m + 1 } else { hi = m } }
            return lo
        }
        var counts = [Int](repeating: 0, count: n + 1)
        var edges: [(r0: Int, r1: Int, ua: Double, va: Double, slope: Double)] = []
        for p in 0..<plane.polygonCount {
            let s = plane.polygonStarts[p], e = plane.polygonStarts[p + 1]
            var j = e - 1
            for i in s..<e {
                let va = plane.v[j], vb = plane.v[i], ua = plane.u[j], ub = plane.u[i]
                j = i
                if va == vb { continue }
                let r0 = lowerBound(min(va, vb)), r1 = lowerBound(max(va, vb))
                if r1 <= r0 { continue }
                counts[r0] += 1; counts[r1] -= 1
                edges.append((r0, r1, ua, va, (ub - ua) / (vb - va)))
            }
        }
        var st = [Int](repeating: 0, count: n + 1)
        var running = 0, total = 0
        for r in 0..<n { running += counts[r]; st[r] = total; total += running }
        st[n] = total
        var fill = st
        var xs = [Double](repeating: 0, count: total)
        for e in edges {
            for r in e.r0..<e.r1 { xs[fill[r]] = e.ua + (vs[r] - e.va) * e.slope; fill[r] += 1 }
        }
        for r in 0..<n where st[r + 1] - st[r] > 1 { xs[st[r]..<st[r + 1]].sort() }
        starts = st
        u = xs
    }

    /// Total inside length of row r, mm.
    @inline(__always) func length(_ r: Int) -> Double {
        var s = 0.0, x = starts[r]
        let e = starts[r + 1]
        while x + 1 < e { s += u[x + 1] - u[x]; x += 2 }
        return s
    }

    /// ∫ u du over the inside intervals of row r, mm².
    @inline(__always) func firstMoment(_ r: Int) -> Double {
        var s = 0.0, x = starts[r]
        let e = starts[r + 1]
        while x + 1 < e { s += 0.5 * (u[x + 1] * u[x + 1] - u[x] * u[x]); x += 2 }
        return s
    }

    /// Length of the intersection of row r's inside intervals with row r of `o`, mm.
    @inline(__always) func intersectionLength(_ r: Int, with o: PlaneCrossings) -> Double {
        var a = starts[r], b = o.starts[r]
        let ae = starts[r + 1], be = o.starts[r + 1]
        var s = 0.0
        while a + 1 < ae && b + 1 < be {
            let lo = max(u[a], o.u[b]), hi = min(u[a + 1], o.u[b + 1])
            if hi > lo { s += hi - lo }
            if u[a + 1] < o.u[b + 1] { a += 2 } else { b += 2 }
        }
        return s
    }
}

extension ContourPlane {
    /// Every vertex's v, mm.
    var vertexBreaks: [Double] { v }

    /// Area (even-odd rule) and first moment ∫u dA, exact for any polygons (crossing or not) up to
    /// rounding: scanlines split at every vertex. ∫v dA from the same rows is off by at most
    /// h³/12 · |dL/dv| per band of height h (the midpoint rule on v·L with L linear).
    func areaAndMoments(band h: Double) -> (area: Double, mu: Double, mv: Double) {
        let rows = ScanRows(from: vMin, to: vMax, band: h, breaks: v)
        let c = PlaneCrossings(plane: self, rows: rows)
        var a = 0.0, mu = 0.0, mv = 0.0
        for r in 0..<rows.count {
            let len = c.length(r)
            a += rows.height[r] * len
            mu += rows.height[r] * c.firstMoment(r)
            mv += rows.height[r] * rows.v[r] * len
        }
        return (a, mu, mv)
    }

    /// A plane whose polygons are this plane's and `o`'s together: under the even-odd rule its inside
    /// is the symmetric difference of the two insides.
    func merged(with o: ContourPlane, at w: Double) -> ContourPlane {
        var p = ContourPlane(w: w, slabLow: w, slabHigh: w, u: u + o.u, v: v + o.v,
                             polygonStarts: polygonStarts + o.polygonStarts.dropFirst().map { $0 + u.count },
                             absoluteAreaMM2: absoluteAreaMM2 + o.absoluteAreaMM2,
                             uMin: min(uMin, o.uMin), uMax: max(uMax, o.uMax), vMin: min(vMin, o.vMin), vMax: max(vMax, o.vMax))
        p.slabLow = w; p.slabHigh = w
        return p
    }

    /// Perimeter of all polygons, mm.
    var perimeterMM: Double {
        var s = 0.0
        for p in 0..<polygonCount {
            let a = polygonStarts[p], e = polygonStarts[p + 1]
            var j = e - 1
            for i in a..<e { s += ((u[i] - u[j]) * (u[i] - u[j]) + (v[i] - v[j]) * (v[i] - v[j])).squareRoot(); j = i }
        }
        return s
    }
}

extension StructureGeometry {
    /// The plane whose slab holds w (slabs are half-open [low, high)), or nil.
    func planeIndex(containing w: Double) -> Int? {
        var lo = 0, hi = planes.count
        while lo < hi { let m = (lo + hi) / 2; if planes[m].slabHigh <= w { lo = m + 1 } else { hi = m } }
        return lo < planes.count && planes[lo].slabLow <= w ? lo : nil
    }

    /// The plane drawn at w (within `tolerance`), or nil.
    func planeIndex(at w: Double, tolerance: Double) -> Int? {
        var best: Int? = nil, bestD = tolerance
        var lo = 0, hi = planes.count
        while lo < hi { let m = (lo + hi) / 2; if planes[m].w < w { lo = m + 1 } else { hi = m } }
        for k in [lo - 1, lo] where k >= 0 && k < planes.count {
            let d = abs(planes[k].w - w)
            if d <= bestD { bestD = d; best = k }
        }
        return best
    }
}
