import AnchorDICOM
import AnchorPhantoms
import AnchorRT
import Foundation

/// Synthetic paediatric cases for tests: generated once per spec (coarse grids unless asked), written
/// to a temporary folder and read back through `DICOMLoader` and `Case.assemble`, as any partner's
/// upload would be.
public enum PaediatricCases {
    public struct Written: Sendable {
        public var phantom: PhantomCase
        public var directory: String
        public var loaded: LoadResult
        public var cases: [Case]
        /// The one case, when the files make exactly one.
        public var readBack: Case? { cases.count == 1 ? cases[0] : nil }
    }

    private final class Cache: @unchecked Sendable {
        /// Held while generating, so each spec is generated once (generation is itself parallel inside).
        let lock = NSLock()
        var written: [String: Written] = [:]
    }
    private static let cache = Cache()

    /// The case for `spec`, generated and read back once per test run (concurrent callers wait).
    public static func written(_ spec: PhantomSpec) throws -> Written {
        let key = "\(spec.site.rawValue)/\(spec.ageYears)/\(spec.variant.rawValue)/\(spec.seed)/\(spec.resolution.rawValue)"
        cache.lock.lock()
        defer { cache.lock.unlock() }
        if let w = cache.written[key] { return w }
        let phantom = PhantomGenerator.generate(spec)
        let dir = Fixtures.temporaryDirectory("anchor-phantom-\(spec.site.rawValue)-\(spec.variant.rawValue)")
        try PhantomGenerator.write(phantom, to: dir)
        let loaded = DICOMLoader.load([dir])
        let w = Written(phantom: phantom, directory: dir, loaded: loaded, cases: Case.assemble(loaded.members))
        cache.written[key] = w
        return w
    }

    /// Every (site, variant) pair the generator offers.
    public static var allSiteVariants: [(PhantomSite, PhantomVariant)] {
        PhantomSite.allCases.flatMap { s in s.variants.map { (s, $0) } }
    }

    /// Even-odd point-in-polygon test on the (x, y) of contour points (PS3.3 C.8.8.6.3).
    public static func inside(_ x: Double, _ y: Double, _ polygons: [[Vec3]]) -> Bool {
        var inside = false
        for poly in polygons {
            var j = poly.count - 1
            for i in 0..<poly.count {
                let a = poly[i], b = poly[j]
                if (a.y > y) != (b.y > y) && x < a.x + (y - a.y) / (b.y - a.y) * (b.x - a.x) { inside.toggle() }
                j = i
            }
        }
        return inside
    }

    /// Points on a regular (x, y) lattice of `step` mm inside an ROI's contours, per contour plane (z).
    public static func latticePoints(_ roi: StructureSet.ROI, step: Double) -> [Vec3] {
        var byPlane: [Double: [[Vec3]]] = [:]
        for c in roi.contours where !c.points.isEmpty { byPlane[(c.points[0].z * 100).rounded() / 100, default: []].append(c.points) }
        var out: [Vec3] = []
        for (z, polys) in byPlane {
            let xs = polys.flatMap { $0.map(\.x) }, ys = polys.flatMap { $0.map(\.y) }
            var y = (ys.min()! / step).rounded(.down) * step + step / 2
            while y < ys.max()! {
                var x = (xs.min()! / step).rounded(.down) * step + step / 2
                while x < xs.max()! {
                    if inside(x, y, polys) { out.append(Vec3(x, y, z)) }
                    x += step
                }
                y += step
            }
        }
        return out
    }

    /// Shoelace signed area in the (x, y) plane, mm²: positive when counter-clockwise seen from +z.
    public static func signedArea(_ p: [Vec3]) -> Double {
        var s = 0.0
        for k in 0..<p.count {
            let a = p[k], b = p[(k + 1) % p.count]
            s += a.x * b.y - b.x * a.y
        }
        return s / 2
    }
}
