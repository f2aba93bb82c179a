import AnchorRT
import Foundation

/// The surface of a structure under the slab convention, exactly: every contour edge swept across its
/// plane's slab (a rectangle perpendicular to the planes), and end caps where the cross-section
/// changes — between two touching slabs the symmetric difference of their contours, and each slab
/// face without a touching neighbour its whole contour.
///
/// `samples` covers that surface with patches at most `spacingMM` along each side, each represented by
/// its middle point and weighted by its area; `distance(u:v:w:)` is the exact distance from any point
/// to the surface (not to its samples).
public struct SlabSurface: Sendable {
    /// Sample points (frame coordinates, mm) and the area each stands for (mm²).
    public var u: [Double] = [], v: [Double] = [], w: [Double] = [], weight: [Double] = []
    /// Largest side of a sample patch, mm.
    public var spacingMM: Double
    /// Total area, mm².
    public var areaMM2: Double { weight.reduce(0, +) }

    /// A lateral rectangle: edge (u1, v1)-(u1 + du, v1 + dv) × [wLo, wHi].
    struct Rect: Sendable {
        var u1, v1, du, dv, invLen2, wLo, wHi: Double
    }
    var rects: [Rect] = []
    // Bucket grid over the rectangles.
    var lo = (0.0, 0.0, 0.0)
    var cell = 2.0
    var nu = 1, nv = 1, nw = 1
    var cellStart: [Int32] = [0, 0]
    var cellItems: [Int32] = []
    // Caps, by increasing w.
    var caps: [Cap] = []

    /// A planar region at w: inside where a ray along +u crosses its edges an odd number of times.
    struct Cap: Sendable {
        struct Edge: Sendable { var ua, va, ub, vb: Double }
        var w: Double
        var edges: [Edge]
        var vMin: Double, stripHeight: Double, stripCount: Int
        var stripStart: [Int32], stripEdges: [Int32]

        init(plane: ContourPlane) {
            w = plane.w
            var list: [Edge] = []
            for p in 0..<plane.polygonCount {
                let s = plane.polygonStarts[p], e = plane.polygonStarts[p + 1]
                var j = e - 1
                for i in s..<e {
                    if plane.v[i] != plane.v[j] { list.append(Edge(ua: plane.u[j], va: plane.v[j], ub: plane.u[i], vb: plane.v[i])) }
                    j = i
                }
            }
            edges = list
            vMin = plane.vMin
            let range = max(plane.vMax - plane.vMin, 1e-9)
            stripCount = max(1, min(list.count / 2, Int(range / 0.25) + 1, 100_000))
            stripHeight = range / Double(stripCount)
            stripStart = []; stripEdges = []
            var counts = [Int32](repeating: 0, count: stripCount + 1)
            func strips(_ e: Int) -> ClosedRange<Int> {
                let a = min(list[e].va, list[e].vb), b = max(list[e].va, list[e].vb)
                let s0 = min(max(Int((a - vMin) / stripHeight), 0), stripCount - 1)
                let s1 = min(max(Int((b - vMin) / stripHeight), 0), stripCount - 1)
                return s0...s1
            }
            for e in list.indices { for s in strips(e) { counts[s + 1] += 1 } }
            for s in 0..<stripCount { counts[s + 1] += counts[s] }
            stripStart = counts
            var fill = counts
            stripEdges = [Int32](repeating: 0, count: Int(counts[stripCount]))
            for e in list.indices { for s in strips(e) { stripEdges[Int(fill[s])] = Int32(e); fill[s] += 1 } }
        }

        @inline(__always) func contains(_ u: Double, _ v: Double) -> Bool {
            let s = Int(((v - vMin) / stripHeight).rounded(.down))
            guard s >= 0, s < stripCount else { return false }
            return edges.withUnsafeBufferPointer { ed in
                stripEdges.withUnsafeBufferPointer { se in
                    var inside = false
                    for x in Int(stripStart[s])..<Int(stripStart[s + 1]) {
                        let e = ed[Int(se[x])]
                        if (e.va > v) != (e.vb > v), u < e.ua + (v - e.va) * (e.ub - e.ua) / (e.vb - e.va) { inside.toggle() }
                    }
                    return inside
                }
            }
        }
    }

    /// The surface of `g`, sampled every `spacingMM` at most along each side of a patch.
    public init(_ g: StructureGeometry, spacingMM h: Double) {
        spacingMM = h
        // Lateral faces.
        for pl in g.planes {
            let t = pl.slabHigh - pl.slabLow
            guard t > 0 else { continue }
            let nT = max(1, Int((t / h - 1e-9).rounded(.up)))
            let dt = t / Double(nT)
            for p in 0..<pl.polygonCount {
                let s = pl.polygonStarts[p], e = pl.polygonStarts[p + 1]
                var j = e - 1
                for i in s..<e {
                    let u1 = pl.u[j], v1 = pl.v[j], du = pl.u[i] - u1, dv = pl.v[i] - v1
                    j = i
                    let len = (du * du + dv * dv).squareRoot()
                    guard len > 0 else { continue }
                    rects.append(Rect(u1: u1, v1: v1, du: du, dv: dv, invLen2: 1 / (len * len), wLo: pl.slabLow, wHi: pl.slabHigh))
                    let nL = max(1, Int((len / h - 1e-9).rounded(.up)))
                    let wgt = len / Double(nL) * dt
                    for a in 0..<nL {
                        let f = (Double(a) + 0.5) / Double(nL)
                        for b in 0..<nT {
                            u.append(u1 + f * du); v.append(v1 + f * dv); w.append(pl.slabLow + (Double(b) + 0.5) * dt); weight.append(wgt)
                        }
                    }
                }
            }
        }
        // End caps.
        var capPlanes: [ContourPlane] = []
        for (k, pl) in g.planes.enumerated() {
            if k == 0 || abs(g.planes[k - 1].slabHigh - pl.slabLow) > 1e-6 {
                var c = pl; c.w = pl.slabLow; capPlanes.append(c)
            }
            if k + 1 < g.planes.count && abs(g.planes[k + 1].slabLow - pl.slabHigh) <= 1e-6 {
                capPlanes.append(pl.merged(with: g.planes[k + 1], at: pl.slabHigh))
            } else {
                var c = pl; c.w = pl.slabHigh; capPlanes.append(c)
            }
        }
        for c in capPlanes {
            caps.append(Cap(plane: c))
            let rows = RowCrossings(plane: c, v0: 0, hv: h)
            for r in 0..<rows.rowCount {
                var x = rows.rowStarts[r]
                while x + 1 < rows.rowStarts[r + 1] {
                    let a = rows.u[x], b = rows.u[x + 1]
                    x += 2
                    let len = b - a
                    guard len > 0 else { continue }
                    let n = max(1, Int((len / h - 1e-9).rounded(.up)))
                    let cl = len / Double(n)
                    for m in 0..<n {
                        u.append(a + (Double(m) + 0.5) * cl); v.append(rows.v[r]); w.append(c.w); weight.append(cl * rows.height[r])
                    }
                }
            }
        }
        caps.sort { $0.w < $1.w }
        buildBuckets()
    }

    private mutating func buildBuckets() {
        let n = rects.count
        guard n > 0 else { return }
        var uLo = Double.infinity, uHi = -Double.infinity, vLo = Double.infinity, vHi = -Double.infinity
        var wLo = Double.infinity, wHi = -Double.infinity
        for r in rects {
            uLo = min(uLo, r.u1, r.u1 + r.du); uHi = max(uHi, r.u1, r.u1 + r.du)
            vLo = min(vLo, r.v1, r.v1 + r.dv); vHi = max(vHi, r.v1, r.v1 + r.dv)
            wLo = min(wLo, r.wLo); wHi = max(wHi, r.wHi)
        }
        // Cells of 2 mm (a few edges each for contours drawn at about 1 mm), coarser for structures so
        // large that the grid would pass 4 million cells.
        let extent = (uHi - uLo + 1e-6) * (vHi - vLo + 1e-6) * (wHi - wLo + 1e-6)
        cell = max(2.0, cbrt(extent / 4e6))
        lo = (uLo, vLo, wLo)
        nu = Int((uHi - uLo) / cell) + 1; nv = Int((vHi - vLo) / cell) + 1; nw = Int((wHi - wLo) / cell) + 1
        var counts = [Int32](repeating: 0, count: nu * nv * nw + 1)
        func cells(_ k: Int, _ body: (Int) -> Void) {
            let r = rects[k]
            let a0 = Int((min(r.u1, r.u1 + r.du) - lo.0) / cell), a1 = Int((max(r.u1, r.u1 + r.du) - lo.0) / cell)
            let b0 = Int((min(r.v1, r.v1 + r.dv) - lo.1) / cell), b1 = Int((max(r.v1, r.v1 + r.dv) - lo.1) / cell)
            let c0 = Int((r.wLo - lo.2) / cell), c1 = Int((r.wHi - lo.2) / cell)
            for c in max(c0, 0)...min(c1, nw - 1) { for b in max(b0, 0)...min(b1, nv - 1) { for a in max(a0, 0)...min(a1, nu - 1) {
                body(a + nu * (b + nv * c))
            } } }
        }
        for r in 0..<n { cells(r) { counts[$0 + 1] += 1 } }
        for c in 0..<(nu * nv * nw) { counts[c + 1] += counts[c] }
        cellStart = counts
        var fill = counts
        cellItems = [Int32](repeating: 0, count: Int(counts[nu * nv * nw]))
        for r in 0..<n { cells(r) { cellItems[Int(fill[$0])] = Int32(r); fill[$0] += 1 } }
    }

    /// Exact distance from (u, v, w) to the surface, mm.
    public func distance(u pu: Double, v pv: Double, w pw: Double) -> Double {
        withKernel { $0.distance(pu, pv, pw) }
    }

    /// Runs `body` with a kernel reading the rectangles and buckets through pointers: the distance loop
    /// is the whole cost of a comparison, and array accesses there spent most of their time retaining
    /// and releasing the arrays in unoptimised builds. The buffers outlive the call.
    func withKernel<R>(_ body: (Kernel) -> R) -> R {
        rects.withUnsafeBufferPointer { r in
            cellStart.withUnsafeBufferPointer { cs in
                cellItems.withUnsafeBufferPointer { ci in
                    body(Kernel(rects: r.baseAddress!, cellStart: cs.baseAddress!, cellItems: ci.baseAddress ?? cs.baseAddress!,
                                lo: lo, cell: cell, nu: nu, nv: nv, nw: nw, caps: caps))
                }
            }
        }
    }

    struct Kernel {
        let rects: UnsafePointer<Rect>
        let cellStart: UnsafePointer<Int32>
        let cellItems: UnsafePointer<Int32>
        let lo: (Double, Double, Double)
        let cell: Double
        let nu: Int, nv: Int, nw: Int
        let caps: [Cap]

        func distance(_ pu: Double, _ pv: Double, _ pw: Double) -> Double {
            var best = Double.infinity
            // Lateral rectangles: search the bucket grid in growing shells (Chebyshev rings of cells)
            // until no unvisited cell can hold anything nearer.
            let cu = Int(((pu - lo.0) / cell).rounded(.down)), cv = Int(((pv - lo.1) / cell).rounded(.down)), cw = Int(((pw - lo.2) / cell).rounded(.down))
            let outside = max(0, -cu, cu - (nu - 1), -cv, cv - (nv - 1), -cw, cw - (nw - 1))
            let far = max(abs(cu) + nu, abs(cv) + nv, abs(cw) + nw)
            var ring = outside
            while ring <= far {
                let a0 = max(cu - ring, 0), a1 = min(cu + ring, nu - 1)
                let b0 = max(cv - ring, 0), b1 = min(cv + ring, nv - 1)
                let c0 = max(cw - ring, 0), c1 = min(cw + ring, nw - 1)
                if a0 <= a1 && b0 <= b1 && c0 <= c1 {
                    for a in a0...a1 {
                        let edgeA = abs(a - cu) == ring
                        for b in b0...b1 {
                            if edgeA || abs(b - cv) == ring {
                                for c in c0...c1 { best = visit(a, b, c, pu, pv, pw, best) }
                            } else {
                                if cw - ring >= 0 && cw - ring <= nw - 1 { best = visit(a, b, cw - ring, pu, pv, pw, best) }
                                if ring > 0 && cw + ring >= 0 && cw + ring <= nw - 1 { best = visit(a, b, cw + ring, pu, pv, pw, best) }
                            }
                        }
                    }
                }
                // Cells of the next ring are at least `ring` whole cells away.
                let reach = Double(ring) * cell
                if best <= reach * reach { break }
                ring += 1
            }
            var d = best.squareRoot()
            // Caps nearer than that, in order of distance along w; the first that holds (u, v) is
            // nearest (its rim belongs to the lateral faces, already searched).
            var hi = caps.count, loI = 0
            while loI < hi { let m = (loI + hi) / 2; if caps[m].w < pw { loI = m + 1 } else { hi = m } }
            var down = loI - 1, up = loI
            while true {
                let dd = down >= 0 ? pw - caps[down].w : .infinity
                let du = up < caps.count ? caps[up].w - pw : .infinity
                if !(min(dd, du) < d) { break }
                if dd <= du {
                    if caps[down].contains(pu, pv) { d = dd; break }
                    down -= 1
                } else {
                    if caps[up].contains(pu, pv) { d = du; break }
                    up += 1
                }
            }
            return d
        }

        /// Smaller of `best` and the squared distances to the rectangles of one cell.
        @inline(__always) func visit(_ a: Int, _ b: Int, _ c: Int, _ pu: Double, _ pv: Double, _ pw: Double, _ best: Double) -> Double {
            var best = best
            let id = a + nu * (b + nv * c)
            var x = Int(cellStart[id])
            let end = Int(cellStart[id + 1])
            while x < end {
                let r = rects[Int(cellItems[x])]
                x += 1
                let eu0 = pu - r.u1, ev0 = pv - r.v1
                let t = min(max((eu0 * r.du + ev0 * r.dv) * r.invLen2, 0), 1)
                let eu = eu0 - t * r.du, ev = ev0 - t * r.dv
                let dw = max(0, r.wLo - pw, pw - r.wHi)
                let d2 = eu * eu + ev * ev + dw * dw
                if d2 < best { best = d2 }
            }
            return best
        }
    }

    /// Distances from every sample of `self` to `other`, computed in parallel.
    public func distances(to other: SlabSurface, parallel: Bool = true) -> [Double] {
        let n = u.count
        var out = [Double](repeating: 0, count: n)
        let chunk = 4096
        let chunks = (n + chunk - 1) / chunk
        out.withUnsafeMutableBufferPointer { buf in
            nonisolated(unsafe) let o = buf
            other.withKernel { k in
                u.withUnsafeBufferPointer { pu in v.withUnsafeBufferPointer { pv in w.withUnsafeBufferPointer { pw in
                    nonisolated(unsafe) let (k, pu, pv, pw) = (k, pu, pv, pw)
                    let work: @Sendable (Int) -> Void = { c in
                        for i in (c * chunk)..<min(n, (c + 1) * chunk) { o[i] = k.distance(pu[i], pv[i], pw[i]) }
                    }
                    if parallel && chunks > 1 { DispatchQueue.concurrentPerform(iterations: chunks, execute: work) } else { for c in 0..<chunks { work(c) } }
                } } }
            }
        }
        return out
    }
}
