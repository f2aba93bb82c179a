import AnchorRT

/// Hodgkin lymphoma of the anterior mediastinum in an adolescent or child, involved-site radiotherapy
/// after chemotherapy: 19.8 Gy in 11 fractions, AP-PA (as in EuroNet-PHL-C1). Drawn for an
/// 18-year-old with z = 0 at the carina, scaled by sitting height (see `Growth`); mm.
///
/// The patient is female: breast dose is what drives the risk of a second cancer after mediastinal
/// radiotherapy in girls, so the breasts are contoured; their size follows puberty (Tanner stages
/// from about 10 to 16 years), not body size. PTV = residual mass (three balls) + 10 mm, kept 5 mm
/// inside the skin.
enum Mediastinum {
    static func model(age: Int, variant: PhantomVariant, resolution: PhantomSpec.Resolution, rng: inout SeededGenerator) -> SiteModel {
        let t = Growth.trunkScale(age: Double(age))
        func P(_ x: Double, _ y: Double, _ z: Double) -> Vec3 { Vec3(x * t, y * t, z * t) }
        func ell(_ c: Vec3, _ r: Vec3, yaw: Double = 0) -> Solid { .ellipsoid(Ellipsoid(center: c, radii: r * t, yawDegrees: yaw)) }
        func cyl(_ x: Double, _ y: Double, _ rx: Double, _ ry: Double, _ z0: Double, _ z1: Double) -> Solid {
            .cylinder(EllipticCylinder(centerX: x * t, centerY: y * t, radiusX: rx * t, radiusY: ry * t, zMin: z0 * t, zMax: z1 * t))
        }
        let width = 150 * (1 + rng.uniform(-0.04, 0.04)), depth = 100 * (1 + rng.uniform(-0.04, 0.04))
        let zTop = 130.0, zBottom = -150.0
        let chest = cyl(0, 0, width, depth, zBottom - 80, 90)
        let neck = cyl(0, 15, 55, 52, 60, zTop + 80)
        // Breasts: a small bud before puberty, growing through Tanner stages 2-5 (about 10 to 16 years).
        let puberty = min(max((Double(age) - 10) / 6, 0), 1)
        let breastRadii = Vec3(18 + 34 * puberty, 6 + 18 * puberty, 16 + 30 * puberty)
        func breast(_ side: Double) -> Solid {
            .ellipsoid(Ellipsoid(center: Vec3(side * 66 * t, (-depth + 8) * t - breastRadii.y * 0.3 * max(t, 0.6), -70 * t),
                                 radii: breastRadii * max(t, 0.6)))
        }
        let breastL = breast(1), breastR = breast(-1)
        let external = Solid.union([chest, neck, breastL, breastR])
        let inner = Solid.union([cyl(0, 0, width - 5 / t, depth - 5 / t, zBottom - 80, 90), cyl(0, 15, 55 - 5 / t, 52 - 5 / t, 60, zTop + 80)])
        let chestWall = cyl(0, 0, width - 14, depth - 14, zBottom - 80, 90)

        // Residual mass in the anterior mediastinum: three balls.
        func jitter(_ v: Vec3) -> Vec3 { v + Vec3(rng.uniform(-2, 2), rng.uniform(-2, 2), rng.uniform(-2, 2)) }
        let mass: [(Vec3, Double)] = [
            (jitter(P(0, -30, 20)), 36 * t), (jitter(P(-18, -22, 52)), 26 * t), (jitter(P(20, -34, -8)), 28 * t),
        ]
        let massSolid = Solid.union(mass.map { Solid.sphere($0.0, $0.1) })
        let ptv = Solid.intersection([.union(mass.map { Solid.sphere($0.0, $0.1 + 10) }), inner])

        let heart = ell(P(18, -28, -78), Vec3(58, 46, 52), yaw: 35)
        let mediastinalBox = Solid.box(Box(min: P(-28, -110, -300), max: P(28, 50, 300)))
        func lung(_ side: Double) -> Solid {
            .intersection([.difference(ell(P(side * 72, 12, -25), Vec3(62, 72, 118)), .union([mediastinalBox, heart, massSolid])), chestWall])
        }
        let lungL = lung(1), lungR = lung(-1)
        let esophagus = cyl(6, 6, 8, 6, zBottom - 80, zTop + 80)
        let cord = cyl(0, 55, 5, 4.5, zBottom - 80, zTop + 80)
        let thyroid = Solid.union([ell(P(16, -26, 106), Vec3(9, 9, 21)), ell(P(-16, -26, 106), Vec3(9, 9, 21)), ell(P(0, -33, 96), Vec3(11, 4.5, 6))])

        var n = 0
        func organ(_ name: String, _ solid: Solid) -> PhantomStructure {
            n += 1
            return PhantomStructure(name, "ORGAN", Palette.organ(n), solid)
        }
        let structures: [PhantomStructure] = [
            PhantomStructure("External", "EXTERNAL", Palette.external, external),
            organ("Lung_L", lungL), organ("Lung_R", lungR), organ("Heart", heart),
            organ("Breast_L", breastL), organ("Breast_R", breastR), organ("Thyroid", thyroid),
            organ("Esophagus", esophagus), organ("SpinalCord", cord),
            PhantomStructure("PTV", "PTV", Palette.ptv, ptv),
        ]

        let bone = Tissue.corticalBone(age: Double(age))
        var layers: [TissueLayer] = [
            TissueLayer(external, Tissue.fat),
            TissueLayer(.union([chestWall, cyl(0, 15, 45, 42, 60, zTop + 80)]), Tissue.muscle),
            TissueLayer(breastL, Tissue.softTissue - 20), TissueLayer(breastR, Tissue.softTissue - 20),
            TissueLayer(.box(Box(min: P(-12, -100, -90), max: P(12, -86, 80))), bone), // sternum
            TissueLayer(lungL, Tissue.lung(age: Double(age))), TissueLayer(lungR, Tissue.lung(age: Double(age))),
            TissueLayer(cyl(0, 52, 13, 13, zBottom - 80, zTop + 80), bone), // posterior arches
            TissueLayer(.box(Box(min: P(-4, 55, zBottom - 80), max: P(4, 78, 60))), bone), // spinous processes
            TissueLayer(cyl(0, 55, 8, 8, zBottom - 80, zTop + 80), Tissue.csf),
        ]
        let pitch = 28.0
        for k in stride(from: zTop + 20, to: zBottom - 40, by: -pitch) {
            layers.append(TissueLayer(cyl(0, 30, 19, 15, k - 0.75 * pitch, k), Tissue.cancellousBone))
        }
        layers += [
            TissueLayer(cord, Tissue.softTissue),
            TissueLayer(heart, Tissue.blood),
            TissueLayer(cyl(10, -12, 14, 14, -40, 28), Tissue.blood), // ascending aorta
            TissueLayer(cyl(28, 20, 10, 10, zBottom - 80, 28), Tissue.blood), // descending aorta
            TissueLayer(ell(P(16, 4, 28), Vec3(12, 22, 12), yaw: 0), Tissue.blood), // aortic arch
            TissueLayer(esophagus, Tissue.softTissue),
            TissueLayer(cyl(0, -10, 9, 9, -4, zTop + 80), Tissue.air), // trachea
            TissueLayer(thyroid, Tissue.thyroid),
            TissueLayer(massSolid, Tissue.softTissue + 10),
        ]

        let halfX = (width + 15) * t, halfY = (depth + 15) * t + breastRadii.y * 0.5 * max(t, 0.6)
        let scan = Bounds(min: Vec3(-halfX, -halfY, zBottom * t), max: Vec3(halfX, halfY, zTop * t))
        let pixel = roundedSpacing(2 * max(halfX, halfY) / 160, min: 1.0, max: 2.0) * (resolution == .coarse ? 2 : 1)
        return SiteModel(structures: structures, layers: layers, scan: scan, pixelSpacingMM: pixel, sliceSpacingMM: 3,
                         doseSpacingMM: resolution == .coarse ? 5 : 3, sex: "F",
                         diagnosis: "Hodgkin lymphoma, anterior mediastinum",
                         prescriptionGy: 19.8, fractions: 11,
                         beams: [BeamSetup(name: "AP", gantry: 0, weight: 1), BeamSetup(name: "PA", gantry: 180, weight: 1)],
                         shieldedVolumeFraction: variant == .ptvUnderdose ? 0.05 : 0)
    }
}
