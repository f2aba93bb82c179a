import AnchorRT
import Foundation

/// The section of a structure by a view slice, in the slice's pixel coordinates (column, row; pixel
/// centres at integers), under the DVH engine's own structure model (`StructureGeometry`, the slab
/// convention of `DVHOptions`): each contour plane stands for a slab of space, its polygons combined by
/// the even-odd rule (PS3.3 C.8.8.6). So what the viewer outlines is what the DVH measured.
///
/// - A slice parallel to the contour planes (the axial view of an axial CT) shows the polygons of the
///   plane whose slab holds it: the contours as drawn.
/// - A slice across the contour planes (sagittal, coronal) cuts each slab in rectangles: the intervals
///   where the slice's line crosses the plane's polygons (even-odd), times the slab's thickness. Their
///   union is outlined, with the steps where the neighbouring slabs differ.
/// - A slice at any other angle clips each slab's polygons to the strip of the plane the slice passes
///   through inside the slab.
public struct ContourSection: Sendable {
    /// Closed rings, each `[c0, r0, c1, r1, ...]` (closing edge implied).
    public var rings: [[Double]] = []
    /// Open polylines (where the outline leaves the slice's image area it is still given whole; these
    /// are only the chains of an outline that did not close).
    public var lines: [[Double]] = []
    public var isEmpty: Bool { rings.isEmpty && lines.isEmpty }

    public init(rings: [[Double]] = [], lines: [[Double]] = []) {
        self.rings = rings
        self.lines = lines
    }
}

public enum ContourSlicer {
    /// Cosine below which a slice counts as perpendicular to the contour planes (the slab's position
    /// along the line then moves by at most 0.001 x half the slab thickness).
    public static let perpendicularCosine = 1e-3

    public static func section(_ geo: StructureGeometry, view: ViewGeometry, index s: Int) -> ContourSection {
        let f = geo.frame
        let nv = view.sliceVector.normalized
        let ps = view.patient(0, 0, Double(s))
        let a = nv.dot(f.e1), b = nv.dot(f.e2), c = nv.dot(f.normal)
        let d = nv.dot(ps - f.origin)
        func pixel(_ u: Double, _ v: Double, _ w: Double) -> (Double, Double) {
            let p = view.pixel(of: f.point(u: u, v: v, w: w))
            return (p.c, p.r)
        }
        var out = ContourSection()
        if abs(c) > perpendicularCosine {
            if abs(a) < 1e-9 && abs(b) < 1e-9 {
                // Parallel: one plane's polygons, the slab half-open so a slice on a boundary shows one.
                let w = d / c
                guard let plane = geo.planes.first(where: { $0.slabLow <= w && w < $0.slabHigh })
                        ?? geo.planes.last.flatMap({ abs(w - $0.slabHigh) < 1e-6 ? $0 : nil }) else { return out }
                for p in 0..<plane.polygonCount {
                    var ring: [Double] = []
                    for q in plane.polygonStarts[p]..<plane.polygonStarts[p + 1] {
                        let (x, y) = pixel(plane.u[q], plane.v[q], w)
                        ring.append(x); ring.append(y)
                    }
                    out.rings.append(ring)
                }
                return out
            }
            // Oblique: w on the slice is (d - a·u - b·v) / c; keep the part of each polygon where that w is
            // inside the slab.
            for plane in geo.planes {
                for p in 0..<plane.polygonCount {
                    var poly: [(Double, Double)] = (plane.polygonStarts[p]..<plane.polygonStarts[p + 1]).map { (plane.u[$0], plane.v[$0]) }
                    func w(_ q: (Double, Double)) -> Double { (d - a * q.0 - b * q.1) / c }
                    poly = clip(poly) { w($0) - plane.slabLow }
                    poly = clip(poly) { plane.slabHigh - w($0) }
                    guard poly.count >= 3 else { continue }
                    var ring: [Double] = []
                    for q in poly { let (x, y) = pixel(q.0, q.1, w(q)); ring.append(x); ring.append(y) }
                    out.rings.append(ring)
                }
            }
            return out
        }
        // Across the planes: the slice meets each plane along the line a·u + b·v = d - c·w.
        let ab2 = a * a + b * b
        guard ab2 > 0 else { return out }
        let dirU = -b / ab2.squareRoot(), dirV = a / ab2.squareRoot()
        var slabs: [(low: Double, high: Double, q0: (Double, Double), intervals: [(Double, Double)])] = []
        for plane in geo.planes {
            let e = d - c * (plane.slabLow + plane.slabHigh) / 2
            let q0 = (a * e / ab2, b * e / ab2)
            var crossings: [Double] = []
            for p in 0..<plane.polygonCount {
                let start = plane.polygonStarts[p], end = plane.polygonStarts[p + 1]
                var j = end - 1
                for i in start..<end {
                    let fi = a * plane.u[i] + b * plane.v[i] - e, fj = a * plane.u[j] + b * plane.v[j] - e
                    // Half-open rule (a vertex on the line counts on the negative side), as in ray casting.
                    if (fi > 0) != (fj > 0) {
                        let t = fi / (fi - fj)
                        let u = plane.u[i] + (plane.u[j] - plane.u[i]) * t, v = plane.v[i] + (plane.v[j] - plane.v[i]) * t
                        crossings.append((u - q0.0) * dirU + (v - q0.1) * dirV)
                    }
                    j = i
                }
            }
            crossings.sort()
            var intervals: [(Double, Double)] = []
            var k = 0
            while k + 1 < crossings.count {
                if crossings[k + 1] > crossings[k] { intervals.append((crossings[k], crossings[k + 1])) }
                k += 2
            }
            slabs.append((plane.slabLow, plane.slabHigh, q0, intervals))
        }
        func point(_ slab: Int, _ tau: Double, _ w: Double) -> (Double, Double) {
            let q0 = slabs[slab].q0
            return pixel(q0.0 + dirU * tau, q0.1 + dirV * tau, w)
        }
        var segments: [((Double, Double), (Double, Double))] = []
        for (n, slab) in slabs.enumerated() {
            // Sides: every interval end, the height of the slab.
            for (t0, t1) in slab.intervals {
                segments.append((point(n, t0, slab.low), point(n, t0, slab.high)))
                segments.append((point(n, t1, slab.low), point(n, t1, slab.high)))
            }
            // Bottom: where this slab differs from the one below it (all of it when they do not touch).
            let below = n > 0 && abs(slabs[n - 1].high - slab.low) < 1e-6 ? slabs[n - 1].intervals : []
            for (t0, t1) in symmetricDifference(slab.intervals, below) { segments.append((point(n, t0, slab.low), point(n, t1, slab.low))) }
            // Top of the last slab, or of one with a gap above it.
            let touchesAbove = n + 1 < slabs.count && abs(slabs[n + 1].low - slab.high) < 1e-6
            if !touchesAbove {
                for (t0, t1) in slab.intervals { segments.append((point(n, t0, slab.high), point(n, t1, slab.high))) }
            }
        }
        let chained = chain(segments)
        out.rings = chained.rings
        out.lines = chained.lines
        return out
    }

    /// Sutherland-Hodgman clipping of a polygon to the half-plane where `inside(q) >= 0` (`inside` is
    /// affine, so the crossing is found by linear interpolation).
    public static func clip(_ poly: [(Double, Double)], _ inside: ((Double, Double)) -> Double) -> [(Double, Double)] {
        guard !poly.isEmpty else { return [] }
        var out: [(Double, Double)] = []
        var prev = poly[poly.count - 1]
        var fp = inside(prev)
        for cur in poly {
            let fc = inside(cur)
            if fc >= 0 {
                if fp < 0 { out.append(lerp(prev, cur, fp / (fp - fc))) }
                out.append(cur)
            } else if fp >= 0 {
                out.append(lerp(prev, cur, fp / (fp - fc)))
            }
            prev = cur; fp = fc
        }
        return out
    }

    public static func lerp(_ p: (Double, Double), _ q: (Double, Double), _ t: Double) -> (Double, Double) {
        (p.0 + (q.0 - p.0) * t, p.1 + (q.1 - p.1) * t)
    }

    /// The parts covered by exactly one of two sets of disjoint sorted intervals.
    public static func symmetricDifference(_ x: [(Double, Double)], _ y: [(Double, Double)]) -> [(Double, Double)] {
        var events: [Double] = []
        for (a, b) in x { events.append(a); events.append(b) }
        for (a, b) in y { events.append(a); events.append(b) }
        events.sort()
        func covered(_ set: [(Double, Double)], _ t: Double) -> Bool { set.contains { $0.0 <= t && t < $0.1 } }
        var out: [(Double, Double)] = []
        for k in 0..<max(0, events.count - 1) where events[k + 1] - events[k] > 1e-9 {
            let mid = (events[k] + events[k + 1]) / 2
            if covered(x, mid) != covered(y, mid) {
                if let last = out.last, abs(last.1 - events[k]) < 1e-9 { out[out.count - 1].1 = events[k + 1] }
                else { out.append((events[k], events[k + 1])) }
            }
        }
        return out
    }

    /// Joins segments that share end points into closed rings and open polylines.
    public static func chain(_ segments: [((Double, Double), (Double, Double))]) -> (rings: [[Double]], lines: [[Double]]) {
        struct Key: Hashable { var x: Int64; var y: Int64 }
        // End points come from the same arithmetic on the same numbers, so they agree to far better
        // than 1e-4 pixel when they are meant to meet.
        func key(_ p: (Double, Double)) -> Key { Key(x: Int64((p.0 * 1e4).rounded()), y: Int64((p.1 * 1e4).rounded())) }
        var at: [Key: [Int]] = [:]
        let segs = segments.filter { key($0.0) != key($0.1) }
        for (n, s) in segs.enumerated() { at[key(s.0), default: []].append(n); at[key(s.1), default: []].append(n) }
        var used = [Bool](repeating: false, count: segs.count)
        var rings: [[Double]] = [], lines: [[Double]] = []
        func next(from p: (Double, Double)) -> (Int, (Double, Double))? {
            for n in at[key(p)] ?? [] where !used[n] {
                let s = segs[n]
                return (n, key(s.0) == key(p) ? s.1 : s.0)
            }
            return nil
        }
        for start in segs.indices where !used[start] {
            used[start] = true
            var forward: [(Double, Double)] = [segs[start].0, segs[start].1]
            while let (n, p) = next(from: forward[forward.count - 1]) { used[n] = true; forward.append(p) }
            var backward: [(Double, Double)] = []
            if key(forward[forward.count - 1]) != key(forward[0]) {
                var p = forward[0]
                while let (n, q) = next(from: p) { used[n] = true; backward.append(q); p = q }
            }
            var pts = backward.reversed() + forward
            let closed = pts.count > 3 && key(pts[0]) == key(pts[pts.count - 1])
            if closed { pts.removeLast() }
            let flat = pts.flatMap { [$0.0, $0.1] }
            if closed { rings.append(flat) } else { lines.append(flat) }
        }
        return (rings, lines)
    }
}
