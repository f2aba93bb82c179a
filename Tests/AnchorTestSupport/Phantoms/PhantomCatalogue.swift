import AnchorRT

/// The analytic phantoms of the DVH tests and the linear dose fields they are scored in.
public enum PhantomCatalogue {
    /// Every shape the issue asks for, inside a 150 mm dose grid centred on the origin: spheres from
    /// 33 cc down to the 0.5 cc (radius 4.92 mm) the tolerances must hold for, on 1-3 mm contour
    /// planes; a cylinder, a cone, a ring with a hole, two disjoint parts on every plane, a concave C
    /// like AAPM TG-119's, and a box.
    public static let phantoms: [DVHPhantom] = [
        DVHPhantom.sphere(name: "Sphere_R20", radius: 20, spacing: 2),
        DVHPhantom.sphere(name: "Sphere_R8_1mm", centre: (10, -5, 3), radius: 8, spacing: 1),
        DVHPhantom.sphere(name: "Sphere_R6.2", centre: (-12, 7, -4), radius: 6.2, spacing: 2),
        DVHPhantom.sphere(name: "Sphere_R5_3mm", centre: (3, 3, 1.5), radius: 5, spacing: 3),
        DVHPhantom.sphere(name: "Sphere_0.5cc", centre: (-20.3, 15.1, 7.7), radius: 4.924, spacing: 1.5),
        DVHPhantom.cylinder(name: "Cylinder", radius: 15, z0: -15, z1: 15, spacing: 2.5),
        DVHPhantom.cone(name: "Cone", radius: 12, height: 24, z0: -12, spacing: 2),
        DVHPhantom.ring(name: "Ring", outer: 30, inner: 15, z0: -9, z1: 9, spacing: 3),
        DVHPhantom.twoParts(name: "TwoParts", side: 10, separation: 12, z0: -6, z1: 6, spacing: 2),
        DVHPhantom.cShape(name: "CShape_TG119", z0: -20, z1: 20, spacing: 2.5),
        DVHPhantom.box(name: "Box", x0: -10, x1: 10, y0: -5, y1: 5, z0: -10, z1: 10, spacing: 2.5),
    ]

    /// Linear fields D = D0 + g·p (Gy, Gy/mm): along the contour normal, in the contour plane, and
    /// oblique. All stay positive over the grid (RT Dose stores unsigned values).
    public static let fields: [(name: String, dose: LinearDose)] = [
        ("z-ramp", LinearDose(doseAtOriginGy: 50, gradientGyPerMM: Vec3(0, 0, 0.5))),
        ("x-ramp", LinearDose(doseAtOriginGy: 50, gradientGyPerMM: Vec3(0.5, 0, 0))),
        ("oblique", LinearDose(doseAtOriginGy: 60, gradientGyPerMM: Vec3(0.2, -0.25, 0.25))),
    ]

    /// The dose grid the catalogue is scored on: 2.5 mm (coarser than the small spheres' contours),
    /// 61 x 61 x 61, centred a quarter voxel off the origin so no phantom lines up with the voxels.
    public static func grid(_ field: LinearDose, spacing: Double = 2.5, size: Int = 61,
                            rowDirection: Vec3 = Vec3(1, 0, 0), columnDirection: Vec3 = Vec3(0, 1, 0)) -> DoseGrid {
        field.grid(centre: Vec3(0.625, -0.625, 0.3), size: (size, size, size), spacing: (spacing, spacing, spacing),
                   rowDirection: rowDirection, columnDirection: columnDirection)
    }
}
