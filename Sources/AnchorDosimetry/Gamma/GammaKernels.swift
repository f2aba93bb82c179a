import AnchorRT
import Foundation

/// A copy of an array in memory that does not move, read without bounds checks by the kernels below.
/// Every index the kernels form is checked against the grid before use (interior cells, or the
/// explicit range tests of the boundary paths), or comes from the tables built with these buffers.
final class Pinned<T>: @unchecked Sendable {
    let p: UnsafeMutablePointer<T>
    let count: Int
    init(_ a: [T]) {
        count = a.count
        p = .allocate(capacity: max(a.count, 1))
        if !a.isEmpty { _ = UnsafeMutableBufferPointer(start: p, count: a.count).initialize(from: a) }
    }
    deinit {
        p.deinitialize(count: count)
        p.deallocate()
    }
    @inline(__always) subscript(_ i: Int) -> T { p[i] }
}

/// The search shells for grids that map voxel to voxel (`EvaluatedIndexMap.wholeVoxelSteps`): every
/// search point has the same evaluated cell offset and fractional position for every reference point,
/// so points are grouped by cell and their fractions stored 8 to a vector (a group's last vector is
/// filled up with copies of its last point, which cannot change a minimum).
struct CellGroups {
    /// Per shell, its first group; one more entry at the end.
    var shellGroupStart: [Int32] = [0]
    /// Per group, the cell offset from the reference point's base cell.
    var cellI: [Int32] = [], cellJ: [Int32] = [], cellK: [Int32] = []
    /// Per group, its first vector of fractions; one more entry at the end.
    var chunkStart: [Int32] = [0]
    var fx: [SIMD8<Float>] = [], fy: [SIMD8<Float>] = [], fz: [SIMD8<Float>] = []

    struct Cell: Hashable, Comparable {
        var i: Int, j: Int, k: Int
        static func < (a: Cell, b: Cell) -> Bool { (a.k, a.j, a.i) < (b.k, b.j, b.i) }
    }

    init(offsets: [[Vec3]], map: EvaluatedIndexMap, origin f0: (Double, Double, Double), dimensions: Int) {
        for shell in offsets {
            var byCell: [Cell: [(Float, Float, Float)]] = [:]
            for v in shell {
                let o = map.delta(v)
                let t = (f0.0 + o.0, f0.1 + o.1, dimensions == 2 ? 0 : f0.2 + o.2)
                let c = Cell(i: snappedCell(t.0), j: snappedCell(t.1), k: snappedCell(t.2))
                let f = (snappedFraction(t.0, c.i), snappedFraction(t.1, c.j), snappedFraction(t.2, c.k))
                byCell[c, default: []].append(f)
            }
            for c in byCell.keys.sorted() {
                let pts = byCell[c]!
                cellI.append(Int32(c.i)); cellJ.append(Int32(c.j)); cellK.append(Int32(c.k))
                var n = 0
                while n < pts.count {
                    var x = SIMD8<Float>(), y = SIMD8<Float>(), z = SIMD8<Float>()
                    for lane in 0..<8 {
                        let p = pts[min(n + lane, pts.count - 1)]
                        x[lane] = p.0; y[lane] = p.1; z[lane] = p.2
                    }
                    fx.append(x); fy.append(y); fz.append(z)
                    n += 8
                }
                chunkStart.append(Int32(fx.count))
            }
            shellGroupStart.append(Int32(cellI.count))
        }
    }
}

/// The cell of a continuous index, and the fraction inside it, with positions within 1e-9 voxel of a
/// grid plane put on it (fraction 0 in the upper cell). Shell offsets such as d·cos(π/2) ≈ 6e-17 mm
/// vanish when added to a coordinate, as in pymedphys, but not when kept apart as a fraction; without
/// this, points on the last plane of the grid would count as outside.
@inline(__always) func snappedCell(_ t: Double) -> Int { Int((t + 1e-9).rounded(.down)) }
@inline(__always) func snappedFraction(_ t: Double, _ cell: Int) -> Float {
    let f = t - Double(cell)
    return f < 1e-9 ? 0 : Float(f)
}

/// Trilinear interpolation at a cell and fractions that may lie on the grid's edge; nil outside.
/// A point is inside along an axis of n voxels when its cell is 0...n-2, or n-1 with fraction 0
/// (exactly on the last plane; pymedphys, like any interpolator, accepts the closed range).
@inline(__always)
func interpolateAtEdge(_ v: UnsafeMutablePointer<Float>, nx: Int, ny: Int, nz: Int,
                       _ i: Int, _ j: Int, _ k: Int, _ fx: Float, _ fy: Float, _ fz: Float) -> Float? {
    @inline(__always) func inside(_ c: Int, _ f: Float, _ n: Int) -> Bool { c >= 0 && (c <= n - 2 || (c == n - 1 && f == 0)) }
    guard inside(i, fx, nx), inside(j, fy, ny), inside(k, fz, nz) else { return nil }
    let i1 = min(i + 1, nx - 1), j1 = min(j + 1, ny - 1), k1 = min(k + 1, nz - 1)
    @inline(__always) func at(_ a: Int, _ b: Int, _ c: Int) -> Float { v[a + nx * (b + ny * c)] }
    let c00 = at(i, j, k) + fx * (at(i1, j, k) - at(i, j, k))
    let c10 = at(i, j1, k) + fx * (at(i1, j1, k) - at(i, j1, k))
    let c01 = at(i, j, k1) + fx * (at(i1, j, k1) - at(i, j, k1))
    let c11 = at(i, j1, k1) + fx * (at(i1, j1, k1) - at(i, j1, k1))
    let c0 = c00 + fy * (c10 - c00), c1 = c01 + fy * (c11 - c01)
    return c0 + fz * (c1 - c0)
}

/// The search loop shared by both kernels: shells in order of distance, each asked for the smallest
/// |ΔD| inside the window that could still lower gamma, stopping when the shell's distance alone
/// reaches the best gamma (or the maximum gamma). Returns NaN when no search point fell inside the
/// evaluated grid.
@inline(__always)
func searchGamma(reference r: Float, criterion dd: Double, ratios: Pinned<Double>, shellCount: Int, maximumGamma: Double,
                 shell: (_ n: Int, _ lo: Float, _ hi: Float, _ found: inout Bool) -> Float) -> Float {
    var current = maximumGamma
    var found = false
    for n in 0..<shellCount {
        let dn = ratios[n]
        // No shell at or beyond d/DTA = current can give less than current; but keep looking (without
        // interpolating) until something is found, so that "nothing in range" is told from "≥ maximum".
        if current <= dn && (found || dn > maximumGamma) { break }
        let window = current > dn ? Float(dd * (current * current - dn * dn).squareRoot()) : 0
        let best = shell(n, r - window, r + window, &found)
        if best < window {
            let g = Double(best) / dd
            current = min(current, (g * g + dn * dn).squareRoot())
        }
    }
    return found ? Float(current) : .nan
}

/// The kernel for voxel-to-voxel geometry: cells grouped per shell, 8 points per vector.
final class GroupedKernel: @unchecked Sendable {
    let setup: KernelSetup
    let ratios: Pinned<Double>
    let shellStart: Pinned<Int32>, cellI: Pinned<Int32>, cellJ: Pinned<Int32>, cellK: Pinned<Int32>, chunkStart: Pinned<Int32>
    let fx: Pinned<SIMD8<Float>>, fy: Pinned<SIMD8<Float>>, fz: Pinned<SIMD8<Float>>
    let values: Pinned<Float>, cellMin: Pinned<Float>, cellMax: Pinned<Float>
    let nx: Int, ny: Int, nz: Int, strideK: Int, maxI: Int, maxJ: Int, maxK: Int
    let shellCount: Int

    init(setup: KernelSetup, groups: CellGroups, values: [Float], cells: CellRange, grid g: Grid3D, dimensions: Int) {
        self.setup = setup
        ratios = Pinned(setup.shellRatios)
        shellCount = setup.shellRatios.count
        shellStart = Pinned(groups.shellGroupStart)
        cellI = Pinned(groups.cellI); cellJ = Pinned(groups.cellJ); cellK = Pinned(groups.cellK)
        chunkStart = Pinned(groups.chunkStart)
        fx = Pinned(groups.fx); fy = Pinned(groups.fy); fz = Pinned(groups.fz)
        self.values = Pinned(values)
        cellMin = Pinned(cells.minimum); cellMax = Pinned(cells.maximum)
        nx = g.columns; ny = g.rows; nz = g.frames
        // In 2D the frame axis has one voxel: the "upper" corners are the lower ones, with fraction 0.
        strideK = dimensions == 3 ? nx * ny : 0
        maxI = nx - 2; maxJ = ny - 2; maxK = dimensions == 3 ? nz - 2 : 0
    }

    /// Gamma of a reference dose whose voxel maps to evaluated cell `base`.
    func gamma(reference r: Float, base: (Int, Int, Int)) -> Float {
        guard let dd = setup.criterion(r) else { return .nan }
        return searchGamma(reference: r, criterion: dd, ratios: ratios, shellCount: shellCount, maximumGamma: setup.maximumGamma) { n, lo, hi, found in
            var best = SIMD8<Float>(repeating: .infinity)
            let v = values.p
            for g in Int(shellStart[n])..<Int(shellStart[n + 1]) {
                let ci = base.0 + Int(cellI[g]), cj = base.1 + Int(cellJ[g]), ck = base.2 + Int(cellK[g])
                if ci >= 0 && ci <= maxI && cj >= 0 && cj <= maxJ && ck >= 0 && ck <= maxK {
                    found = true
                    let l = ci + nx * (cj + ny * ck)
                    // The cell's doses cannot come within the window: nothing here lowers gamma.
                    if !(lo < hi) || cellMax[l] < lo || cellMin[l] > hi { continue }
                    let v000 = v[l], v100 = v[l + 1], v010 = v[l + nx], v110 = v[l + nx + 1]
                    let u = l + strideK
                    let v001 = v[u], v101 = v[u + 1], v011 = v[u + nx], v111 = v[u + nx + 1]
                    let d00 = v100 - v000, d10 = v110 - v010, d01 = v101 - v001, d11 = v111 - v011
                    for c in Int(chunkStart[g])..<Int(chunkStart[g + 1]) {
                        let x = fx[c], y = fy[c], z = fz[c]
                        let c00 = x * d00 + v000, c10 = x * d10 + v010
                        let c01 = x * d01 + v001, c11 = x * d11 + v011
                        let c0 = y * (c10 - c00) + c00, c1 = y * (c11 - c01) + c01
                        let diff = z * (c1 - c0) + c0 - r
                        best = pointwiseMin(best, pointwiseMax(diff, -diff))
                    }
                } else {
                    // Near the edge of the evaluated grid: point by point, with range checks.
                    for c in Int(chunkStart[g])..<Int(chunkStart[g + 1]) {
                        let x = fx[c], y = fy[c], z = fz[c]
                        for lane in 0..<8 {
                            guard let e = interpolateAtEdge(v, nx: nx, ny: ny, nz: strideK == 0 ? 1 : nz, ci, cj, ck, x[lane], y[lane], z[lane]) else { continue }
                            found = true
                            best[0] = min(best[0], abs(e - r))
                        }
                    }
                }
            }
            return best.min()
        }
    }
}

/// The kernel for any other geometry (non-integer spacing ratios, oblique grids, unevenly spaced
/// frames): each search point is mapped to the evaluated grid on its own.
final class PointKernel: @unchecked Sendable {
    let setup: KernelSetup
    let ratios: Pinned<Double>
    let shellStart: Pinned<Int>
    /// Search offsets as evaluated-index deltas (affine maps) and as patient vectors (other maps).
    let oi: Pinned<Double>, oj: Pinned<Double>, ok: Pinned<Double>
    let vectors: Pinned<Vec3>
    let map: EvaluatedIndexMap
    let values: Pinned<Float>, cellMin: Pinned<Float>, cellMax: Pinned<Float>
    let pruning: Bool
    let nx: Int, ny: Int, nz: Int
    let dimensions: Int
    let shellCount: Int

    init(setup: KernelSetup, offsets: [[Vec3]], map: EvaluatedIndexMap, values: [Float], cells: CellRange, grid g: Grid3D, dimensions: Int) {
        self.setup = setup
        ratios = Pinned(setup.shellRatios)
        shellCount = setup.shellRatios.count
        var starts = [0]
        for s in offsets { starts.append(starts.last! + s.count) }
        shellStart = Pinned(starts)
        let flat = offsets.flatMap { $0 }
        let deltas = flat.map { map.delta($0) }
        oi = Pinned(deltas.map(\.0)); oj = Pinned(deltas.map(\.1)); ok = Pinned(deltas.map(\.2))
        vectors = Pinned(flat)
        self.map = map
        self.values = Pinned(values)
        cellMin = Pinned(cells.minimum); cellMax = Pinned(cells.maximum)
        pruning = cells.available
        nx = g.columns; ny = g.rows; nz = dimensions == 3 ? g.frames : 1
        self.dimensions = dimensions
    }

    /// Gamma of a reference dose at patient point `p`.
    func gamma(reference r: Float, at p: Vec3) -> Float {
        guard let dd = setup.criterion(r) else { return .nan }
        let c = map.index(p)
        let affine = map.affine
        let top = (Double(nx - 1) + 1e-9, Double(ny - 1) + 1e-9, Double(nz - 1) + 1e-9)
        return searchGamma(reference: r, criterion: dd, ratios: ratios, shellCount: shellCount, maximumGamma: setup.maximumGamma) { n, lo, hi, found in
            var best = Float.infinity
            for s in shellStart[n]..<shellStart[n + 1] {
                var q = affine ? (c.0 + oi[s], c.1 + oj[s], c.2 + ok[s]) : map.index(p + vectors[s])
                if dimensions == 2 { q.2 = 0 }
                // Outside the closed range of voxel centres (NaN and infinities fail these too).
                guard q.0 >= -1e-9, q.0 <= top.0, q.1 >= -1e-9, q.1 <= top.1, q.2 >= -1e-9, q.2 <= top.2 else { continue }
                found = true
                guard lo < hi else { continue }
                let i = snappedCell(q.0), j = snappedCell(q.1), k = snappedCell(q.2)
                if pruning && i <= nx - 2 && j <= ny - 2 && (k <= nz - 2 || nz == 1) {
                    let l = i + nx * (j + ny * k)
                    if cellMax[l] < lo || cellMin[l] > hi { continue }
                }
                let f = (snappedFraction(q.0, i), snappedFraction(q.1, j), snappedFraction(q.2, k))
                if let e = interpolateAtEdge(values.p, nx: nx, ny: ny, nz: nz, i, j, k, f.0, f.1, f.2) {
                    best = min(best, abs(e - r))
                }
            }
            return best
        }
    }
}
