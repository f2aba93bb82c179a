import AnchorRT
import Foundation

/// Turns solids into the closed planar contours of an RT Structure Set (PS3.3 C.8.8.6): on each
/// axial plane, ellipses where the section is known exactly, otherwise the zero level of the implicit
/// function traced by marching squares on a fine grid. Outer boundaries run counter-clockwise seen
/// from the head (+z), holes clockwise, so the even-odd rule of C.8.8.6.3 and the winding agree.
enum Contouring {
    /// Spacing aimed at between contour points, mm; points per contour are kept within
    /// `minimumPoints...maximumPoints`.
    static let pointSpacingMM = 1.0
    static let minimumPoints = 24
    static let maximumPoints = 150

    /// Polygons (x, y) of the section of `solid` by the plane z = `z`; empty when the plane misses it.
    static func section(of solid: Solid, z: Double, bounds: Bounds) -> [[(Double, Double)]] {
        if let ellipses = solid.analyticSection(z: z) {
            return ellipses.compactMap { polygon(of: $0) }
        }
        return traced(solid, z: z, bounds: bounds)
    }

    /// An ellipse as a polygon with points about `pointSpacingMM` apart, counter-clockwise.
    static func polygon(of e: Ellipse) -> [(Double, Double)]? {
        guard e.a > 0.05, e.b > 0.05 else { return nil }
        // Ramanujan's approximation of the perimeter.
        let h = ((e.a - e.b) * (e.a - e.b)) / ((e.a + e.b) * (e.a + e.b))
        let perimeter = Double.pi * (e.a + e.b) * (1 + 3 * h / (10 + (4 - 3 * h).squareRoot()))
        let n = min(max(Int((perimeter / pointSpacingMM).rounded()), minimumPoints), maximumPoints)
        let ca = cos(e.angle), sa = sin(e.angle)
        return (0..<n).map { k in
            let t = 2 * Double.pi * Double(k) / Double(n)
            let u = e.a * cos(t), v = e.b * sin(t)
            return (e.cx + u * ca - v * sa, e.cy + u * sa + v * ca)
        }
    }

    /// Marching squares on the implicit function in the plane z, over the solid's bounds padded so the
    /// grid border is outside (every traced loop closes).
    static func traced(_ solid: Solid, z: Double, bounds b: Bounds) -> [[(Double, Double)]] {
        let extent = max(b.size.x, b.size.y)
        guard extent.isFinite, extent > 0 else { return [] }
        // About 64 samples across, at most 2.5 mm apart: a chord of length h on a surface of radius R
        // strays h²/8R from it, under 0.05 mm for these sizes (the crossings on the grid edges are
        // interpolated, not rounded to the grid).
        let step = min(max(extent / 64, 0.2), 2.5)
        let x0 = b.min.x - 2 * step, y0 = b.min.y - 2 * step
        let nx = Int(((b.max.x + 2 * step) - x0) / step) + 2
        let ny = Int(((b.max.y + 2 * step) - y0) / step) + 2
        var f = [Double](repeating: 1, count: nx * ny)
        var any = false
        for j in 0..<ny {
            for i in 0..<nx {
                let v = solid.value(at: Vec3(x0 + Double(i) * step, y0 + Double(j) * step, z))
                f[j * nx + i] = v
                if v < 0 { any = true }
            }
        }
        guard any else { return [] }
        // Edge keys: horizontal edge (i,j)-(i+1,j) is 2·(j·nx+i), vertical edge (i,j)-(i,j+1) is 2·(j·nx+i)+1.
        var points: [Int: (Double, Double)] = [:]
        var links: [Int: [Int]] = [:]
        func crossing(_ key: Int) -> (Double, Double) {
            if let p = points[key] { return p }
            let cell = key >> 1, i = cell % nx, j = cell / nx
            let (i2, j2) = key & 1 == 0 ? (i + 1, j) : (i, j + 1)
            let fa = f[j * nx + i], fb = f[j2 * nx + i2]
            let t = fa / (fa - fb)
            let p = (x0 + (Double(i) + t * Double(i2 - i)) * step, y0 + (Double(j) + t * Double(j2 - j)) * step)
            points[key] = p
            return p
        }
        func link(_ a: Int, _ b: Int) {
            _ = crossing(a); _ = crossing(b)
            links[a, default: []].append(b)
            links[b, default: []].append(a)
        }
        for j in 0..<(ny - 1) {
            for i in 0..<(nx - 1) {
                let v0 = f[j * nx + i], v1 = f[j * nx + i + 1], v2 = f[(j + 1) * nx + i + 1], v3 = f[(j + 1) * nx + i]
                let s0 = v0 < 0, s1 = v1 < 0, s2 = v2 < 0, s3 = v3 < 0
                if s0 == s1 && s1 == s2 && s2 == s3 { continue }
                let e0 = 2 * (j * nx + i), e1 = 2 * (j * nx + i + 1) + 1, e2 = 2 * ((j + 1) * nx + i), e3 = 2 * (j * nx + i) + 1
                var crossed: [Int] = []
                if s0 != s1 { crossed.append(e0) }
                if s1 != s2 { crossed.append(e1) }
                if s3 != s2 { crossed.append(e2) }
                if s0 != s3 { crossed.append(e3) }
                if crossed.count == 2 {
                    link(crossed[0], crossed[1])
                } else {
                    // Saddle: cut off the corners whose side differs from the cell centre's.
                    let centreInside = (v0 + v1 + v2 + v3) / 4 < 0
                    if s0 != centreInside { link(e0, e3) }
                    if s1 != centreInside { link(e0, e1) }
                    if s2 != centreInside { link(e1, e2) }
                    if s3 != centreInside { link(e2, e3) }
                }
            }
        }
        // Walk the loops.
        var visited = Set<Int>()
        var loops: [[(Double, Double)]] = []
        for start in links.keys.sorted() where !visited.contains(start) {
            var loop: [(Double, Double)] = []
            var prev = -1, cur = start
            while !visited.contains(cur) {
                visited.insert(cur)
                loop.append(points[cur]!)
                let next = links[cur]!.first { $0 != prev && !visited.contains($0) } ?? links[cur]!.first { $0 != prev } ?? start
                prev = cur
                cur = next
            }
            if loop.count >= 3 && abs(signedArea(loop)) > 0.05 { loops.append(loop) }
        }
        // Orientation by nesting depth: even depth is an outer boundary.
        return loops.enumerated().map { n, loop in
            let depth = loops.enumerated().filter { m, other in m != n && contains(other, loop[0]) }.count
            let area = signedArea(loop)
            let oriented = (depth % 2 == 0) == (area > 0) ? loop : loop.reversed()
            return resampled(oriented)
        }
    }

    /// Shoelace signed area, mm²: positive for counter-clockwise (seen from +z).
    static func signedArea(_ p: [(Double, Double)]) -> Double {
        var s = 0.0
        for k in 0..<p.count {
            let a = p[k], b = p[(k + 1) % p.count]
            s += a.0 * b.1 - b.0 * a.1
        }
        return s / 2
    }

    /// Even-odd point in polygon.
    static func contains(_ poly: [(Double, Double)], _ q: (Double, Double)) -> Bool {
        var inside = false
        var j = poly.count - 1
        for i in 0..<poly.count {
            let a = poly[i], b = poly[j]
            if (a.1 > q.1) != (b.1 > q.1) {
                let x = a.0 + (q.1 - a.1) / (b.1 - a.1) * (b.0 - a.0)
                if q.0 < x { inside.toggle() }
            }
            j = i
        }
        return inside
    }

    /// Points evenly spaced along the closed polyline, about `pointSpacingMM` apart within the limits.
    static func resampled(_ p: [(Double, Double)]) -> [(Double, Double)] {
        var cumulative = [0.0]
        for k in 0..<p.count {
            let a = p[k], b = p[(k + 1) % p.count]
            cumulative.append(cumulative.last! + ((b.0 - a.0) * (b.0 - a.0) + (b.1 - a.1) * (b.1 - a.1)).squareRoot())
        }
        let perimeter = cumulative.last!
        let n = min(max(Int((perimeter / pointSpacingMM).rounded()), minimumPoints), maximumPoints)
        if n >= p.count { return p }
        var out: [(Double, Double)] = []
        out.reserveCapacity(n)
        var seg = 0
        for k in 0..<n {
            let s = perimeter * Double(k) / Double(n)
            while cumulative[seg + 1] < s { seg += 1 }
            let a = p[seg], b = p[(seg + 1) % p.count]
            let len = cumulative[seg + 1] - cumulative[seg]
            let t = len > 0 ? (s - cumulative[seg]) / len : 0
            out.append((a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1)))
        }
        return out
    }
}
