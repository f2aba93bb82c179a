import AnchorRT

/// Posterior fossa ependymoma after resection, drawn for an 18-year-old with the head centre at the
/// origin and scaled by head circumference (see `Growth`). Dimensions in mm before scaling.
///
/// The GTV (residual tumour and tumour bed in the fourth ventricle) is a union of three balls, so its
/// margins are exact: the set of points within m of a union of balls is the union of the balls grown
/// by m. CTV = GTV + 5 mm within the brain (not into bone); PTV = GTV + 8 mm, which holds CTV + 3 mm
/// everywhere (as in SIOP Ependymoma II). Prescription 59.4 Gy in 33 fractions; 54 Gy in 30 for the
/// youngest (under 18 months in the protocols; age 1 here).
enum PosteriorFossa {
    static func model(age: Int, variant: PhantomVariant, resolution: PhantomSpec.Resolution, rng: inout SeededGenerator) -> SiteModel {
        let s = Growth.headScale(age: Double(age))
        func P(_ x: Double, _ y: Double, _ z: Double) -> Vec3 { Vec3(x * s, y * s, z * s) }
        func R(_ x: Double, _ y: Double, _ z: Double) -> Vec3 { Vec3(x * s, y * s, z * s) }
        func ell(_ c: Vec3, _ r: Vec3, yaw: Double = 0, pitch: Double = 0) -> Solid {
            .ellipsoid(Ellipsoid(center: c, radii: r, yawDegrees: yaw, pitchDegrees: pitch))
        }
        // Small individual differences: ±3% in head shape, drawn from the seed.
        let shape = Vec3(1 + rng.uniform(-0.03, 0.03), 1 + rng.uniform(-0.03, 0.03), 1 + rng.uniform(-0.03, 0.03))

        // Outer surfaces.
        let headR = Vec3(72 * shape.x, 95 * shape.y, 80 * shape.z)
        let head = ell(.zero, R(headR.x, headR.y, headR.z))
        let face = ell(P(0, -40, -58), R(52, 50, 42))
        let neck = Solid.cylinder(EllipticCylinder(centerX: 0, centerY: 12 * s, radiusX: 48 * s, radiusY: 46 * s, zMin: -200 * s, zMax: -40 * s))
        let external = Solid.union([head, face, neck])
        let skullOuter = ell(.zero, R(headR.x - 5, headR.y - 5, headR.z - 5))
        let skullInner = ell(P(0, 2, 2), R(headR.x - 10, headR.y - 11, headR.z - 11))

        // Skull base: the anterior skull base over the orbits and nose, and the petrous bones around the cochleae.
        let anteriorBase = Solid.box(Box(min: P(-120, -150, -250), max: P(120, -38, -8)))
        let belowForamen = Solid.box(Box(min: P(-120, -150, -250), max: P(120, 150, -58)))
        let petrousL = ell(P(33, 12, -30), R(22, 11, 10), yaw: -40)
        let petrousR = ell(P(-33, 12, -30), R(22, 11, 10), yaw: 40)
        let brain = Solid.difference(skullInner, .union([anteriorBase, belowForamen, petrousL, petrousR]))

        // Organs at risk.
        let brainstem = ell(P(0, 16, -25), R(13, 13, 27))
        let cord = Solid.cylinder(EllipticCylinder(centerX: 0, centerY: 22 * s, radiusX: 5.5 * s, radiusY: 4.5 * s, zMin: -200 * s, zMax: -50 * s))
        let eyeR = Growth.eyeRadiusMM(age: Double(age))
        let eyeCentreL = P(31, -67, -15), eyeCentreR = P(-31, -67, -15)
        let eyeL = Solid.sphere(eyeCentreL, eyeR), eyeR_ = Solid.sphere(eyeCentreR, eyeR)
        // The lens sits behind the cornea: its centre 2.2 mm behind the front of the globe; 9 mm wide, 4 mm thick.
        let lensL = ell(eyeCentreL + Vec3(0, -(eyeR - 2.2), 0), Vec3(4.5, 2, 4.5))
        let lensR = ell(eyeCentreR + Vec3(0, -(eyeR - 2.2), 0), Vec3(4.5, 2, 4.5))
        let chiasm = ell(P(0, -15, -10), R(9, 4.5, 2.6))
        let nerveL = Solid.capsule(Capsule(from: eyeCentreL + Vec3(0, eyeR * 0.9, 0), to: P(7, -16, -10), radius: 2.3 * max(s, 0.85)))
        let nerveR = Solid.capsule(Capsule(from: eyeCentreR + Vec3(0, eyeR * 0.9, 0), to: P(-7, -16, -10), radius: 2.3 * max(s, 0.85)))
        let pituitary = ell(P(0, -8, -20), R(6, 5, 4))
        let hypothalamus = ell(P(0, -6, -3), R(6, 6, 5))
        let hippoL = ell(P(24, 8, -16), R(5, 19, 5.5), yaw: 15)
        let hippoR = ell(P(-24, 8, -16), R(5, 19, 5.5), yaw: -15)
        let temporalL = Solid.intersection([ell(P(44, -12, -22), R(20, 38, 24)), brain])
        let temporalR = Solid.intersection([ell(P(-44, -12, -22), R(20, 38, 24)), brain])
        // The cochlea: a torus about the modiolus, adult size at every age (not scaled); its axis points
        // anterolaterally and down.
        let cochleaL = Solid.torus(Torus(center: P(31, 10, -30), axis: Vec3(0.55, -0.55, -0.63), majorRadius: 2.8, minorRadius: 1.7))
        let cochleaR = Solid.torus(Torus(center: P(-31, 10, -30), axis: Vec3(-0.55, -0.55, -0.63), majorRadius: 2.8, minorRadius: 1.7))

        // Targets: three balls in the fourth ventricle, the third reaching down toward the foramen magnum.
        func jitter(_ v: Vec3) -> Vec3 { v + Vec3(rng.uniform(-1.5, 1.5), rng.uniform(-1.5, 1.5), rng.uniform(-1.5, 1.5)) }
        let lobes: [(Vec3, Double)] = [
            (jitter(P(0, 44, -30)), 15 * s * rng.uniform(0.95, 1.05)),
            (jitter(P(7, 50, -22)), 10 * s * rng.uniform(0.9, 1.1)),
            (jitter(P(-8, 38, -44)), 10.5 * s * rng.uniform(0.95, 1.05)),
        ]
        func grown(_ balls: [(Vec3, Double)], by m: Double) -> Solid { .union(balls.map { Solid.sphere($0.0, $0.1 + m) }) }
        let gtv = grown(lobes, by: 0)
        // contour-error: the CTV is drawn around the first two lobes only.
        let ctvLobes = variant == .contourError ? Array(lobes.prefix(2)) : lobes
        let ctv = Solid.intersection([grown(ctvLobes, by: 5), brain])
        let ptv = grown(ctvLobes, by: 8)

        var n = 0
        func organ(_ name: String, _ solid: Solid) -> PhantomStructure {
            n += 1
            return PhantomStructure(name, "ORGAN", Palette.organ(n), solid)
        }
        let structures: [PhantomStructure] = [
            PhantomStructure("External", "EXTERNAL", Palette.external, external),
            organ("Brain", brain),
            organ("Brainstem", brainstem),
            organ("SpinalCord", cord),
            organ("Cochlea_L", cochleaL),
            organ("Cochlea_R", cochleaR),
            organ("Hypothalamus", hypothalamus),
            organ("Pituitary", pituitary),
            organ("OpticChiasm", chiasm),
            organ("OpticNrv_L", nerveL),
            organ("OpticNrv_R", nerveR),
            organ("Eye_L", eyeL),
            organ("Eye_R", eyeR_),
            organ("Lens_L", lensL),
            organ("Lens_R", lensR),
            organ("Hippocampus_L", hippoL),
            organ("Hippocampus_R", hippoR),
            organ("Lobe_Temporal_L", temporalL),
            organ("Lobe_Temporal_R", temporalR),
            PhantomStructure("GTV", "GTV", Palette.gtv, gtv),
            PhantomStructure("CTV", "CTV", Palette.ctv, ctv),
            PhantomStructure("PTV", "PTV", Palette.ptv, ptv),
        ]

        // CT: scalp and neck soft tissue, skull and skull base, brain, CSF spaces, orbits, tumour.
        let bone = Tissue.corticalBone(age: Double(age))
        let vertebrae: [TissueLayer] = stride(from: -60.0, to: -200.0, by: -18.0).flatMap { top -> [TissueLayer] in
            [TissueLayer(.cylinder(EllipticCylinder(centerX: 0, centerY: 2 * s, radiusX: 13 * s, radiusY: 10 * s, zMin: (top - 14) * s, zMax: top * s)), Tissue.cancellousBone)]
        }
        var layers: [TissueLayer] = [
            TissueLayer(external, Tissue.softTissue),
            TissueLayer(.difference(neck, .cylinder(EllipticCylinder(centerX: 0, centerY: 12 * s, radiusX: 40 * s, radiusY: 38 * s, zMin: -300, zMax: 300))), Tissue.fat),
            TissueLayer(skullOuter, bone),
            // Below the anterior skull base: orbits, nose and sinuses, soft tissue with thin bony walls.
            TissueLayer(.intersection([skullInner, anteriorBase]), Tissue.softTissue),
            TissueLayer(.intersection([skullInner, belowForamen]), Tissue.muscle),
            TissueLayer(.difference(ell(P(0, -52, -58), R(42, 32, 22)), ell(P(0, -52, -58), R(36, 26, 16))), bone * 0.8), // maxilla
            TissueLayer(.difference(ell(P(0, -40, -88), R(44, 40, 14)), ell(P(0, -40, -86), R(38, 34, 10))), bone), // mandible
            TissueLayer(ell(P(0, -68, -40), R(9, 16, 14)), Tissue.air), // nasal cavity
            TissueLayer(ell(P(21, -58, -48), R(11, 12, 12)), Tissue.air), TissueLayer(ell(P(-21, -58, -48), R(11, 12, 12)), Tissue.air), // maxillary sinuses
            TissueLayer(ell(P(0, -16, -75), R(10, 8, 45)), Tissue.air), // pharynx
            TissueLayer(.cylinder(EllipticCylinder(centerX: 0, centerY: 24 * s, radiusX: 12 * s, radiusY: 11 * s, zMin: -200 * s, zMax: -55 * s)), bone), // posterior arches
            TissueLayer(.cylinder(EllipticCylinder(centerX: 0, centerY: 22 * s, radiusX: 8 * s, radiusY: 7 * s, zMin: -200 * s, zMax: -50 * s)), Tissue.csf), // canal
        ]
        layers += vertebrae
        layers += [
            TissueLayer(petrousL, bone), TissueLayer(petrousR, bone),
            TissueLayer(ell(P(0, -8, -26), R(12, 10, 5)), bone), // sella floor
            TissueLayer(ell(P(30, -58, -15), R(19, 26, 16)), Tissue.fat), TissueLayer(ell(P(-30, -58, -15), R(19, 26, 16)), Tissue.fat), // orbits
            TissueLayer(brain, Tissue.brain),
            TissueLayer(ell(P(10, 0, 15), R(5, 28, 9), yaw: 8), Tissue.csf), TissueLayer(ell(P(-10, 0, 15), R(5, 28, 9), yaw: -8), Tissue.csf), // lateral ventricles
            TissueLayer(cord, Tissue.softTissue),
            TissueLayer(eyeL, Tissue.vitreous), TissueLayer(eyeR_, Tissue.vitreous),
            TissueLayer(lensL, Tissue.lens), TissueLayer(lensR, Tissue.lens),
            TissueLayer(nerveL, Tissue.softTissue), TissueLayer(nerveR, Tissue.softTissue),
            TissueLayer(cochleaL, Tissue.csf), TissueLayer(cochleaR, Tissue.csf),
            TissueLayer(pituitary, Tissue.softTissue + 20),
            TissueLayer(gtv, Tissue.tumour),
        ]

        let lateral = (headR.x + 15) * s, ap = (headR.y + 15) * s
        let scan = Bounds(min: Vec3(-lateral, -ap, -130 * s), max: Vec3(lateral, ap, (headR.z + 6) * s))
        let pixel = roundedSpacing(2 * max(lateral, ap) / 176, min: 0.8, max: 2.0) * (resolution == .coarse ? 2 : 1)

        let beams: [BeamSetup]
        if variant == .cochleaOverdose {
            // Lateral-opposed pair carrying most of the dose, with a posterior field, shaped without shielding the
            // cochleae: both lie inside every field.
            beams = [BeamSetup(name: "LAT_L", gantry: 90, weight: 3), BeamSetup(name: "PA", gantry: 180, weight: 1),
                     BeamSetup(name: "LAT_R", gantry: 270, weight: 3)]
        } else {
            // Eight coplanar fields 40° apart, none through the front of the face (the eyes lie outside every aperture).
            beams = [40, 80, 120, 160, 200, 240, 280, 320].map { BeamSetup(name: "G\(Int($0))", gantry: $0, weight: 1) }
        }
        let youngest = age < 2
        return SiteModel(structures: structures, layers: layers, scan: scan, pixelSpacingMM: pixel, sliceSpacingMM: 2.5,
                         doseSpacingMM: resolution == .coarse ? 4 : 2.5, sex: rng.unit() < 0.5 ? "F" : "M",
                         diagnosis: "posterior fossa ependymoma",
                         prescriptionGy: youngest ? 54 : 59.4, fractions: youngest ? 30 : 33, beams: beams,
                         apertureInclude: variant == .cochleaOverdose ? ["Cochlea_L", "Cochlea_R"] : [],
                         shieldedVolumeFraction: variant == .ptvUnderdose ? 0.05 : 0)
    }
}
