/// Scanline rasterisation of one contour plane (the even-odd rule of PS3.3 C.8.8.6.3): sample rows
/// along u, and for each row the sorted u of its crossings with every polygon edge. The pairs
/// (u[0], u[1]), (u[2], u[3]) ... are the row's inside intervals, exact along u.
///
/// Rows: the plane is cut into bands of height hv, band r spanning v in [v0 + r·hv, v0 + (r+1)·hv]
/// (nested in the dose voxels' rows when the frame is aligned). A band is sampled by one row at its
/// middle, which is exact when the total chord length L(v) is linear over the band and second-order
/// accurate where it only bends. Where L(v) jumps — at an edge running nearly along u and longer than a
/// row (rectangles, the steps of contours traced on image pixels, flat polygon tops) — and at each
/// polygon's lowest and highest vertex (where a contour or a hole starts and ends), the band is split at
/// that v and each part sampled at its own middle. Measured on the phantoms: a box edge lying exactly
/// on a row shifted the sampled dose distribution by half a row (0.28% of the dose range) without the
/// split, and a 30/15 mm ring sampled every 0.83 mm lost 0.18% of its area without the extremes' split
/// (0.014% with it).
///
/// An edge crosses the rows with v in [min(va, vb), max(va, vb)): the half-open rule counts a vertex
/// on a row once for an edge passing through it and twice or never at a local extremum, so parity is
/// kept. Built in two passes over the edges (count, fill), O(edges·log(rows) + crossings).
struct RowCrossings {
    /// v of each row (increasing), mm.
    var v: [Double]
    /// Height of the band part each row stands for, mm.
    var height: [Double]
    /// Band index of each row (band r spans [v0 + r·hv, v0 + (r+1)·hv]).
    var band: [Int]
    /// Crossings of row n are `u[rowStarts[n]..<rowStarts[n + 1]]`.
    var rowStarts: [Int]
    var u: [Double]

    var rowCount: Int { v.count }

    init(plane: ContourPlane, v0: Double, hv: Double) {
        let pu = plane.u, pv = plane.v
        // Where L(v) jumps or ends: split points.
        var breaks: [Double] = []
        for p in 0..<plane.polygonCount {
            let s = plane.polygonStarts[p], e = plane.polygonStarts[p + 1]
            var lo = Double.infinity, hi = -Double.infinity
            for i in s..<e { lo = min(lo, pv[i]); hi = max(hi, pv[i]) }
            breaks.append(lo); breaks.append(hi)
            var j = e - 1
            for i in s..<e {
                let du = abs(pu[i] - pu[j]), dv = abs(pv[i] - pv[j])
                if du >= hv && dv < 0.5 * hv { breaks.append(pv[i]); breaks.append(pv[j]) }
                j = i
            }
        }
        breaks.sort()
        // Rows: every band overlapping [vMin, vMax], split at the breaks inside it.
        let firstBand = Int(((plane.vMin - v0) / hv).rounded(.down))
        let lastBand = Int(((plane.vMax - v0) / hv).rounded(.down))
        var vs: [Double] = [], hs: [Double] = [], bs: [Int] = []
        let expected = lastBand - firstBand + 1 + breaks.count
        vs.reserveCapacity(expected); hs.reserveCapacity(expected); bs.reserveCapacity(expected)
        var b = 0
        for r in firstBand...max(firstBand, lastBand) {
            let lo = v0 + Double(r) * hv, hi = lo + hv
            var start = lo
            while b < breaks.count && breaks[b] <= lo { b += 1 }
            while b < breaks.count && breaks[b] < hi {
                let cut = breaks[b]
                b += 1
                if cut - start > 1e-9 * hv {
                    vs.append((start + cut) / 2); hs.append(cut - start); bs.append(r)
                    start = cut
                }
            }
            if hi - start > 1e-9 * hv { vs.append((start + hi) / 2); hs.append(hi - start); bs.append(r) }
        }
        let rows = vs.count
        // First row with v >= x.
        @inline(__always) func lowerBound(_ x: Double) -> Int {
            var lo = 0, hi = rows
            while lo < hi { let m = (lo + hi) >> 1; if vs[m] < x { lo = m + 1 } else { hi = m } }
            return lo
        }
        var counts = [Int](repeating: 0, count: rows + 1)
        for p in 0..<plane.polygonCount {
            let s = plane.polygonStarts[p], e = plane.polygonStarts[p + 1]
            var j = e - 1
            for i in s..<e {
                let a = pv[j], c = pv[i]
                j = i
                if a == c { continue }
                let r0 = lowerBound(min(a, c)), r1 = lowerBound(max(a, c))
                if r1 > r0 { counts[r0] += 1; counts[r1] -= 1 }
            }
        }
        // counts holds +1/-1 at range ends: prefix sums give crossings per row, then row starts.
        var starts = [Int](repeating: 0, count: rows + 1)
        var running = 0, total = 0
        for r in 0..<rows {
            running += counts[r]
            starts[r] = total
            total += running
        }
        starts[rows] = total
        var fill = starts
        var xs = [Double](repeating: 0, count: total)
        for p in 0..<plane.polygonCount {
            let s = plane.polygonStarts[p], e = plane.polygonStarts[p + 1]
            var j = e - 1
            for i in s..<e {
                let va = pv[j], vb = pv[i], ua = pu[j], ub = pu[i]
                j = i
                if va == vb { continue }
                let r0 = lowerBound(min(va, vb)), r1 = lowerBound(max(va, vb))
                if r1 <= r0 { continue }
                let slope = (ub - ua) / (vb - va)
                for r in r0..<r1 {
                    xs[fill[r]] = ua + (vs[r] - va) * slope
                    fill[r] += 1
                }
            }
        }
        if let expression = plane.expression, let operands = plane.polygonOperands {
            // A derived structure: per row, walk the crossings of every operand in order, keep each
            // operand's even-odd inside state, and keep the u where the expression's value changes. The
            // pairs are then exactly the expression's inside intervals along the row.
            var tagged = [Int](repeating: 0, count: total)
            fill = starts
            for p in 0..<plane.polygonCount {
                let s = plane.polygonStarts[p], e = plane.polygonStarts[p + 1]
                var j = e - 1
                for i in s..<e {
                    let va = pv[j], vb = pv[i]
                    j = i
                    if va == vb { continue }
                    let r0 = lowerBound(min(va, vb)), r1 = lowerBound(max(va, vb))
                    if r1 <= r0 { continue }
                    for r in r0..<r1 { tagged[fill[r]] = operands[p]; fill[r] += 1 }
                }
            }
            let operandCount = (operands.max() ?? 0) + 1
            var out: [Double] = []
            var outStarts = [Int](repeating: 0, count: rows + 1)
            var inside = [Bool](repeating: false, count: operandCount)
            for r in 0..<rows {
                outStarts[r] = out.count
                let lo = starts[r], hi = starts[r + 1]
                let order = (lo..<hi).sorted { xs[$0] < xs[$1] }
                for k in inside.indices { inside[k] = false }
                var state = false
                var n = 0
                while n < order.count {
                    // Crossings at the same u change their operands together.
                    let x = xs[order[n]]
                    while n < order.count && xs[order[n]] == x { inside[tagged[order[n]]].toggle(); n += 1 }
                    let now = expression.contains(inside)
                    if now != state { out.append(x); state = now }
                }
                // Closed polygons cross every row an even number of times, so the walk ends outside;
                // should rounding leave it inside, the unpaired boundary is dropped rather than read as a pair.
                if state { out.removeLast() }
            }
            outStarts[rows] = out.count
            v = vs
            height = hs
            band = bs
            rowStarts = outStarts
            u = out
            return
        }
        // Rows hold few crossings (2 for a convex contour, rarely over 20): insertion sort.
        for r in 0..<rows {
            let lo = starts[r], hi = starts[r + 1]
            if hi - lo < 2 { continue }
            if hi - lo > 32 { xs[lo..<hi].sort(); continue }
            for a in (lo + 1)..<hi {
                let x = xs[a]
                var k = a - 1
                while k >= lo && xs[k] > x { xs[k + 1] = xs[k]; k -= 1 }
                xs[k + 1] = x
            }
        }
        v = vs
        height = hs
        band = bs
        rowStarts = starts
        u = xs
    }
}
