import AnchorRT
import Foundation

/// An analytic structure for DVH tests: polygons on parallel planes, in a plane frame (x, y in the
/// plane, z along its normal) placed in patient space. Its exact volume and DVH under the slab
/// convention (each plane stands for a slab of one plane spacing centred on it, contours combined by
/// the even-odd rule) are computed by `ExactSlabDVH`, independently of the engine's rasteriser.
public struct DVHPhantom: Sendable {
    /// A polygon in plane coordinates, mm.
    public typealias Polygon = [(x: Double, y: Double)]

    public var name: String
    /// Contour planes in increasing z with their polygons.
    public var planes: [(z: Double, polygons: [Polygon])]
    /// Distance between planes, mm (uniform).
    public var planeSpacingMM: Double
    /// Volume of the continuous shape the contours approximate, cc, when known.
    public var continuousVolumeCC: Double?
    public var frame: PlaneFrame

    /// Placement of the plane coordinates in patient space: p = origin + e1·x + e2·y + normal·z.
    public struct PlaneFrame: Sendable {
        public var origin: Vec3
        public var e1: Vec3
        public var e2: Vec3
        public var normal: Vec3 { e1.cross(e2) }
        public init(origin: Vec3 = .zero, e1: Vec3 = Vec3(1, 0, 0), e2: Vec3 = Vec3(0, 1, 0)) {
            self.origin = origin; self.e1 = e1; self.e2 = e2
        }
        public static let axial = PlaneFrame()
        /// Sagittal planes: x in the plane is patient y, y is patient z, the normal is patient x.
        public static let sagittal = PlaneFrame(e1: Vec3(0, 1, 0), e2: Vec3(0, 0, 1))
        public func patient(_ x: Double, _ y: Double, _ z: Double) -> Vec3 { origin + e1 * x + e2 * y + normal * z }
    }

    public init(name: String, planes: [(z: Double, polygons: [Polygon])], planeSpacingMM: Double, continuousVolumeCC: Double? = nil, frame: PlaneFrame = .axial) {
        self.name = name
        self.planes = planes
        self.planeSpacingMM = planeSpacingMM
        self.continuousVolumeCC = continuousVolumeCC
        self.frame = frame
    }

    /// The ROI, contours as CLOSED_PLANAR in patient coordinates.
    public func roi(number: Int, interpretedType: String? = "ORGAN") -> StructureSet.ROI {
        var contours: [StructureSet.Contour] = []
        for p in planes {
            for poly in p.polygons {
                contours.append(StructureSet.Contour(geometricType: .closedPlanar, points: poly.map { frame.patient($0.x, $0.y, p.z) }))
            }
        }
        return StructureSet.ROI(number: number, name: name, interpretedType: interpretedType, contours: contours)
    }

    /// The phantom moved by `offset` in plane coordinates.
    public func moved(x dx: Double = 0, y dy: Double = 0, z dz: Double = 0) -> DVHPhantom {
        var p = self
        p.planes = planes.map { ($0.z + dz, $0.polygons.map { $0.map { (x: $0.x + dx, y: $0.y + dy) } }) }
        return p
    }

    // MARK: Shapes

    /// A regular polygon approximating a circle, anticlockwise (`clockwise` for holes, which the
    /// even-odd rule does not need but some TPSs write).
    public static func circle(cx: Double = 0, cy: Double = 0, r: Double, points n: Int = 128, clockwise: Bool = false) -> Polygon {
        (0..<n).map { i in
            let t = 2 * Double.pi * Double(clockwise ? n - i : i) / Double(n)
            return (cx + r * cos(t), cy + r * sin(t))
        }
    }

    public static func rectangle(x0: Double, y0: Double, x1: Double, y1: Double) -> Polygon {
        [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    }

    /// Plane positions z0 + n·s inside the open interval (lo, hi).
    static func planes(from lo: Double, to hi: Double, spacing s: Double, phase z0: Double = 0) -> [Double] {
        let first = Int(((lo - z0) / s).rounded(.down)) - 1
        let last = Int(((hi - z0) / s).rounded(.up)) + 1
        return (first...last).map { z0 + Double($0) * s }.filter { $0 > lo + 1e-9 && $0 < hi - 1e-9 }
    }

    /// A sphere: circles on the planes that cut it.
    public static func sphere(name: String = "Sphere", centre c: (x: Double, y: Double, z: Double) = (0, 0, 0), radius r: Double,
                              spacing s: Double, points n: Int = 128) -> DVHPhantom {
        let zs = planes(from: c.z - r, to: c.z + r, spacing: s)
        return DVHPhantom(name: name, planes: zs.map { z in (z, [circle(cx: c.x, cy: c.y, r: (r * r - (z - c.z) * (z - c.z)).squareRoot(), points: n)]) },
                          planeSpacingMM: s, continuousVolumeCC: 4 / 3 * Double.pi * r * r * r / 1000)
    }

    /// A cylinder along the normal, from z0 to z1 (planes strictly inside; the slabs then reach the ends
    /// when (z1 - z0) is a multiple of the spacing and the planes are centred).
    public static func cylinder(name: String = "Cylinder", radius r: Double, z0: Double, z1: Double, spacing s: Double, points n: Int = 128) -> DVHPhantom {
        let zs = stride(from: z0 + s / 2, to: z1, by: s).map { $0 }
        return DVHPhantom(name: name, planes: zs.map { ($0, [circle(r: r, points: n)]) }, planeSpacingMM: s,
                          continuousVolumeCC: Double.pi * r * r * (z1 - z0) / 1000)
    }

    /// A cone with its base (radius r) at z0 and apex at z0 + h.
    public static func cone(name: String = "Cone", radius r: Double, height h: Double, z0: Double = 0, spacing s: Double, points n: Int = 128) -> DVHPhantom {
        let zs = stride(from: z0 + s / 2, to: z0 + h, by: s).map { $0 }
        return DVHPhantom(name: name, planes: zs.map { z in (z, [circle(r: r * (1 - (z - z0) / h), points: n)]) }, planeSpacingMM: s,
                          continuousVolumeCC: Double.pi * r * r * h / 3 / 1000)
    }

    /// A ring: an outer circle with a nested inner circle (a hole under the even-odd rule).
    public static func ring(name: String = "Ring", outer: Double, inner: Double, z0: Double, z1: Double, spacing s: Double) -> DVHPhantom {
        let zs = stride(from: z0 + s / 2, to: z1, by: s).map { $0 }
        return DVHPhantom(name: name, planes: zs.map { ($0, [circle(r: outer), circle(r: inner, clockwise: true)]) }, planeSpacingMM: s,
                          continuousVolumeCC: Double.pi * (outer * outer - inner * inner) * (z1 - z0) / 1000)
    }

    /// Two disjoint squares on every plane: one structure in two parts.
    public static func twoParts(name: String = "TwoParts", side a: Double, separation d: Double, z0: Double, z1: Double, spacing s: Double) -> DVHPhantom {
        let zs = stride(from: z0 + s / 2, to: z1, by: s).map { $0 }
        let left = rectangle(x0: -d / 2 - a, y0: -a / 2, x1: -d / 2, y1: a / 2)
        let right = rectangle(x0: d / 2, y0: -a / 2, x1: d / 2 + a, y1: a / 2)
        return DVHPhantom(name: name, planes: zs.map { ($0, [left, right]) }, planeSpacingMM: s, continuousVolumeCC: 2 * a * a * (z1 - z0) / 1000)
    }

    /// A concave C, like the target of AAPM TG-119's C-shape test: an annulus (radii `inner`, `outer`)
    /// open over `openingDegrees` towards +x, one polygon per plane.
    public static func cShape(name: String = "CShape", outer: Double = 37, inner: Double = 22, openingDegrees: Double = 90,
                              z0: Double, z1: Double, spacing s: Double, points n: Int = 96) -> DVHPhantom {
        let half = openingDegrees / 2 * Double.pi / 180
        let a0 = half, a1 = 2 * Double.pi - half
        var poly: Polygon = []
        for i in 0...n { let t = a0 + (a1 - a0) * Double(i) / Double(n); poly.append((outer * cos(t), outer * sin(t))) }
        for i in 0...n { let t = a1 - (a1 - a0) * Double(i) / Double(n); poly.append((inner * cos(t), inner * sin(t))) }
        let zs = stride(from: z0 + s / 2, to: z1, by: s).map { $0 }
        let area = (a1 - a0) / 2 * (outer * outer - inner * inner)
        return DVHPhantom(name: name, planes: zs.map { ($0, [poly]) }, planeSpacingMM: s, continuousVolumeCC: area * (z1 - z0) / 1000)
    }

    /// A box [x0, x1] × [y0, y1] × [z0, z1] (planes centred in slabs of the spacing).
    public static func box(name: String = "Box", x0: Double, x1: Double, y0: Double, y1: Double, z0: Double, z1: Double, spacing s: Double) -> DVHPhantom {
        let zs = stride(from: z0 + s / 2, to: z1, by: s).map { $0 }
        return DVHPhantom(name: name, planes: zs.map { ($0, [rectangle(x0: x0, y0: y0, x1: x1, y1: y1)]) }, planeSpacingMM: s,
                          continuousVolumeCC: (x1 - x0) * (y1 - y0) * (z1 - z0) / 1000)
    }
}

/// A linear dose field D(p) = doseAtOriginGy + gradient · p (patient coordinates, Gy and Gy/mm), which
/// trilinear interpolation reproduces exactly, on a grid of any orientation.
public struct LinearDose: Sendable {
    public var doseAtOriginGy: Double
    public var gradientGyPerMM: Vec3

    public init(doseAtOriginGy: Double, gradientGyPerMM: Vec3) {
        self.doseAtOriginGy = doseAtOriginGy
        self.gradientGyPerMM = gradientGyPerMM
    }

    public func dose(at p: Vec3) -> Double { doseAtOriginGy + gradientGyPerMM.dot(p) }

    /// A grid of `size` voxels at `spacing` mm centred on `centre`, with direction cosines (rowDirection,
    /// columnDirection), filled with this field.
    public func grid(centre: Vec3 = .zero, size: (Int, Int, Int), spacing: (Double, Double, Double),
                     rowDirection: Vec3 = Vec3(1, 0, 0), columnDirection: Vec3 = Vec3(0, 1, 0)) -> DoseGrid {
        let normal = rowDirection.cross(columnDirection)
        let origin = centre - rowDirection * (Double(size.0 - 1) / 2 * spacing.0) - columnDirection * (Double(size.1 - 1) / 2 * spacing.1)
            - normal * (Double(size.2 - 1) / 2 * spacing.2)
        let g = Grid3D(columns: size.0, rows: size.1, origin: origin, rowDirection: rowDirection, columnDirection: columnDirection,
                       spacingI: spacing.0, spacingJ: spacing.1, frameOffsets: (0..<size.2).map { Double($0) * spacing.2 })
        var values = [Float](repeating: 0, count: g.voxelCount)
        for k in 0..<g.frames { for j in 0..<g.rows { for i in 0..<g.columns {
            values[g.index(i, j, k)] = Float(dose(at: g.position(i, j, k)))
        } } }
        return DoseGrid(grid: g, values: values, units: "GY", sopInstanceUID: UIDFactory.make())
    }
}
