import AnchorRT

/// What sampling a structure (or part of one) produced: a dose histogram of the covered volume and the
/// sums behind volume, mean, minimum and maximum. Sums are `Double` (STYLE.md: Float sums of many
/// voxels drift by tens of percent).
///
/// The histogram covers only the bins the structure can reach (`firstBin` on, from the extremes of the
/// grid voxels around it): a small structure's histogram then fits in the first-level cache, and the
/// heavy case no longer spent 4% of its time faulting in zeroed pages for 40 full-range histograms.
struct SampleAccumulator: Sendable {
    /// Volume per bin, mm³; entry n is bin `firstBin + n`.
    var histogram: [Double]
    /// Runs of whole bins filled by `DoseSpreader`, as differences (folded in by `withSpreader`).
    var runs: [Double]
    var firstBin: Int
    var binWidth: Double
    var coveredMM3 = 0.0
    var uncoveredMM3 = 0.0
    var doseVolume = 0.0
    var minDose = Double.infinity
    var maxDose = -Double.infinity
    var sampleCount = 0

    init(firstBin: Int = 0, binCount: Int, binWidth: Double) {
        histogram = [Double](repeating: 0, count: max(binCount, 1))
        runs = [Double](repeating: 0, count: max(binCount, 1) + 1)
        self.firstBin = firstBin
        self.binWidth = binWidth
    }

    /// Runs `body` with a spreader writing into this accumulator's bins, then folds the runs in.
    mutating func withSpreader<R>(_ body: (DoseSpreader) -> R) -> R {
        let (first, width) = (firstBin, binWidth)
        let r = histogram.withUnsafeMutableBufferPointer { h in
            runs.withUnsafeMutableBufferPointer { u in
                body(DoseSpreader(firstBin: first, binCount: h.count, binWidth: width, histogram: h.baseAddress!, runs: u.baseAddress!))
            }
        }
        var running = 0.0
        for b in histogram.indices {
            running += runs[b]
            histogram[b] += running
            runs[b] = 0
        }
        return r
    }

    mutating func merge(_ o: SampleAccumulator) {
        precondition(o.firstBin == firstBin && o.histogram.count == histogram.count, "accumulators of one structure share their bins")
        for b in histogram.indices { histogram[b] += o.histogram[b] }
        coveredMM3 += o.coveredMM3
        uncoveredMM3 += o.uncoveredMM3
        doseVolume += o.doseVolume
        minDose = min(minDose, o.minDose)
        maxDose = max(maxDose, o.maxDose)
        sampleCount += o.sampleCount
    }

    /// The histogram from bin 0, cc per bin.
    var differentialCC: [Double] {
        [Double](repeating: 0, count: firstBin) + histogram.map { $0 / 1000 }
    }
}

/// Adds volumes to a dose histogram, at one dose or spread evenly over a dose interval (a cell whose
/// dose varies linearly along the contour normal, as trilinear dose does between two frames).
///
/// Spreading W over [a, b] gives the partial first and last bins their exact shares and each whole bin
/// between them W·w/(b − a); the whole bins get it through a difference array (+ρ where the run starts,
/// −ρ after it ends, folded once at the end), so every cell costs O(1) whatever its dose range. The
/// pointers come from `SampleAccumulator.withSpreader`; every index is clamped into the histogram
/// first, so the unchecked accesses stay in bounds.
struct DoseSpreader {
    let binWidth: Double
    let histogram: UnsafeMutablePointer<Double>
    let runs: UnsafeMutablePointer<Double>
    let offset: Double
    let top: Double

    init(firstBin: Int, binCount: Int, binWidth: Double, histogram: UnsafeMutablePointer<Double>, runs: UnsafeMutablePointer<Double>) {
        self.binWidth = binWidth
        self.histogram = histogram
        self.runs = runs
        offset = Double(firstBin)
        top = Double(binCount) - 0.5
    }

    /// Bin position of a dose relative to the first bin, clamped into [0, binCount).
    @inline(__always) func position(_ d: Double) -> Double {
        let q = d / binWidth - offset
        return q >= 0 ? min(q, top) : 0     // also NaN → 0
    }

    /// Adds `w` at dose `d`: bin floor(d / w). Truncation equals the floor here (q ≥ 0) without a libm
    /// call (2.4% of the heavy case's profile). The division is kept: multiplying by 1/w moves doses
    /// lying on a bin edge into the neighbouring bin (STYLE.md).
    @inline(__always) func add(_ d: Double, _ w: Double) {
        histogram[Int(position(d))] += w
    }

    /// Adds `w` spread evenly over the doses between `d1` and `d2` (in either order).
    @inline(__always) func add(_ d1: Double, _ d2: Double, _ w: Double) {
        var qa = position(d1), qb = position(d2)
        if qa > qb { swap(&qa, &qb) }
        let ba = Int(qa), bb = Int(qb)
        if ba == bb || qb - qa < 1e-9 {
            histogram[ba] += w
            return
        }
        let density = w / (qb - qa)
        histogram[ba] += density * (Double(ba + 1) - qa)
        histogram[bb] += density * (qb - Double(bb))
        if bb > ba + 1 {
            runs[ba + 1] += density
            runs[bb] -= density
        }
    }
}

/// The dose grid as the sampler needs it: sizes, spacings, the continuous-index extent that counts as
/// covered, and the positions along the normal at which slabs are cut.
struct GridSampler: Sendable {
    let grid: Grid3D
    let nx: Int, ny: Int, nz: Int
    let sI: Double, sJ: Double
    /// Covered continuous indices along each axis: [lo, n − 1 + e] with e = 0 (voxel centres) or 0.5
    /// (voxel edges), and lo = −e (less 1e-9 for rounding).
    let lo: Double
    let hiI: Double, hiJ: Double, hiK: Double
    /// Ascending positions along the grid normal (frame offsets, mm) where slabs are cut:
    /// `wCuts` every voxel face and centre (the fractional mask: no piece straddles two voxels);
    /// `centreCuts` the centres and the two outer faces (the DVH of a finely sampled structure: dose
    /// is exactly linear along the normal between centres); `coverageCuts` the outer faces and outermost
    /// centres only (where coverage changes; large structures, one piece per slab).
    let wCuts: [Double]
    let centreCuts: [Double]
    let coverageCuts: [Double]
    /// Uniform frame spacing (offset of frame 0, signed step), or nil.
    let uniformK: (offset0: Double, step: Double)?

    init(grid: Grid3D, extent: DVHOptions.GridExtent) throws {
        guard grid.columns >= 2, grid.rows >= 2, grid.frames >= 2 else {
            throw DosimetryError(.invalidGeometry, "the dose grid is \(grid.columns) x \(grid.rows) x \(grid.frames): a DVH needs at least 2 voxels along each axis")
        }
        guard grid.spacingI > 0, grid.spacingJ > 0 else {
            throw DosimetryError(.invalidGeometry, "the dose grid's pixel spacing is not positive")
        }
        self.grid = grid
        nx = grid.columns; ny = grid.rows; nz = grid.frames
        sI = grid.spacingI; sJ = grid.spacingJ
        let e = extent == .voxelEdges ? 0.5 : 0
        lo = -e - 1e-9
        hiI = Double(nx - 1) + e + 1e-9
        hiJ = Double(ny - 1) + e + 1e-9
        hiK = Double(nz - 1) + e + 1e-9
        let offs = grid.frameOffsets.sorted()
        for k in 1..<offs.count where offs[k] - offs[k - 1] <= 1e-6 {
            throw DosimetryError(.invalidGeometry, "the dose grid has two frames at offset \(offs[k]) mm")
        }
        let firstFace = offs[0] - (offs[1] - offs[0]) / 2
        let lastFace = offs[offs.count - 1] + (offs[offs.count - 1] - offs[offs.count - 2]) / 2
        let innerFaces = (1..<offs.count).map { (offs[$0 - 1] + offs[$0]) / 2 }
        wCuts = ([firstFace, lastFace] + offs + innerFaces).sorted()
        centreCuts = [firstFace] + offs + [lastFace]
        coverageCuts = [firstFace, offs[0], offs[offs.count - 1], lastFace]
        if grid.uniformFrameSpacing != nil {
            uniformK = (grid.frameOffsets[0], (grid.frameOffsets[nz - 1] - grid.frameOffsets[0]) / Double(nz - 1))
        } else {
            uniformK = nil
        }
    }

    /// Dose at a continuous index by trilinear interpolation, nil outside the covered extent (indices
    /// in the outer half voxel of `voxelEdges` are clamped onto the grid).
    @inline(__always) func trilinear(_ v: UnsafePointer<Float>, _ fiR: Double, _ fjR: Double, _ fkR: Double) -> Double? {
        guard fiR >= lo, fiR <= hiI, fjR >= lo, fjR <= hiJ, fkR >= lo, fkR <= hiK else { return nil }
        let fi = min(max(fiR, 0), Double(nx - 1)), fj = min(max(fjR, 0), Double(ny - 1)), fk = min(max(fkR, 0), Double(nz - 1))
        let i0 = min(Int(fi), nx - 2), j0 = min(Int(fj), ny - 2), k0 = min(Int(fk), nz - 2)
        let ti = fi - Double(i0), tj = fj - Double(j0), tk = fk - Double(k0)
        let p = v + i0 + nx * (j0 + ny * k0)
        let sy = nx, sz = nx * ny
        let c00 = Double(p[0]) + ti * (Double(p[1]) - Double(p[0]))
        let c10 = Double(p[sy]) + ti * (Double(p[sy + 1]) - Double(p[sy]))
        let c01 = Double(p[sz]) + ti * (Double(p[sz + 1]) - Double(p[sz]))
        let c11 = Double(p[sz + sy]) + ti * (Double(p[sz + sy + 1]) - Double(p[sz + sy]))
        let c0 = c00 + tj * (c10 - c00), c1 = c01 + tj * (c11 - c01)
        return c0 + tk * (c1 - c0)
    }

    /// Dose and its derivatives along i, j and k (per unit of continuous index) by trilinear
    /// interpolation, nil outside the covered extent.
    @inline(__always) func trilinearWithGradient(_ v: UnsafePointer<Float>, _ fiR: Double, _ fjR: Double, _ fkR: Double)
        -> (d: Double, di: Double, dj: Double, dk: Double, k0: Int)? {
        guard fiR >= lo, fiR <= hiI, fjR >= lo, fjR <= hiJ, fkR >= lo, fkR <= hiK else { return nil }
        let fi = min(max(fiR, 0), Double(nx - 1)), fj = min(max(fjR, 0), Double(ny - 1)), fk = min(max(fkR, 0), Double(nz - 1))
        let i0 = min(Int(fi), nx - 2), j0 = min(Int(fj), ny - 2), k0 = min(Int(fk), nz - 2)
        let ti = fi - Double(i0), tj = fj - Double(j0), tk = fk - Double(k0)
        let p = v + i0 + nx * (j0 + ny * k0)
        let sy = nx, sz = nx * ny
        let a00 = Double(p[1]) - Double(p[0]), a10 = Double(p[sy + 1]) - Double(p[sy])
        let a01 = Double(p[sz + 1]) - Double(p[sz]), a11 = Double(p[sz + sy + 1]) - Double(p[sz + sy])
        let c00 = Double(p[0]) + ti * a00, c10 = Double(p[sy]) + ti * a10
        let c01 = Double(p[sz]) + ti * a01, c11 = Double(p[sz + sy]) + ti * a11
        let c0 = c00 + tj * (c10 - c00), c1 = c01 + tj * (c11 - c01)
        let di0 = a00 + tj * (a10 - a00), di1 = a01 + tj * (a11 - a01)
        return (c0 + tk * (c1 - c0), di0 + tk * (di1 - di0), (1 - tk) * (c10 - c00) + tk * (c11 - c01), c1 - c0, k0)
    }

    /// Extremes of the dose over a plane's polygon vertices on both faces of its slab: where a linear
    /// field takes its extremes over the slab, so with the interior samples they make minimum and
    /// maximum exact for linear dose and close to exact otherwise.
    func vertexExtremes(_ plane: ContourPlane, frame: SamplingFrame, values: UnsafePointer<Float>, min lo: inout Double, max hi: inout Double) {
        // A derived plane's operand vertices count where they are on or inside the derived structure:
        // where the expression holds with the vertex's own operand taken as inside or as outside.
        var keep: [Bool]? = nil
        if let e = plane.expression, let owners = plane.polygonOperands {
            let count = (owners.max() ?? 0) + 1
            var k = [Bool](repeating: false, count: plane.u.count)
            for p in 0..<plane.polygonCount {
                for n in plane.polygonStarts[p]..<plane.polygonStarts[p + 1] {
                    var inside = [Bool](repeating: false, count: count)
                    for q in 0..<plane.polygonCount where owners[q] != owners[p] && plane.contains(polygon: q, u: plane.u[n], v: plane.v[n]) {
                        inside[owners[q]].toggle()
                    }
                    inside[owners[p]] = true
                    let asInside = e.contains(inside)
                    inside[owners[p]] = false
                    k[n] = asInside || e.contains(inside)
                }
            }
            keep = k
        }
        let ai = Vec3(frame.e1.dot(grid.rowDirection), frame.e2.dot(grid.rowDirection), frame.normal.dot(grid.rowDirection)) * (1 / sI)
        let aj = Vec3(frame.e1.dot(grid.columnDirection), frame.e2.dot(grid.columnDirection), frame.normal.dot(grid.columnDirection)) * (1 / sJ)
        let gn = grid.normal
        let an = Vec3(frame.e1.dot(gn), frame.e2.dot(gn), frame.normal.dot(gn))
        for face in 0..<2 {
            let w = face == 0 ? plane.slabLow : plane.slabHigh
            for n in plane.u.indices where keep?[n] ?? true {
                let u = plane.u[n], v = plane.v[n]
                let fk = frameIndex(an.x * u + an.y * v + an.z * w)
                if let d = trilinear(values, ai.x * u + ai.y * v + ai.z * w, aj.x * u + aj.y * v + aj.z * w, fk) {
                    lo = min(lo, d); hi = max(hi, d)
                }
            }
        }
    }

    /// The histogram bins a structure can reach: from the smallest to the largest voxel value in the
    /// box of grid voxels around it (trilinear interpolation never leaves its corners' range).
    func binRange(_ geometry: StructureGeometry, values: UnsafeBufferPointer<Float>, binWidth: Double, binCount: Int) -> (first: Int, count: Int) {
        guard let firstPlane = geometry.planes.first, let lastPlane = geometry.planes.last else { return (0, 1) }
        var uLo = Double.infinity, uHi = -Double.infinity, vLo = Double.infinity, vHi = -Double.infinity
        for p in geometry.planes { uLo = min(uLo, p.uMin); uHi = max(uHi, p.uMax); vLo = min(vLo, p.vMin); vHi = max(vHi, p.vMax) }
        var lo = (Double.infinity, Double.infinity, Double.infinity), hi = (-Double.infinity, -Double.infinity, -Double.infinity)
        for u in [uLo, uHi] { for v in [vLo, vHi] { for w in [firstPlane.slabLow, lastPlane.slabHigh] {
            let c = grid.continuousIndex(of: geometry.frame.point(u: u, v: v, w: w))
            lo = (min(lo.0, c.i), min(lo.1, c.j), min(lo.2, c.k)); hi = (max(hi.0, c.i), max(hi.1, c.j), max(hi.2, c.k))
        } } }
        func range(_ a: Double, _ b: Double, _ n: Int) -> ClosedRange<Int>? {
            guard a.isFinite, b.isFinite, b >= -1, a <= Double(n) else { return nil }
            let s = max(Int(a.rounded(.down)) - 1, 0), e = min(Int(b.rounded(.up)) + 1, n - 1)
            return s <= e ? s...e : nil
        }
        guard let ri = range(lo.0, hi.0, nx), let rj = range(lo.1, hi.1, ny), let rk = range(lo.2, hi.2, nz) else { return (0, 1) }
        var vmin = Float.infinity, vmax = -Float.infinity
        for k in rk { for j in rj {
            let row = (j + ny * k) * nx
            for i in ri { let x = values[row + i]; vmin = min(vmin, x); vmax = max(vmax, x) }
        } }
        guard vmin <= vmax else { return (0, 1) }
        let first = min(max(Int((max(Double(vmin), 0) / binWidth).rounded(.down)) - 1, 0), binCount - 1)
        let last = min(max(Int((max(Double(vmax), 0) / binWidth).rounded(.down)) + 1, first), binCount - 1)
        return (first, last - first + 1)
    }

    /// Mean distance between frames, mm.
    var meanFrameSpacing: Double { grid.spacing.k }

    @inline(__always) func frameIndex(_ offset: Double) -> Double {
        if let u = uniformK { return (offset - u.offset0) / u.step }
        return grid.frameIndex(atOffset: offset)
    }

    /// How finely slabs are cut along the normal.
    enum Cuts { case facesAndCentres, centres, coverage }

    /// The pieces (from, to) of a slab between consecutive cuts along the normal. Every piece lies
    /// wholly inside or outside the grid; with `.centres` (or finer) trilinear dose is exactly linear
    /// along the normal inside it; with `.facesAndCentres` it also lies inside one voxel.
    func pieces(from a: Double, to b: Double, cuts kind: Cuts, into out: inout [(Double, Double)]) {
        out.removeAll(keepingCapacity: true)
        guard b > a else { return }
        let cuts = kind == .facesAndCentres ? wCuts : (kind == .centres ? centreCuts : coverageCuts)
        var lo = 0, hi = cuts.count
        while lo < hi { let m = (lo + hi) / 2; if cuts[m] <= a { lo = m + 1 } else { hi = m } }
        var start = a
        var n = lo
        while start < b {
            let end = n < cuts.count ? min(cuts[n], b) : b
            n += 1
            if end - start > 1e-12 { out.append((start, end)) }
            start = end
        }
    }

}

/// Rasterises and samples contour planes: the voxel work of the DVH. Two kernels: `sampleAligned` for
/// contour planes parallel to the dose frames (each row's dose on the two faces of a slab piece is
/// blended once from the grid, then each cell costs two linear interpolations and one histogram
/// spread), `sampleOblique` for anything else (a full trilinear interpolation with its gradient per
/// cell, sub-planes along the normal).
enum StructureSampler {
    /// Samples planes `planes` of `geometry`, adding to `acc`; when `mask` is given, adds each sample's
    /// volume (mm³) to its dose voxel's entry.
    static func sample(_ geometry: StructureGeometry, planes: Range<Int>, lattice: SamplingLattice, sampler: GridSampler,
                       values: UnsafeBufferPointer<Float>, into acc: inout SampleAccumulator, mask: UnsafeMutablePointer<Double>?) {
        precondition(values.count == sampler.nx * sampler.ny * sampler.nz, "dose values do not match the grid")
        if geometry.frame.aligned {
            sampleAligned(geometry, planes: planes, lattice: lattice, g: sampler, values: values, into: &acc, mask: mask)
        } else {
            sampleOblique(geometry, planes: planes, lattice: lattice, g: sampler, values: values, into: &acc, mask: mask)
        }
    }

    // The hot loops below use unsafe buffers (STYLE.md: data-dependent gathers and histograms): every
    // grid index is clamped into the grid before use (i0 in 0...nx-2 etc.; the value count is checked
    // once above), every histogram index by `DoseSpreader`, every mask index into the grid.

    static func sampleAligned(_ geometry: StructureGeometry, planes: Range<Int>, lattice L: SamplingLattice, g: GridSampler,
                              values: UnsafeBufferPointer<Float>, into acc: inout SampleAccumulator, mask: UnsafeMutablePointer<Double>?) {
        let nx = g.nx, ny = g.ny, nz = g.nz
        let plane = nx * ny
        let invSI = 1 / g.sI, invSJ = 1 / g.sJ
        let hu = L.spacingUMM, u0 = L.u0, v0 = L.v0
        let nI = L.subdivisionsI, nJ = L.subdivisionsJ
        let uCovLo = g.lo * g.sI, uCovHi = g.hiI * g.sI
        var covered = 0.0, uncovered = 0.0, doseVolume = 0.0, minDose = acc.minDose, maxDose = acc.maxDose
        var samples = 0
        // The row's dose on the piece's two faces (bilinear in j and k), blended once per row and piece.
        var rowK0 = [Double](repeating: 0, count: nx), rowK1 = [Double](repeating: 0, count: nx)
        // The dose's change from grid row j0 to j0 + 1 along the row, on the same two faces (for ∂D/∂v).
        var rowJ0 = [Double](repeating: 0, count: nx), rowJ1 = [Double](repeating: 0, count: nx)
        // Cut slabs at every frame centre (dose exactly linear along w in each piece) unless the
        // structure is sampled no finer than the frames: then one piece per slab, its dose taken as linear
        // between the slab's faces, halves the samples of large structures for a negligible change.
        let cuts: GridSampler.Cuts = mask != nil ? .facesAndCentres : (L.spacingWMM < g.meanFrameSpacing * 0.999 ? .centres : .coverage)
        var pieces: [(Double, Double)] = []
        acc.withSpreader { spreader in
        rowK0.withUnsafeMutableBufferPointer { b0Buf in
        rowK1.withUnsafeMutableBufferPointer { b1Buf in
        rowJ0.withUnsafeMutableBufferPointer { g0Buf in
        rowJ1.withUnsafeMutableBufferPointer { g1Buf in
            let c0 = b0Buf.baseAddress!, c1 = b1Buf.baseAddress!, g0 = g0Buf.baseAddress!, g1 = g1Buf.baseAddress!
            let val = values.baseAddress!
            for p in planes {
                let pl = geometry.planes[p]
                let rows = RowCrossings(plane: pl, v0: v0, hv: L.spacingVMM)
                if rows.u.isEmpty { continue }
                g.pieces(from: pl.slabLow, to: pl.slabHigh, cuts: cuts, into: &pieces)
                g.vertexExtremes(pl, frame: geometry.frame, values: val, min: &minDose, max: &maxDose)
                rows.u.withUnsafeBufferPointer { xsBuf in
                rows.rowStarts.withUnsafeBufferPointer { rsBuf in
                    let xs = xsBuf.baseAddress!, rs = rsBuf.baseAddress!
                    // In-plane area of this plane's rows (for volume outside the grid), mm².
                    var planeArea = 0.0
                    for r in 0..<rows.rowCount {
                        var q = rs[r], len = 0.0
                        while q + 1 < rs[r + 1] { len += xs[q + 1] - xs[q]; q += 2 }
                        planeArea += len * rows.height[r]
                    }
                    for (wLo, wHi) in pieces {
                        let t = wHi - wLo
                        // Pieces end at voxel centres (and faces), so each lies wholly inside or outside
                        // the grid and between two frames, where trilinear dose is linear along w.
                        let fkMid = g.frameIndex(0.5 * (wLo + wHi))
                        guard fkMid >= g.lo, fkMid <= g.hiK else { uncovered += planeArea * t; continue }
                        let fkLo = min(max(g.frameIndex(wLo), 0), Double(nz - 1)), fkHi = min(max(g.frameIndex(wHi), 0), Double(nz - 1))
                        let kLo = min(Int(fkLo), nz - 2), kHi = min(Int(fkHi), nz - 2)
                        let tkLo = fkLo - Double(kLo), tkHi = fkHi - Double(kHi)
                        let kVoxel = min(max(Int((fkMid + 0.5).rounded(.down)), 0), nz - 1)
                        for r in 0..<rows.rowCount {
                            let qa = rs[r], qb = rs[r + 1]
                            if qb - qa < 2 { continue }
                            let rowWeight = rows.height[r] * t
                            let fjRaw = rows.v[r] * invSJ
                            let first = max(xs[qa], uCovLo), last = min(xs[qb - 1], uCovHi)
                            if fjRaw < g.lo || fjRaw > g.hiJ || last <= first {
                                var q = qa
                                while q + 1 < qb { uncovered += (xs[q + 1] - xs[q]) * rowWeight; q += 2 }
                                continue
                            }
                            let fj = min(max(fjRaw, 0), Double(ny - 1))
                            let j0 = min(Int(fj), ny - 2)
                            let tj = fj - Double(j0)
                            let jVoxel = min(max(floorDiv(rows.band[r], nJ), 0), ny - 1)
                            let iLo = min(max(Int((first * invSI).rounded(.down)), 0), nx - 2)
                            let iHi = min(max(Int((last * invSI).rounded(.down)) + 1, 1), nx - 1)
                            // c0: dose along the row on the piece's lower face, c1 on its upper face;
                            // g0, g1: its change from grid row j0 to j0 + 1 on those faces.
                            let l00 = val + (j0 + ny * kLo) * nx, l10 = l00 + nx, l01 = l00 + plane, l11 = l01 + nx
                            let h00 = val + (j0 + ny * kHi) * nx, h10 = h00 + nx, h01 = h00 + plane, h11 = h01 + nx
                            for i in iLo...iHi {
                                let lj0 = Double(l00[i]) + tkLo * (Double(l01[i]) - Double(l00[i]))
                                let lj1 = Double(l10[i]) + tkLo * (Double(l11[i]) - Double(l10[i]))
                                let hj0 = Double(h00[i]) + tkHi * (Double(h01[i]) - Double(h00[i]))
                                let hj1 = Double(h10[i]) + tkHi * (Double(h11[i]) - Double(h10[i]))
                                c0[i] = lj0 + tj * (lj1 - lj0)
                                c1[i] = hj0 + tj * (hj1 - hj0)
                                g0[i] = lj1 - lj0
                                g1[i] = hj1 - hj0
                            }
                            let halfHeightPerJ = 0.5 * rows.height[r] * invSJ
                            var q = qa
                            while q + 1 < qb {
                                let a = xs[q], e = xs[q + 1]
                                q += 2
                                if e <= a { continue }
                                if a < uCovLo { uncovered += (min(e, uCovLo) - a) * rowWeight }
                                if e > uCovHi { uncovered += (e - max(a, uCovHi)) * rowWeight }
                                let ca = max(a, uCovLo), cb = min(e, uCovHi)
                                if cb <= ca { continue }
                                // Extremes at the exact ends of the interval, on both faces of the piece.
                                do {
                                    let fa = min(max(ca * invSI, 0), Double(nx - 1)), fb = min(max(cb * invSI, 0), Double(nx - 1))
                                    let ia = min(Int(fa), nx - 2), ib = min(Int(fb), nx - 2)
                                    let x1 = c0[ia] + (fa - Double(ia)) * (c0[ia + 1] - c0[ia]), x2 = c1[ia] + (fa - Double(ia)) * (c1[ia + 1] - c1[ia])
                                    let x3 = c0[ib] + (fb - Double(ib)) * (c0[ib + 1] - c0[ib]), x4 = c1[ib] + (fb - Double(ib)) * (c1[ib + 1] - c1[ib])
                                    minDose = min(minDose, min(min(x1, x2), min(x3, x4)))
                                    maxDose = max(maxDose, max(max(x1, x2), max(x3, x4)))
                                }
                                let cA = Int(((ca - u0) / hu).rounded(.down)), cB = Int(((cb - u0) / hu).rounded(.down))
                                for c in cA...cB {
                                    let cs = u0 + Double(c) * hu
                                    let s = max(ca, cs), en = min(cb, cs + hu)
                                    let len = en - s
                                    if len <= 0 { continue }
                                    let fi = min(max(0.5 * (s + en) * invSI, 0), Double(nx - 1))
                                    let i0 = min(Int(fi), nx - 2)
                                    let ti = fi - Double(i0)
                                    let sLo = c0[i0 + 1] - c0[i0], sHi = c1[i0 + 1] - c1[i0]
                                    let dLo = c0[i0] + ti * sLo
                                    let dHi = c1[i0] + ti * sHi
                                    let wgt = len * rowWeight
                                    // Dose changes across the cell along u, v and w (trilinear dose is linear
                                    // along each between grid points). The cell's volume is spread evenly over
                                    // the largest change, centred on its mean dose: exact when the gradient
                                    // runs along one axis, and no staircase in the DVH from the lattice.
                                    let dMid = 0.5 * (dLo + dHi)
                                    let halfU = abs(0.25 * (sLo + sHi) * len * invSI)
                                    let gv = (g0[i0] + ti * (g0[i0 + 1] - g0[i0])) + (g1[i0] + ti * (g1[i0 + 1] - g1[i0]))
                                    let halfV = abs(0.5 * gv * halfHeightPerJ)
                                    let halfW = abs(0.5 * (dHi - dLo))
                                    let half = max(halfW, max(halfU, halfV))
                                    spreader.add(dMid - half, dMid + half, wgt)
                                    if dLo < minDose { minDose = dLo }
                                    if dHi < minDose { minDose = dHi }
                                    if dLo > maxDose { maxDose = dLo }
                                    if dHi > maxDose { maxDose = dHi }
                                    covered += wgt
                                    doseVolume += wgt * dMid
                                    samples += 1
                                    if let m = mask {
                                        let iv = min(max(floorDiv(c, nI), 0), nx - 1)
                                        m[iv + nx * (jVoxel + ny * kVoxel)] += wgt
                                    }
                                }
                            }
                        }
                    }
                }
                }
            }
        }
        }
        }
        }
        }
        acc.coveredMM3 += covered
        acc.uncoveredMM3 += uncovered
        acc.doseVolume += doseVolume
        acc.minDose = minDose
        acc.maxDose = maxDose
        acc.sampleCount += samples
    }

    static func sampleOblique(_ geometry: StructureGeometry, planes: Range<Int>, lattice L: SamplingLattice, g: GridSampler,
                              values: UnsafeBufferPointer<Float>, into acc: inout SampleAccumulator, mask: UnsafeMutablePointer<Double>?) {
        let nx = g.nx, ny = g.ny, nz = g.nz
        let f = geometry.frame
        let grid = g.grid
        let gn = grid.normal
        // Continuous index as a linear function of (u, v, w): the frame shares the grid's origin.
        let ai = Vec3(f.e1.dot(grid.rowDirection), f.e2.dot(grid.rowDirection), f.normal.dot(grid.rowDirection)) * (1 / g.sI)
        let aj = Vec3(f.e1.dot(grid.columnDirection), f.e2.dot(grid.columnDirection), f.normal.dot(grid.columnDirection)) * (1 / g.sJ)
        let an = Vec3(f.e1.dot(gn), f.e2.dot(gn), f.normal.dot(gn))
        let hu = L.spacingUMM, hv = L.spacingVMM, u0 = L.u0, v0 = L.v0
        var covered = 0.0, uncovered = 0.0, doseVolume = 0.0, minDose = acc.minDose, maxDose = acc.maxDose
        var samples = 0
        let val = values.baseAddress!
        let offsets = grid.frameOffsets
        @inline(__always) func doseAt(_ u: Double, _ v: Double, _ w: Double) -> Double? {
            g.trilinear(val, ai.x * u + ai.y * v + ai.z * w, aj.x * u + aj.y * v + aj.z * w, g.frameIndex(an.x * u + an.y * v + an.z * w))
        }
        /// Dose at a cell's middle, its derivatives along u, v, w (Gy/mm) and its voxel.
        @inline(__always) func sampleAt(_ u: Double, _ v: Double, _ w: Double) -> (d: Double, du: Double, dv: Double, dw: Double, voxel: Int)? {
            let fiR = ai.x * u + ai.y * v + ai.z * w
            let fjR = aj.x * u + aj.y * v + aj.z * w
            let fkR = g.frameIndex(an.x * u + an.y * v + an.z * w)
            guard let t = g.trilinearWithGradient(val, fiR, fjR, fkR) else { return nil }
            let perK = t.dk / (offsets[t.k0 + 1] - offsets[t.k0])   // dose per mm along the grid normal
            let voxel = min(max(Int(fiR.rounded()), 0), nx - 1) + nx * (min(max(Int(fjR.rounded()), 0), ny - 1) + ny * min(max(Int(fkR.rounded()), 0), nz - 1))
            return (t.d, t.di * ai.x + t.dj * aj.x + perK * an.x, t.di * ai.y + t.dj * aj.y + perK * an.y, t.di * ai.z + t.dj * aj.z + perK * an.z, voxel)
        }
        acc.withSpreader { spreader in
            for p in planes {
                let pl = geometry.planes[p]
                let rows = RowCrossings(plane: pl, v0: v0, hv: hv)
                if rows.u.isEmpty { continue }
                g.vertexExtremes(pl, frame: f, values: val, min: &minDose, max: &maxDose)
                let length = pl.slabHigh - pl.slabLow
                let m = max(1, Int((length / L.spacingWMM).rounded()))
                let t = length / Double(m)
                for q in 0..<m {
                    let w = pl.slabLow + (Double(q) + 0.5) * t
                    for r in 0..<rows.rowCount {
                        let qa = rows.rowStarts[r], qb = rows.rowStarts[r + 1]
                        let v = rows.v[r]
                        let rowWeight = rows.height[r] * t
                        var x = qa
                        while x + 1 < qb {
                            let a = rows.u[x], e = rows.u[x + 1]
                            x += 2
                            if e <= a { continue }
                            if let d = doseAt(a, v, w) { minDose = min(minDose, d); maxDose = max(maxDose, d) }
                            if let d = doseAt(e, v, w) { minDose = min(minDose, d); maxDose = max(maxDose, d) }
                            let cA = Int(((a - u0) / hu).rounded(.down)), cB = Int(((e - u0) / hu).rounded(.down))
                            for c in cA...cB {
                                let cs = u0 + Double(c) * hu
                                let s = max(a, cs), en = min(e, cs + hu)
                                let len = en - s
                                if len <= 0 { continue }
                                let wgt = len * rowWeight
                                guard let smp = sampleAt(0.5 * (s + en), v, w) else { uncovered += wgt; continue }
                                let d = smp.d, voxel = smp.voxel
                                // As in `sampleAligned`: the volume spread over the cell's largest dose change.
                                let half = 0.5 * max(abs(smp.du * len), max(abs(smp.dv * rows.height[r]), abs(smp.dw * t)))
                                spreader.add(d - half, d + half, wgt)
                                covered += wgt
                                doseVolume += wgt * d
                                if d < minDose { minDose = d }
                                if d > maxDose { maxDose = d }
                                samples += 1
                                if let mk = mask { mk[voxel] += wgt }
                            }
                        }
                    }
                }
            }
        }
        acc.coveredMM3 += covered
        acc.uncoveredMM3 += uncovered
        acc.doseVolume += doseVolume
        acc.minDose = minDose
        acc.maxDose = maxDose
        acc.sampleCount += samples
    }
}

@inline(__always) func floorDiv(_ a: Int, _ b: Int) -> Int {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}
