import AnchorRT

/// The exact DVH of a `DVHPhantom` in a `LinearDose` under the slab convention (each plane a slab of
/// one spacing centred on it, contours combined by the even-odd rule), computed analytically and
/// independently of the engine: no rasterising, no sampling.
///
/// For a plane, the area of its region where the in-plane part of the dose exceeds c, A(c), is a
/// piecewise quadratic function of c with breakpoints at the vertices' doses (a line sweeping over a
/// polygon). It is tabulated exactly (half-plane clipping at every breakpoint and midpoint), and the
/// volume of a slab above dose d is the integral of A over the range of c its thickness spans, done
/// in closed form piece by piece.
public struct ExactSlabDVH: Sendable {
    struct PlaneTable: Sendable {
        var lo: Double, hi: Double          // slab along z, mm
        var area: Double                    // even-odd area, mm²
        var momentX: Double, momentY: Double
        var breaks: [Double]                // sorted c values
        var atBreak: [Double]               // A at breaks
        var atMid: [Double]                 // A at midpoints of pieces
        var tail: [Double]                  // ∫_{breaks[i]}^{∞} A(c) dc
        var vertexC: [Double]               // in-plane dose part at the vertices
    }

    public let volumeCC: Double
    public let meanGy: Double
    public let minGy: Double
    public let maxGy: Double
    let tables: [PlaneTable]
    let a: Double, gx: Double, gy: Double, gz: Double

    public init(_ phantom: DVHPhantom, _ dose: LinearDose) {
        let f = phantom.frame
        let g = dose.gradientGyPerMM
        // Dose in plane coordinates: a + gx·x + gy·y + gz·z.
        a = dose.doseAtOriginGy + g.dot(f.origin)
        gx = g.dot(f.e1); gy = g.dot(f.e2); gz = g.dot(f.normal)
        let s = phantom.planeSpacingMM
        var tables: [PlaneTable] = []
        var volume = 0.0, doseVolume = 0.0
        var lo = Double.infinity, hi = -Double.infinity
        for p in phantom.planes {
            let t = Self.table(p.polygons, z: p.z, spacing: s, gx: gx, gy: gy)
            tables.append(t)
            let thick = t.hi - t.lo
            volume += t.area * thick
            doseVolume += thick * (a * t.area + gx * t.momentX + gy * t.momentY + gz * p.z * t.area)
            for c in t.vertexC {
                for z in [t.lo, t.hi] { let d = a + c + gz * z; lo = min(lo, d); hi = max(hi, d) }
            }
        }
        self.tables = tables
        volumeCC = volume / 1000
        meanGy = doseVolume / volume
        minGy = lo
        maxGy = hi
    }

    /// Volume receiving at least `d` Gy, cc.
    public func volumeCC(atLeastGy d: Double) -> Double {
        var v = 0.0
        for t in tables {
            if abs(gz) < 1e-15 {
                v += (t.hi - t.lo) * Self.area(t, above: d - a)
            } else {
                // c(z) = d - a - gz·z over z in [lo, hi]; ∫ A(c(z)) dz = (tail(cmin) - tail(cmax)) / |gz|.
                let c1 = d - a - gz * t.lo, c2 = d - a - gz * t.hi
                v += (Self.tail(t, from: min(c1, c2)) - Self.tail(t, from: max(c1, c2))) / abs(gz)
            }
        }
        return v / 1000
    }

    /// Dx%: the dose d with volumeCC(atLeastGy: d) = x% of the volume (bisection to 1e-9 Gy).
    public func dose(atVolumePercent x: Double) -> Double { dose(atVolumeCC: x / 100 * volumeCC) }

    public func dose(atVolumeCC target: Double) -> Double {
        var lo = minGy, hi = maxGy
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if volumeCC(atLeastGy: mid) >= target { lo = mid } else { hi = mid }
            if hi - lo < 1e-10 { break }
        }
        return (lo + hi) / 2
    }

    // MARK: Tables

    static func table(_ polys: [DVHPhantom.Polygon], z: Double, spacing s: Double, gx: Double, gy: Double) -> PlaneTable {
        // Nesting depth parity gives each polygon's sign under the even-odd rule (contours do not cross).
        let signs: [Double] = polys.indices.map { p in
            let q = polys[p][0]
            let depth = polys.indices.filter { $0 != p && contains(polys[$0], q.x, q.y) }.count
            return depth % 2 == 0 ? 1 : -1
        }
        var area = 0.0, mx = 0.0, my = 0.0
        for (p, poly) in polys.enumerated() {
            let (ar, cx, cy) = moments(poly)
            let o: Double = ar < 0 ? -1 : 1
            area += signs[p] * o * ar
            mx += signs[p] * o * cx
            my += signs[p] * o * cy
        }
        let vertexC = polys.flatMap { $0.map { gx * $0.x + gy * $0.y } }
        func clippedArea(_ c: Double) -> Double {
            var total = 0.0
            for (p, poly) in polys.enumerated() {
                let orig = moments(poly).0
                let clipped = clip(poly, gx: gx, gy: gy, c: c)
                total += signs[p] * (orig < 0 ? -1 : 1) * moments(clipped).0
            }
            return total
        }
        var breaks = Array(Set(vertexC)).sorted()
        if breaks.count == 1 { breaks = [breaks[0], breaks[0]] }
        let atBreak = breaks.map(clippedArea)
        let atMid = zip(breaks, breaks.dropFirst()).map { clippedArea(($0 + $1) / 2) }
        var tail = [Double](repeating: 0, count: breaks.count)
        for i in stride(from: breaks.count - 2, through: 0, by: -1) {
            let w = breaks[i + 1] - breaks[i]
            tail[i] = tail[i + 1] + w * (atBreak[i] + 4 * atMid[i] + atBreak[i + 1]) / 6  // Simpson: exact for quadratics
        }
        return PlaneTable(lo: z - s / 2, hi: z + s / 2, area: area, momentX: mx, momentY: my, breaks: breaks,
                          atBreak: atBreak, atMid: atMid, tail: tail, vertexC: vertexC)
    }

    /// A(c): area where gx·x + gy·y ≥ c.
    static func area(_ t: PlaneTable, above c: Double) -> Double {
        if c <= t.breaks[0] { return t.area }
        if c >= t.breaks[t.breaks.count - 1] { return 0 }
        var i = 0
        while i + 1 < t.breaks.count - 1 && t.breaks[i + 1] <= c { i += 1 }
        let w = t.breaks[i + 1] - t.breaks[i]
        guard w > 0 else { return t.atBreak[i + 1] }
        let u = (c - t.breaks[i]) / w
        let l0 = 2 * (u - 0.5) * (u - 1), lm = -4 * u * (u - 1), l1 = 2 * u * (u - 0.5)
        return t.atBreak[i] * l0 + t.atMid[i] * lm + t.atBreak[i + 1] * l1
    }

    /// ∫_c^∞ A(c') dc'.
    static func tail(_ t: PlaneTable, from c: Double) -> Double {
        let b = t.breaks
        if c <= b[0] { return t.tail[0] + (b[0] - c) * t.area }
        if c >= b[b.count - 1] { return 0 }
        var i = 0
        while i + 1 < b.count - 1 && b[i + 1] <= c { i += 1 }
        let w = b[i + 1] - b[i]
        guard w > 0 else { return t.tail[i + 1] }
        let u = (c - b[i]) / w
        // ∫_u^1 of the Lagrange basis on nodes 0, 1/2, 1.
        let i0 = 1.0 / 6 - (2 * u * u * u / 3 - 1.5 * u * u + u)
        let im = 2.0 / 3 - (-4 * u * u * u / 3 + 2 * u * u)
        let i1 = 1.0 / 6 - (2 * u * u * u / 3 - u * u / 2)
        return t.tail[i + 1] + w * (t.atBreak[i] * i0 + t.atMid[i] * im + t.atBreak[i + 1] * i1)
    }

    /// Signed area and first moments (∫x, ∫y) of a polygon.
    public static func moments(_ p: DVHPhantom.Polygon) -> (Double, Double, Double) {
        guard p.count >= 3 else { return (0, 0, 0) }
        var a = 0.0, cx = 0.0, cy = 0.0
        for i in p.indices {
            let (x0, y0) = p[i], (x1, y1) = p[(i + 1) % p.count]
            let cr = x0 * y1 - x1 * y0
            a += cr; cx += (x0 + x1) * cr; cy += (y0 + y1) * cr
        }
        return (a / 2, cx / 6, cy / 6)
    }

    /// Sutherland-Hodgman clip of a polygon to the half-plane gx·x + gy·y ≥ c (area-exact for any simple polygon).
    static func clip(_ p: DVHPhantom.Polygon, gx: Double, gy: Double, c: Double) -> DVHPhantom.Polygon {
        var out: DVHPhantom.Polygon = []
        for i in p.indices {
            let s = p[i], e = p[(i + 1) % p.count]
            let fs = gx * s.x + gy * s.y - c, fe = gx * e.x + gy * e.y - c
            if fs >= 0 { out.append(s) }
            if (fs >= 0) != (fe >= 0) {
                let t = fs / (fs - fe)
                out.append((s.x + t * (e.x - s.x), s.y + t * (e.y - s.y)))
            }
        }
        return out
    }

    static func contains(_ p: DVHPhantom.Polygon, _ x: Double, _ y: Double) -> Bool {
        var inside = false
        var j = p.count - 1
        for i in p.indices {
            if (p[i].y > y) != (p[j].y > y), x < (p[j].x - p[i].x) * (y - p[i].y) / (p[j].y - p[i].y) + p[i].x { inside.toggle() }
            j = i
        }
        return inside
    }
}
