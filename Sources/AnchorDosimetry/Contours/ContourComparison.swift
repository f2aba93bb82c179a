import AnchorRT
import Foundation

/// The parameters of a contour comparison, in one documented value.
///
/// Geometry: each structure is the solid of the slab convention (`DVHOptions`, `geometry`): every
/// contour plane stands for a slab reaching half-way to its neighbouring planes. Volumes and overlaps
/// are of those solids; surfaces are their exact boundaries (`SlabSurface`).
public struct ContourComparisonOptions: Sendable, Equatable {
    /// Distance tolerance τ of the surface Dice (Nikolov et al. 2018) and of the added path length
    /// (Vaassen et al. 2020), mm. Default 2 mm.
    public var toleranceMM: Double = 2
    /// Largest side of a surface sample patch and height of the scanline bands, mm. Every directed
    /// surface distance is within h/√2 of the exact one on the slab surface (the half-diagonal of a
    /// patch; distance to a surface changes by at most the distance moved). Default 0.25 mm.
    public var surfaceSpacingMM: Double = 0.25
    /// The slab convention (end caps, gaps, plane tolerance, the thickness of one-plane structures).
    public var geometry: DVHOptions = .default
    /// Compute distances on all cores.
    public var parallel: Bool = true

    /// The defaults.
    public init() {}

    /// Throws `invalidGeometry` for a tolerance or spacing that is not a positive finite number.
    public func validate() throws {
        guard toleranceMM.isFinite, toleranceMM >= 0 else { throw DosimetryError(.invalidGeometry, "the tolerance must be 0 mm or more, not \(toleranceMM)") }
        guard surfaceSpacingMM.isFinite, surfaceSpacingMM >= 0.01, surfaceSpacingMM <= 10 else {
            throw DosimetryError(.invalidGeometry, "the surface sample spacing must be between 0.01 and 10 mm, not \(surfaceSpacingMM)")
        }
    }

    /// Bound on the error of every surface distance (Hausdorff, HD95, mean surface distance), mm:
    /// half the diagonal of a sample patch.
    public var distanceErrorBoundMM: Double { surfaceSpacingMM / 2.squareRoot() }
}

/// How two delineations of one structure compare: overlap, distances, surface Dice, added path length
/// and per-slice Dice. Volumes in cc, distances in mm, all in patient coordinates.
public struct ContourComparison: Sendable {
    /// One slice (a plane where either structure has a contour).
    public struct Slice: Sendable {
        /// Position along the contour normal, mm (the patient z of axial contours).
        public var zMM: Double
        /// 2|R ∩ T| / (|R| + |T|) of the cross-sections at this plane (0 when one is absent).
        public var dice: Double
        /// Cross-section areas, mm².
        public var areaReferenceMM2: Double
        public var areaTestMM2: Double
        /// Added path length on this slice, mm.
        public var aplMM: Double
    }

    public var referenceName: String
    public var testName: String
    public var volumeReferenceCC: Double
    public var volumeTestCC: Double
    public var volumeIntersectionCC: Double
    /// Volume-weighted centroids, patient coordinates (mm).
    public var centroidReference: Vec3
    public var centroidTest: Vec3
    /// Directed Hausdorff distances (maximum of the distances from one surface to the other), mm.
    public var hausdorffReferenceToTestMM: Double
    public var hausdorffTestToReferenceMM: Double
    /// Directed 95th percentiles of the surface distances, each point weighted by its area, mm.
    public var hd95ReferenceToTestMM: Double
    public var hd95TestToReferenceMM: Double
    /// 95th percentile of both directions' distances pooled (area-weighted), mm.
    public var hd95PooledMM: Double
    /// Area-weighted mean distances from one surface to the other, mm.
    public var msdReferenceToTestMM: Double
    public var msdTestToReferenceMM: Double
    /// Surface Dice at `toleranceMM` (Nikolov et al. 2018): the area of both surfaces within τ of the
    /// other, over the area of both.
    public var surfaceDice: Double
    public var toleranceMM: Double
    /// Surface areas, mm².
    public var surfaceAreaReferenceMM2: Double
    public var surfaceAreaTestMM2: Double
    /// Added path length (Vaassen et al. 2020), mm: per slice, the length of the reference contour
    /// farther than τ from the test contour; the whole reference contour on slices the test lacks, and
    /// the whole test contour on slices the reference lacks.
    public var aplMM: Double
    public var slices: [Slice]
    /// Surface samples used (reference, test).
    public var sampleCounts: (reference: Int, test: Int)
    /// Notes on the geometry of either structure.
    public var warnings: [String]

    /// 2|R ∩ T| / (|R| + |T|).
    public var dice: Double { 2 * volumeIntersectionCC / (volumeReferenceCC + volumeTestCC) }
    /// |R ∩ T| / |R ∪ T|.
    public var jaccard: Double { volumeIntersectionCC / (volumeReferenceCC + volumeTestCC - volumeIntersectionCC) }
    /// |T| / |R|.
    public var volumeRatio: Double { volumeTestCC / volumeReferenceCC }
    /// Test volume outside the reference, cc.
    public var falsePositiveCC: Double { max(volumeTestCC - volumeIntersectionCC, 0) }
    /// Reference volume outside the test, cc.
    public var falseNegativeCC: Double { max(volumeReferenceCC - volumeIntersectionCC, 0) }
    /// Test centroid minus reference centroid, mm.
    public var centroidVectorMM: Vec3 { centroidTest - centroidReference }
    public var centroidDistanceMM: Double { centroidVectorMM.length }
    /// Hausdorff distance: the larger directed one, mm.
    public var hausdorffMM: Double { max(hausdorffReferenceToTestMM, hausdorffTestToReferenceMM) }
    /// HD95 as the surface-distance library defines it: the larger of the two directed, area-weighted
    /// 95th percentiles, mm.
    public var hd95MM: Double { max(hd95ReferenceToTestMM, hd95TestToReferenceMM) }
    /// Symmetric mean surface distance: the mean of the two directed means, mm.
    public var msdMM: Double { (msdReferenceToTestMM + msdTestToReferenceMM) / 2 }
}

/// Compares two delineations of a structure (`ContourComparison`).
public enum ContourComparator {
    /// Compares two ROIs in the frame of the reference's contour planes. Throws when either has no
    /// closed contours or encloses no area, or when the test's planes are not parallel to the reference's.
    public static func compare(reference: StructureSet.ROI, test: StructureSet.ROI, options: ContourComparisonOptions = .init()) throws -> ContourComparison {
        try options.validate()
        let frame = try ContourFrame(roi: reference)
        let r = try frame.geometry(of: reference, options: options.geometry)
        let t = try frame.geometry(of: test, options: options.geometry)
        return compare(reference: r, test: t, referenceName: reference.name, testName: test.name, options: options)
    }

    /// Compares two structures already read into one frame (`ContourFrame.geometry(of:options:)`).
    public static func compare(reference a: StructureGeometry, test b: StructureGeometry, referenceName: String, testName: String,
                               options: ContourComparisonOptions = .init()) -> ContourComparison {
        let h = options.surfaceSpacingMM
        let tau = options.toleranceMM
        // Per-plane areas and moments.
        let ma = a.planes.map { $0.areaAndMoments(band: h) }
        let mb = b.planes.map { $0.areaAndMoments(band: h) }
        func volume(_ g: StructureGeometry, _ m: [(area: Double, mu: Double, mv: Double)]) -> (Double, Vec3) {
            var v = 0.0, su = 0.0, sv = 0.0, sw = 0.0
            for (k, p) in g.planes.enumerated() {
                let t = p.thicknessMM
                v += m[k].area * t; su += m[k].mu * t; sv += m[k].mv * t; sw += m[k].area * t * 0.5 * (p.slabLow + p.slabHigh)
            }
            return (v, v > 0 ? g.frame.point(u: su / v, v: sv / v, w: sw / v) : .zero)
        }
        let (va, ca) = volume(a, ma)
        let (vb, cb) = volume(b, mb)

        // Intersection: the slabs' faces cut w into pieces over which both cross-sections are fixed.
        var interCache: [Int: Double] = [:]
        func intersection(_ ka: Int, _ kb: Int) -> Double {
            let key = ka * b.planes.count + kb
            if let c = interCache[key] { return c }
            let pa = a.planes[ka], pb = b.planes[kb]
            var s = 0.0
            let vLo = max(pa.vMin, pb.vMin), vHi = min(pa.vMax, pb.vMax)
            if vHi > vLo && max(pa.uMin, pb.uMin) < min(pa.uMax, pb.uMax) {
                let rows = ScanRows(from: vLo, to: vHi, band: h, breaks: pa.v.filter { $0 > vLo && $0 < vHi } + pb.v.filter { $0 > vLo && $0 < vHi })
                let xa = PlaneCrossings(plane: pa, rows: rows), xb = PlaneCrossings(plane: pb, rows: rows)
                for r in 0..<rows.count { s += rows.height[r] * xa.intersectionLength(r, with: xb) }
            }
            interCache[key] = s
            return s
        }
        var cuts = (a.planes.flatMap { [$0.slabLow, $0.slabHigh] } + b.planes.flatMap { [$0.slabLow, $0.slabHigh] }).sorted()
        cuts = cuts.reduce(into: [Double]()) { acc, x in if acc.last.map({ x - $0 > 1e-9 }) ?? true { acc.append(x) } }
        var vi = 0.0
        for (w0, w1) in zip(cuts, cuts.dropFirst()) {
            let mid = 0.5 * (w0 + w1)
            if let ka = a.planeIndex(containing: mid), let kb = b.planeIndex(containing: mid) { vi += intersection(ka, kb) * (w1 - w0) }
        }

        // Slices: every plane either structure is drawn on.
        let tol = options.geometry.planeToleranceMM
        var zs = (a.planes.map(\.w) + b.planes.map(\.w)).sorted()
        zs = zs.reduce(into: [Double]()) { acc, x in if acc.last.map({ x - $0 > tol }) ?? true { acc.append(x) } }
        var slices: [ContourComparison.Slice] = []
        var apl = 0.0
        for z in zs {
            let ka = a.planeIndex(containing: z), kb = b.planeIndex(containing: z)
            let areaA = ka.map { ma[$0].area } ?? 0, areaB = kb.map { mb[$0].area } ?? 0
            let inter = (ka != nil && kb != nil) ? intersection(ka!, kb!) : 0
            let dice = areaA + areaB > 0 ? 2 * inter / (areaA + areaB) : 0
            var sliceAPL = 0.0
            let da = a.planeIndex(at: z, tolerance: tol), db = b.planeIndex(at: z, tolerance: tol)
            switch (da, db) {
            case let (ra?, rb?): sliceAPL = addedPath(reference: a.planes[ra], test: b.planes[rb], toleranceMM: tau, spacingMM: h)
            case let (ra?, nil): sliceAPL = a.planes[ra].perimeterMM
            case let (nil, rb?): sliceAPL = b.planes[rb].perimeterMM
            case (nil, nil): break
            }
            apl += sliceAPL
            slices.append(.init(zMM: z, dice: dice, areaReferenceMM2: areaA, areaTestMM2: areaB, aplMM: sliceAPL))
        }

        // Surfaces and distances.
        let sa = SlabSurface(a, spacingMM: h), sb = SlabSurface(b, spacingMM: h)
        let dab = sa.distances(to: sb, parallel: options.parallel)
        let dba = sb.distances(to: sa, parallel: options.parallel)
        let areaA = sa.areaMM2, areaB = sb.areaMM2
        func weightedMean(_ d: [Double], _ w: [Double]) -> Double {
            var s = 0.0, t = 0.0
            for i in d.indices { s += d[i] * w[i]; t += w[i] }
            return t > 0 ? s / t : 0
        }
        func within(_ d: [Double], _ w: [Double]) -> Double {
            var s = 0.0
            for i in d.indices where d[i] <= tau { s += w[i] }
            return s
        }
        let sd = areaA + areaB > 0 ? (within(dab, sa.weight) + within(dba, sb.weight)) / (areaA + areaB) : 0
        let pooledD = dab + dba, pooledW = sa.weight + sb.weight
        var warnings = a.warnings.map { "\(referenceName): \($0)" } + b.warnings.map { "\(testName): \($0)" }
        if a.planes.count == 1 || b.planes.count == 1 { warnings.append("a structure drawn on one plane is a slab of the single-plane spacing (\(options.geometry.singlePlaneSpacingMM.map { "\($0) mm" } ?? "1 mm"))") }
        return ContourComparison(
            referenceName: referenceName, testName: testName,
            volumeReferenceCC: va / 1000, volumeTestCC: vb / 1000, volumeIntersectionCC: min(vi, va, vb) / 1000,
            centroidReference: ca, centroidTest: cb,
            hausdorffReferenceToTestMM: dab.max() ?? 0, hausdorffTestToReferenceMM: dba.max() ?? 0,
            hd95ReferenceToTestMM: weightedPercentile(dab, sa.weight, 0.95), hd95TestToReferenceMM: weightedPercentile(dba, sb.weight, 0.95),
            hd95PooledMM: weightedPercentile(pooledD, pooledW, 0.95),
            msdReferenceToTestMM: weightedMean(dab, sa.weight), msdTestToReferenceMM: weightedMean(dba, sb.weight),
            surfaceDice: sd, toleranceMM: tau, surfaceAreaReferenceMM2: areaA, surfaceAreaTestMM2: areaB,
            aplMM: apl, slices: slices, sampleCounts: (sa.u.count, sb.u.count), warnings: warnings)
    }

    /// The q-quantile of distances `d` weighted by `w`: the smallest d whose cumulative weight reaches
    /// q of the total (the rule of the surface-distance library's robust Hausdorff distance).
    public static func weightedPercentile(_ d: [Double], _ w: [Double], _ q: Double) -> Double {
        guard !d.isEmpty else { return 0 }
        let order = d.indices.sorted { d[$0] < d[$1] }
        let total = w.reduce(0, +)
        let target = q * total * (1 - 1e-12)
        var c = 0.0
        for i in order {
            c += w[i]
            if c >= target { return d[i] }
        }
        return d[order.last!]
    }

    /// Length of the reference plane's contours farther than τ from the test plane's contours, mm,
    /// measured every `spacingMM` at most along each edge (each piece counted by its middle point).
    static func addedPath(reference r: ContourPlane, test t: ContourPlane, toleranceMM tau: Double, spacingMM h: Double) -> Double {
        var tu1: [Double] = [], tv1: [Double] = [], tdu: [Double] = [], tdv: [Double] = [], tinv: [Double] = []
        for p in 0..<t.polygonCount {
            let s = t.polygonStarts[p], e = t.polygonStarts[p + 1]
            var j = e - 1
            for i in s..<e {
                let du = t.u[i] - t.u[j], dv = t.v[i] - t.v[j]
                let l2 = du * du + dv * dv
                tu1.append(t.u[j]); tv1.append(t.v[j]); tdu.append(du); tdv.append(dv); tinv.append(l2 > 0 ? 1 / l2 : 0)
                j = i
            }
        }
        let tau2 = tau * tau
        var added = 0.0
        for p in 0..<r.polygonCount {
            let s = r.polygonStarts[p], e = r.polygonStarts[p + 1]
            var j = e - 1
            for i in s..<e {
                let u1 = r.u[j], v1 = r.v[j], du = r.u[i] - u1, dv = r.v[i] - v1
                j = i
                let len = (du * du + dv * dv).squareRoot()
                guard len > 0 else { continue }
                let n = max(1, Int((len / h - 1e-9).rounded(.up)))
                for a in 0..<n {
                    let f = (Double(a) + 0.5) / Double(n)
                    let pu = u1 + f * du, pv = v1 + f * dv
                    var near = false
                    for x in tu1.indices {
                        let eu0 = pu - tu1[x], ev0 = pv - tv1[x]
                        let q = min(max((eu0 * tdu[x] + ev0 * tdv[x]) * tinv[x], 0), 1)
                        let eu = eu0 - q * tdu[x], ev = ev0 - q * tdv[x]
                        if eu * eu + ev * ev <= tau2 { near = true; break }
                    }
                    if !near { added += len / Double(n) }
                }
            }
        }
        return added
    }
}
