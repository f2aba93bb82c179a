import AnchorRT
import Foundation

/// A region of space given by an implicit function: `value(at:)` is negative inside, positive outside
/// and zero on the surface, in millimetres (an exact signed distance for spheres, capsules, tori and
/// boxes; a scaled distance for ellipsoids and elliptic cylinders, which is enough for inside tests and
/// for locating the surface by interpolation). Combinations follow constructive solid geometry:
/// union = min, intersection = max, difference = max(a, -b).
///
/// Patient coordinates throughout (DICOM LPS, mm: +x left, +y posterior, +z superior).
public indirect enum Solid: Sendable {
    case ellipsoid(Ellipsoid)
    case cylinder(EllipticCylinder)
    case capsule(Capsule)
    case torus(Torus)
    case box(Box)
    case union([Solid])
    case intersection([Solid])
    case difference(Solid, Solid)

    /// Implicit value at `p`, mm: < 0 inside.
    public func value(at p: Vec3) -> Double {
        switch self {
        case .ellipsoid(let e): return e.value(at: p)
        case .cylinder(let c): return c.value(at: p)
        case .capsule(let c): return c.value(at: p)
        case .torus(let t): return t.value(at: p)
        case .box(let b): return b.value(at: p)
        case .union(let parts):
            var v = Double.infinity
            for s in parts { v = min(v, s.value(at: p)) }
            return v
        case .intersection(let parts):
            var v = -Double.infinity
            for s in parts { v = max(v, s.value(at: p)) }
            return v
        case .difference(let a, let b): return max(a.value(at: p), -b.value(at: p))
        }
    }

    public func contains(_ p: Vec3) -> Bool { value(at: p) < 0 }

    /// An axis-aligned box that holds the solid (not always the tightest one for combinations).
    public var bounds: Bounds {
        switch self {
        case .ellipsoid(let e): return e.bounds
        case .cylinder(let c): return c.bounds
        case .capsule(let c): return c.bounds
        case .torus(let t): return t.bounds
        case .box(let b): return Bounds(min: b.center - b.halfSize, max: b.center + b.halfSize)
        case .union(let parts): return parts.dropFirst().reduce(parts.first?.bounds ?? .empty) { $0.union($1.bounds) }
        case .intersection(let parts): return parts.dropFirst().reduce(parts.first?.bounds ?? .empty) { $0.intersection($1.bounds) }
        case .difference(let a, _): return a.bounds
        }
    }

    /// The exact section by the plane z = `z` as ellipses, when the solid is one ellipsoid or elliptic
    /// cylinder with its third axis along z; nil when the section has to be traced numerically.
    /// An empty array: the plane misses the solid.
    func analyticSection(z: Double) -> [Ellipse]? {
        switch self {
        case .ellipsoid(let e): return e.section(z: z)
        case .cylinder(let c): return c.section(z: z)
        default: return nil
        }
    }

    /// Distance along the ray `origin + t·direction` (unit direction) at which it first enters the solid,
    /// nil when it never does. Exact for ellipsoids, elliptic cylinders and their unions; other solids
    /// are marched in 1 mm steps and refined by bisection.
    public func entryDistance(origin: Vec3, direction d: Vec3, maxDistance: Double) -> Double? {
        switch self {
        case .ellipsoid(let e): return e.entry(origin: origin, direction: d).flatMap { $0 <= maxDistance ? $0 : nil }
        case .cylinder(let c): return c.entry(origin: origin, direction: d).flatMap { $0 <= maxDistance ? $0 : nil }
        case .union(let parts):
            var best: Double?
            for s in parts {
                if let t = s.entryDistance(origin: origin, direction: d, maxDistance: maxDistance), t < (best ?? .infinity) { best = t }
            }
            return best
        default:
            if contains(origin) { return 0 }
            var t = 0.0
            var prev = 0.0
            while t <= maxDistance {
                if contains(origin + d * t) {
                    var lo = prev, hi = t
                    for _ in 0..<30 {
                        let mid = (lo + hi) / 2
                        if contains(origin + d * mid) { hi = mid } else { lo = mid }
                    }
                    return hi
                }
                prev = t
                t += 1
            }
            return nil
        }
    }

    // MARK: Builders

    public static func union(_ parts: Solid...) -> Solid { .union(parts) }
    public static func intersection(_ parts: Solid...) -> Solid { .intersection(parts) }
    public static func sphere(_ center: Vec3, _ radius: Double) -> Solid { .ellipsoid(Ellipsoid(center: center, radii: Vec3(radius, radius, radius))) }
}

/// An axis-aligned box in patient coordinates, mm.
public struct Bounds: Sendable, Equatable {
    public var min: Vec3
    public var max: Vec3
    public init(min: Vec3, max: Vec3) { self.min = min; self.max = max }
    public static let empty = Bounds(min: Vec3(.infinity, .infinity, .infinity), max: Vec3(-.infinity, -.infinity, -.infinity))
    public var isEmpty: Bool { min.x > max.x || min.y > max.y || min.z > max.z }
    public var center: Vec3 { (min + max) * 0.5 }
    public var size: Vec3 { max - min }
    public func union(_ o: Bounds) -> Bounds {
        Bounds(min: Vec3(Swift.min(min.x, o.min.x), Swift.min(min.y, o.min.y), Swift.min(min.z, o.min.z)),
               max: Vec3(Swift.max(max.x, o.max.x), Swift.max(max.y, o.max.y), Swift.max(max.z, o.max.z)))
    }
    public func intersection(_ o: Bounds) -> Bounds {
        Bounds(min: Vec3(Swift.max(min.x, o.min.x), Swift.max(min.y, o.min.y), Swift.max(min.z, o.min.z)),
               max: Vec3(Swift.min(max.x, o.max.x), Swift.min(max.y, o.max.y), Swift.min(max.z, o.max.z)))
    }
    public func expanded(by m: Double) -> Bounds { Bounds(min: min - Vec3(m, m, m), max: max + Vec3(m, m, m)) }
}

/// An ellipse in an axial plane: centre, semi-axes and the angle of the first semi-axis from +x (radians).
struct Ellipse: Sendable {
    var cx: Double, cy: Double, a: Double, b: Double, angle: Double
}

/// An ellipsoid with semi-axes `radii` along the orthonormal axes `axes` (mm).
public struct Ellipsoid: Sendable {
    public var center: Vec3
    public var radii: Vec3
    public var axes: (Vec3, Vec3, Vec3)

    /// An ellipsoid turned by `yaw` (degrees, about +z, from +x toward +y) and then tilted by `pitch`
    /// (degrees, about its own first axis, lifting its second axis toward +z).
    public init(center: Vec3, radii: Vec3, yawDegrees: Double = 0, pitchDegrees: Double = 0) {
        self.center = center
        self.radii = radii
        let y = yawDegrees * .pi / 180, p = pitchDegrees * .pi / 180
        let e1 = Vec3(cos(y), sin(y), 0)
        let e2flat = Vec3(-sin(y), cos(y), 0)
        let e2 = e2flat * cos(p) + Vec3(0, 0, 1) * sin(p)
        let e3 = e1.cross(e2)
        axes = (e1, e2, e3)
    }

    func local(_ p: Vec3) -> Vec3 {
        let d = p - center
        return Vec3(d.dot(axes.0), d.dot(axes.1), d.dot(axes.2))
    }

    func value(at p: Vec3) -> Double {
        let q = local(p)
        let k = ((q.x / radii.x) * (q.x / radii.x) + (q.y / radii.y) * (q.y / radii.y) + (q.z / radii.z) * (q.z / radii.z)).squareRoot()
        return (k - 1) * Swift.min(radii.x, radii.y, radii.z)
    }

    var bounds: Bounds {
        func half(_ c: KeyPath<Vec3, Double>) -> Double {
            let a = axes.0[keyPath: c] * radii.x, b = axes.1[keyPath: c] * radii.y, d = axes.2[keyPath: c] * radii.z
            return (a * a + b * b + d * d).squareRoot()
        }
        let h = Vec3(half(\.x), half(\.y), half(\.z))
        return Bounds(min: center - h, max: center + h)
    }

    func section(z: Double) -> [Ellipse]? {
        guard abs(axes.2.z - 1) < 1e-9 else { return nil }
        let t = (z - center.z) / radii.z
        guard abs(t) < 1 else { return [] }
        let f = (1 - t * t).squareRoot()
        return [Ellipse(cx: center.x, cy: center.y, a: radii.x * f, b: radii.y * f, angle: atan2(axes.0.y, axes.0.x))]
    }

    func entry(origin: Vec3, direction d: Vec3) -> Double? {
        let o = local(origin), dl = Vec3(d.dot(axes.0), d.dot(axes.1), d.dot(axes.2))
        let os = Vec3(o.x / radii.x, o.y / radii.y, o.z / radii.z), ds = Vec3(dl.x / radii.x, dl.y / radii.y, dl.z / radii.z)
        let a = ds.dot(ds), b = 2 * os.dot(ds), c = os.dot(os) - 1
        let disc = b * b - 4 * a * c
        guard disc >= 0, a > 0 else { return nil }
        let r = disc.squareRoot()
        let t0 = (-b - r) / (2 * a), t1 = (-b + r) / (2 * a)
        if t1 < 0 { return nil }
        return Swift.max(t0, 0)
    }
}

/// An elliptic cylinder along z between `zMin` and `zMax`, semi-axes `radiusX`, `radiusY` turned by
/// `yaw` (degrees, about +z), mm.
public struct EllipticCylinder: Sendable {
    public var centerX: Double, centerY: Double
    public var radiusX: Double, radiusY: Double
    public var zMin: Double, zMax: Double
    public var yawDegrees: Double

    public init(centerX: Double, centerY: Double, radiusX: Double, radiusY: Double, zMin: Double, zMax: Double, yawDegrees: Double = 0) {
        self.centerX = centerX; self.centerY = centerY
        self.radiusX = radiusX; self.radiusY = radiusY
        self.zMin = zMin; self.zMax = zMax
        self.yawDegrees = yawDegrees
    }

    private func local(_ x: Double, _ y: Double) -> (Double, Double) {
        let a = yawDegrees * .pi / 180
        let dx = x - centerX, dy = y - centerY
        return (dx * cos(a) + dy * sin(a), -dx * sin(a) + dy * cos(a))
    }

    func value(at p: Vec3) -> Double {
        let (u, v) = local(p.x, p.y)
        let k = ((u / radiusX) * (u / radiusX) + (v / radiusY) * (v / radiusY)).squareRoot()
        let radial = (k - 1) * Swift.min(radiusX, radiusY)
        return Swift.max(radial, Swift.max(zMin - p.z, p.z - zMax))
    }

    var bounds: Bounds {
        let a = yawDegrees * .pi / 180
        let hx = ((radiusX * cos(a)) * (radiusX * cos(a)) + (radiusY * sin(a)) * (radiusY * sin(a))).squareRoot()
        let hy = ((radiusX * sin(a)) * (radiusX * sin(a)) + (radiusY * cos(a)) * (radiusY * cos(a))).squareRoot()
        return Bounds(min: Vec3(centerX - hx, centerY - hy, zMin), max: Vec3(centerX + hx, centerY + hy, zMax))
    }

    func section(z: Double) -> [Ellipse]? {
        guard z > zMin, z < zMax else { return [] }
        return [Ellipse(cx: centerX, cy: centerY, a: radiusX, b: radiusY, angle: yawDegrees * .pi / 180)]
    }

    func entry(origin: Vec3, direction d: Vec3) -> Double? {
        let (ou, ov) = local(origin.x, origin.y)
        let a0 = yawDegrees * .pi / 180
        let du = d.x * cos(a0) + d.y * sin(a0), dv = -d.x * sin(a0) + d.y * cos(a0)
        // Interval inside the infinite cylinder.
        var lo = -Double.infinity, hi = Double.infinity
        let A = (du / radiusX) * (du / radiusX) + (dv / radiusY) * (dv / radiusY)
        let B = 2 * (ou * du / (radiusX * radiusX) + ov * dv / (radiusY * radiusY))
        let C = (ou / radiusX) * (ou / radiusX) + (ov / radiusY) * (ov / radiusY) - 1
        if A < 1e-15 {
            if C > 0 { return nil }
        } else {
            let disc = B * B - 4 * A * C
            guard disc >= 0 else { return nil }
            let r = disc.squareRoot()
            lo = (-B - r) / (2 * A); hi = (-B + r) / (2 * A)
        }
        // Interval between the end planes.
        if abs(d.z) < 1e-15 {
            if origin.z < zMin || origin.z > zMax { return nil }
        } else {
            let t1 = (zMin - origin.z) / d.z, t2 = (zMax - origin.z) / d.z
            lo = Swift.max(lo, Swift.min(t1, t2)); hi = Swift.min(hi, Swift.max(t1, t2))
        }
        guard lo <= hi, hi >= 0 else { return nil }
        return Swift.max(lo, 0)
    }
}

/// All points within `radius` of the segment from `a` to `b` (mm): a nerve, a bowel segment.
public struct Capsule: Sendable {
    public var a: Vec3, b: Vec3, radius: Double
    public init(from a: Vec3, to b: Vec3, radius: Double) { self.a = a; self.b = b; self.radius = radius }

    func value(at p: Vec3) -> Double {
        let ab = b - a, ap = p - a
        let len2 = ab.dot(ab)
        let t = len2 > 0 ? Swift.min(Swift.max(ap.dot(ab) / len2, 0), 1) : 0
        return (ap - ab * t).length - radius
    }

    var bounds: Bounds {
        Bounds(min: Vec3(Swift.min(a.x, b.x), Swift.min(a.y, b.y), Swift.min(a.z, b.z)),
               max: Vec3(Swift.max(a.x, b.x), Swift.max(a.y, b.y), Swift.max(a.z, b.z))).expanded(by: radius)
    }
}

/// A ring: the points within `minorRadius` of the circle of radius `majorRadius` about `axis` through
/// `center` (mm). A cochlea's turns, a bowel loop.
public struct Torus: Sendable {
    public var center: Vec3, axis: Vec3, majorRadius: Double, minorRadius: Double
    public init(center: Vec3, axis: Vec3, majorRadius: Double, minorRadius: Double) {
        self.center = center
        self.axis = axis.normalized
        self.majorRadius = majorRadius
        self.minorRadius = minorRadius
    }

    func value(at p: Vec3) -> Double {
        let d = p - center
        let h = d.dot(axis)
        let radial = (d - axis * h).length
        let q = radial - majorRadius
        return (q * q + h * h).squareRoot() - minorRadius
    }

    var bounds: Bounds {
        // Half-extent along each coordinate axis: R·sqrt(1 - n_c²) + r.
        func half(_ n: Double) -> Double { majorRadius * Swift.max(0, 1 - n * n).squareRoot() + minorRadius }
        let h = Vec3(half(axis.x), half(axis.y), half(axis.z))
        return Bounds(min: center - h, max: center + h)
    }
}

/// An axis-aligned box (mm), exact signed distance.
public struct Box: Sendable {
    public var center: Vec3, halfSize: Vec3
    public init(center: Vec3, halfSize: Vec3) { self.center = center; self.halfSize = halfSize }
    public init(min: Vec3, max: Vec3) { center = (min + max) * 0.5; halfSize = (max - min) * 0.5 }

    func value(at p: Vec3) -> Double {
        let d = p - center
        let q = Vec3(abs(d.x) - halfSize.x, abs(d.y) - halfSize.y, abs(d.z) - halfSize.z)
        let outside = Vec3(Swift.max(q.x, 0), Swift.max(q.y, 0), Swift.max(q.z, 0)).length
        return outside + Swift.min(Swift.max(q.x, q.y, q.z), 0)
    }
}
