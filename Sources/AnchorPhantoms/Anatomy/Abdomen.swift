import AnchorRT

/// Wilms tumour of the left kidney after nephron-sparing surgery (so both kidneys are contoured, the
/// left one short of its resected lower pole), flank radiotherapy to the tumour bed. Drawn for an
/// 18-year-old with z = 0 at the centre of L1 and scaled by sitting height (see `Growth`); mm.
///
/// PTV = tumour bed + 10 mm (CTV) + 5 mm (PTV), kept 5 mm inside the skin, as in the SIOP-RTSG
/// UMBRELLA guidance; 14.4 Gy in 8 fractions, AP-PA. The vertebral bodies T10-L3 are contoured one by
/// one: the acceptable plan widens the fields to hold every vertebral body at the PTV's levels whole,
/// so each receives a homogeneous dose (SIOP-Europe advice for growing children).
enum Abdomen {
    static func model(age: Int, variant: PhantomVariant, resolution: PhantomSpec.Resolution, rng: inout SeededGenerator) -> SiteModel {
        let t = Growth.trunkScale(age: Double(age))
        func P(_ x: Double, _ y: Double, _ z: Double) -> Vec3 { Vec3(x * t, y * t, z * t) }
        func ell(_ c: Vec3, _ r: Vec3, yaw: Double = 0) -> Solid { .ellipsoid(Ellipsoid(center: c, radii: r * t, yawDegrees: yaw)) }
        func cyl(_ x: Double, _ y: Double, _ rx: Double, _ ry: Double, _ z0: Double, _ z1: Double) -> Solid {
            .cylinder(EllipticCylinder(centerX: x * t, centerY: y * t, radiusX: rx * t, radiusY: ry * t, zMin: z0 * t, zMax: z1 * t))
        }
        let width = 160 * (1 + rng.uniform(-0.04, 0.04)), depth = 110 * (1 + rng.uniform(-0.04, 0.04))
        // Vertebral pitch (body + disc), mm: 32 in the adult lumbar spine; bodies are three quarters of it.
        let pitch = 32.0
        let zTop = 4.5 * pitch, zBottom = -3.5 * pitch
        let external = cyl(0, 0, width, depth, zBottom - 80, zTop + 80)
        let inner = cyl(0, 0, width - 5 / t, depth - 5 / t, zBottom - 80, zTop + 80)
        let muscleWall = cyl(0, 0, width - 12, depth - 12, zBottom - 80, zTop + 80)

        // Spine: L1 centred at z = 0; levels above are thoracic.
        let levels: [(String, Double)] = [("T09", 4), ("T10", 3), ("T11", 2), ("T12", 1), ("L1", 0), ("L2", -1), ("L3", -2), ("L4", -3)]
        func body(_ k: Double) -> Solid { cyl(0, 45, 22, 17, (k - 0.375) * pitch, (k + 0.375) * pitch) }
        let vbNames = ["T10", "T11", "T12", "L1", "L2", "L3"]
        let vbs: [(String, Solid)] = levels.filter { vbNames.contains($0.0) }.map { ("VB_\($0.0)", body($0.1)) }
        let cord = cyl(0, 75, 5, 4.5, -0.6 * pitch, zTop + 80)

        // Tumour bed in the left flank (+x), three balls; the bed's medial edge comes within a few mm of the spine.
        func jitter(_ v: Vec3) -> Vec3 { v + Vec3(rng.uniform(-2, 2), rng.uniform(-2, 2), rng.uniform(-2, 2)) }
        let bed: [(Vec3, Double)] = [
            (jitter(P(70, 25, -1.3 * pitch)), 38 * t),
            (jitter(P(58, 15, -2.1 * pitch)), 28 * t),
            (jitter(P(85, 35, -0.5 * pitch)), 26 * t),
        ]
        let bedSolid = Solid.union(bed.map { Solid.sphere($0.0, $0.1) })
        let ptv = Solid.intersection([.union(bed.map { Solid.sphere($0.0, $0.1 + 15) }), inner])

        let kidneyR = ell(P(-62, 45, -0.3 * pitch), Vec3(27, 22, 52), yaw: 25)
        let kidneyL = Solid.difference(ell(P(62, 45, 0.6 * pitch), Vec3(27, 22, 52), yaw: -25), bedSolid)
        let liver = Solid.intersection([ell(P(-50, -5, 3.2 * pitch), Vec3(92, 82, 95)), muscleWall])
        // Bowel: loops (tori) in the anterior abdomen below the liver.
        let loops: [Solid] = [
            (P(35, -55, -1.2 * pitch), Vec3(0.2, 0.3, 1)), (P(-10, -60, -2.4 * pitch), Vec3(0.5, 0.1, 1)),
            (P(-55, -40, -2.6 * pitch), Vec3(-0.3, 0.2, 1)), (P(15, -45, -0.1 * pitch), Vec3(0.1, -0.4, 1)),
        ].map { .torus(Torus(center: jitter($0.0), axis: $0.1, majorRadius: 24 * t, minorRadius: 9 * t)) }
        let bowel = Solid.difference(.union(loops), .union([liver, kidneyR]))

        var n = 0
        func organ(_ name: String, _ solid: Solid) -> PhantomStructure {
            n += 1
            return PhantomStructure(name, "ORGAN", Palette.organ(n), solid)
        }
        var structures: [PhantomStructure] = [
            PhantomStructure("External", "EXTERNAL", Palette.external, external),
            organ("Kidney_L", kidneyL), organ("Kidney_R", kidneyR), organ("Liver", liver), organ("SpinalCord", cord),
        ]
        structures += vbs.map { organ($0.0, $0.1) }
        structures += [organ("Bowel", bowel), PhantomStructure("PTV", "PTV", Palette.ptv, ptv)]

        let bone = Tissue.corticalBone(age: Double(age))
        var layers: [TissueLayer] = [
            TissueLayer(external, Tissue.fat),
            TissueLayer(muscleWall, Tissue.muscle),
            TissueLayer(cyl(0, -5, width - 22, depth - 24, zBottom - 80, zTop + 80), Tissue.fat), // intra-abdominal fat
            TissueLayer(ell(P(35, 82, 0), Vec3(24, 20, 400)), Tissue.muscle), TissueLayer(ell(P(-35, 82, 0), Vec3(24, 20, 400)), Tissue.muscle),
            TissueLayer(cyl(0, 72, 14, 14, zBottom - 80, zTop + 80), bone), // posterior arches
            TissueLayer(cyl(0, 75, 8, 8, zBottom - 80, zTop + 80), Tissue.csf),
        ]
        for (_, k) in levels {
            layers.append(TissueLayer(cyl(0, 45, 22, 17, (k - 0.375) * pitch, (k + 0.375) * pitch), Tissue.cancellousBone))
            layers.append(TissueLayer(.difference(body(k), cyl(0, 45, 20, 15, zBottom - 80, zTop + 80)), bone))
        }
        layers += [
            TissueLayer(cord, Tissue.softTissue),
            TissueLayer(cyl(12, 18, 9, 9, zBottom - 80, zTop + 80), Tissue.blood), // aorta
            TissueLayer(cyl(-20, 20, 11, 10, zBottom - 80, zTop + 80), Tissue.blood), // inferior vena cava
            TissueLayer(ell(P(35, 40, -2 * pitch), Vec3(12, 12, 90)), Tissue.muscle), TissueLayer(ell(P(-35, 40, -2 * pitch), Vec3(12, 12, 90)), Tissue.muscle), // psoas
            TissueLayer(liver, Tissue.liver),
            TissueLayer(kidneyR, Tissue.kidney), TissueLayer(kidneyL, Tissue.kidney),
            TissueLayer(bowel, Tissue.bowel),
        ]
        for loop in loops {
            if case .torus(let tor) = loop {
                layers.append(TissueLayer(.sphere(tor.center + Vec3(tor.majorRadius, 0, 0), tor.minorRadius * 0.5), Tissue.bowelGas))
            }
        }
        layers.append(TissueLayer(bedSolid, Tissue.softTissue + 5)) // post-operative bed

        let halfX = (width + 15) * t, halfY = (depth + 15) * t
        let scan = Bounds(min: Vec3(-halfX, -halfY, zBottom * t), max: Vec3(halfX, halfY, zTop * t))
        let pixel = roundedSpacing(2 * max(halfX, halfY) / 160, min: 1.0, max: 2.0) * (resolution == .coarse ? 2 : 1)
        return SiteModel(structures: structures, layers: layers, scan: scan, pixelSpacingMM: pixel, sliceSpacingMM: 3,
                         doseSpacingMM: resolution == .coarse ? 5 : 3, sex: rng.unit() < 0.5 ? "F" : "M",
                         diagnosis: "Wilms tumour, left, after partial nephrectomy",
                         prescriptionGy: 14.4, fractions: 8,
                         beams: [BeamSetup(name: "AP", gantry: 0, weight: 1), BeamSetup(name: "PA", gantry: 180, weight: 1)],
                         apertureInclude: variant == .vertebraGradient ? [] : vbs.map(\.0),
                         shieldedVolumeFraction: variant == .ptvUnderdose ? 0.05 : 0)
    }
}
