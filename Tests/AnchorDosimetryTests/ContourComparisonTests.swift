import AnchorDosimetry
import AnchorRT
import Foundation
import Testing

/// Analytic solids drawn as contours on parallel planes of any orientation.
enum ContourSolids {
    /// Unit vectors (e1, e2) in planes of normal n (the comparison frame's own, so the answers do not
    /// depend on how the frame is chosen).
    static func axes(_ n: Vec3) -> (Vec3, Vec3, Vec3) {
        let g = ContourFrame(normal: n).grid
        return (g.rowDirection, g.columnDirection, g.normal)
    }

    /// A sphere on planes at spacing s whose slabs tile [c − r, c + r] along n exactly (2r/s whole);
    /// each plane a regular N-gon whose area is the circle's (radius scaled by √(2π / (N sin(2π/N))))
    /// so only the slab convention's midpoint error remains in the volume: exactly π r s² / 6.
    static func sphere(_ name: String, centre c: Vec3, radius r: Double, spacing s: Double, vertices n: Int = 256,
                       normal: Vec3 = Vec3(0, 0, 1), reversed: Bool = false, skipPlane: Int? = nil) -> StructureSet.ROI {
        let (e1, e2, nn) = axes(normal)
        let m = Int((2 * r / s).rounded())
        let scale = (2 * Double.pi / (Double(n) * sin(2 * Double.pi / Double(n)))).squareRoot()
        var contours: [StructureSet.Contour] = []
        for k in 0..<m where k != skipPlane {
            let z = -r + (Double(k) + 0.5) * s
            let rho = (r * r - z * z).squareRoot() * scale
            let pts = (0..<n).map { i -> Vec3 in
                let a = 2 * Double.pi * Double(i) / Double(n)
                return c + e1 * (rho * cos(a)) + e2 * (rho * sin(a)) + nn * z
            }
            contours.append(.init(geometricType: .closedPlanar, points: pts))
        }
        if reversed { contours.reverse() }
        return StructureSet.ROI(number: 1, name: name, contours: contours)
    }

    /// A box [lo, lo + size] in the (e1, e2, n) frame of `normal`, on planes every s whose slabs tile it.
    static func box(_ name: String, lo: (Double, Double, Double), size: (Double, Double, Double), spacing s: Double,
                    normal: Vec3 = Vec3(0, 0, 1), skipPlane: Int? = nil) -> StructureSet.ROI {
        let (e1, e2, nn) = axes(normal)
        let m = Int((size.2 / s).rounded())
        var contours: [StructureSet.Contour] = []
        for k in 0..<m where k != skipPlane {
            let z = lo.2 + (Double(k) + 0.5) * s
            let corners = [(lo.0, lo.1), (lo.0 + size.0, lo.1), (lo.0 + size.0, lo.1 + size.1), (lo.0, lo.1 + size.1)]
            contours.append(.init(geometricType: .closedPlanar, points: corners.map { e1 * $0.0 + e2 * $0.1 + nn * z }))
        }
        return StructureSet.ROI(number: 1, name: name, contours: contours)
    }

    /// Volume of the intersection of spheres of radii r1, r2 whose centres are d apart (the lens).
    static func lensVolume(_ r1: Double, _ r2: Double, _ d: Double) -> Double {
        if d >= r1 + r2 { return 0 }
        if d <= abs(r1 - r2) { return 4 / 3 * Double.pi * pow(min(r1, r2), 3) }
        return Double.pi * pow(r1 + r2 - d, 2) * (d * d + 2 * d * r2 - 3 * r2 * r2 + 2 * d * r1 + 6 * r1 * r2 - 3 * r1 * r1) / (12 * d)
    }
}

/// Contour comparison against exact answers. Every tolerance follows from the sampling:
/// - the slab convention replaces a sphere of radius r drawn every s mm by a staircase whose volume is
///   πrs²/6 larger (midpoint rule on π(r² − z²)) and whose surface lies within s/2 + s²/(8r) of the sphere;
/// - each N-gon has the circle's area and lies within r(π/N)² of the circle;
/// - each surface distance is within h/√2 of the distance on the exact slab surface (patch half-diagonal).
@Suite struct ContourComparisonTests {
    static let orientations: [(String, Vec3)] = [
        ("axial", Vec3(0, 0, 1)), ("sagittal", Vec3(1, 0, 0)), ("coronal", Vec3(0, 1, 0)), ("oblique", Vec3(1, 2, 2).normalized),
    ]

    func options(tolerance: Double = 2, spacing: Double = 0.5) -> ContourComparisonOptions {
        var o = ContourComparisonOptions()
        o.toleranceMM = tolerance
        o.surfaceSpacingMM = spacing
        return o
    }

    /// Bound on how far a slab-convention sphere's surface strays from the sphere, mm.
    func staircase(_ r: Double, _ s: Double, _ n: Int = 256) -> Double { s / 2 + s * s / (8 * r) + r * pow(Double.pi / Double(n), 2) * 1.1 }

    @Test(arguments: [(20.0, 15.0, 10.0), (20.0, 20.0, 25.0), (12.0, 18.0, 3.0)])
    func twoSpheresDiceIsTheLensFormula(_ r1: Double, _ r2: Double, _ d: Double) throws {
        let s = 0.5
        for (label, n) in Self.orientations {
            let a = ContourSolids.sphere("A", centre: Vec3(5, -3, 2), radius: r1, spacing: s, normal: n)
            // Centre moved partly in the plane, partly by a whole number of planes along the normal.
            let along = (d * 0.8 / s).rounded() * s, inPlane = (d * d - along * along).squareRoot()
            let (e1, _, nn) = ContourSolids.axes(n)
            let b = ContourSolids.sphere("B", centre: Vec3(5, -3, 2) + e1 * inPlane + nn * along, radius: r2, spacing: s, normal: n)
            let dd = (inPlane * inPlane + along * along).squareRoot()
            let c = try ContourComparator.compare(reference: a, test: b, options: options())
            let v1 = 4 / 3 * Double.pi * pow(r1, 3), v2 = 4 / 3 * Double.pi * pow(r2, 3)
            let lens = ContourSolids.lensVolume(r1, r2, dd)
            let exact = 2 * lens / (v1 + v2)
            // Volumes: πrs²/6 for each sphere; the lens's two caps at most as much as both spheres'.
            let dv = Double.pi * (r1 + r2) * s * s / 6
            #expect(abs(c.volumeReferenceCC * 1000 - v1 - Double.pi * r1 * s * s / 6) < 1e-3, "\(label): slab volume exact")
            let tol = 3 * dv / (v1 + v2)
            #expect(abs(c.dice - exact) <= tol, "\(label): dice \(c.dice) vs \(exact) (tolerance \(tol))")
            #expect(abs(c.jaccard - lens / (v1 + v2 - lens)) <= 2 * tol, "\(label)")
            #expect(abs(c.centroidDistanceMM - dd) < 1e-6 + 0.01, "\(label): centroid distance \(c.centroidDistanceMM) vs \(dd)")
        }
    }

    @Test func nestedSpheresHausdorffIsR2PlusDMinusR1() throws {
        let (r1, r2, d, s) = (5.0, 9.0, 2.0, 0.5)
        for (label, n) in Self.orientations {
            let (e1, _, nn) = ContourSolids.axes(n)
            for shift in [e1 * d, nn * d] {
                let a = ContourSolids.sphere("A", centre: .zero, radius: r1, spacing: s, vertices: 128, normal: n)
                let b = ContourSolids.sphere("B", centre: shift, radius: r2, spacing: s, vertices: 128, normal: n)
                let c = try ContourComparator.compare(reference: a, test: b, options: options())
                let tol = staircase(r1, s, 128) + staircase(r2, s, 128) + options().distanceErrorBoundMM
                #expect(abs(c.hausdorffMM - (r2 + d - r1)) <= tol, "\(label): HD \(c.hausdorffMM) vs \(r2 + d - r1), tolerance \(tol)")
                #expect(abs(c.dice - 2 * pow(r1, 3) / (pow(r1, 3) + pow(r2, 3))) < 0.002, "\(label)")
            }
        }
    }

    @Test(arguments: [(1.5, 2.0, 1.0), (2.5, 2.0, 0.0), (1.0, 3.0, 1.0), (4.0, 3.0, 0.0)])
    func concentricSpheresDistancesAreDelta(_ delta: Double, _ tau: Double, _ surfaceDice: Double) throws {
        let (r, s) = (15.0, 0.5)
        for (label, n) in Self.orientations {
            let a = ContourSolids.sphere("A", centre: Vec3(1, 2, 3), radius: r, spacing: s, normal: n)
            let b = ContourSolids.sphere("B", centre: Vec3(1, 2, 3), radius: r + delta, spacing: s, normal: n, reversed: true)
            let c = try ContourComparator.compare(reference: a, test: b, options: options(tolerance: tau))
            let tol = staircase(r, s) + staircase(r + delta, s) + options().distanceErrorBoundMM
            #expect(abs(c.hausdorffMM - delta) <= tol, "\(label): HD \(c.hausdorffMM)")
            #expect(abs(c.msdMM - delta) <= tol, "\(label): MSD \(c.msdMM)")
            #expect(abs(c.msdReferenceToTestMM - delta) <= tol && abs(c.msdTestToReferenceMM - delta) <= tol, "\(label)")
            #expect(abs(c.hd95MM - delta) <= tol && abs(c.hd95PooledMM - delta) <= tol, "\(label)")
            #expect(c.surfaceDice == surfaceDice, "\(label): surface Dice \(c.surfaceDice) for δ \(delta), τ \(tau)")
        }
    }

    @Test func cubeAndShiftedCubeHausdorffIsTheShiftNorm() throws {
        let s = 2.0, h = 0.25
        for (label, n) in Self.orientations {
            let a = ContourSolids.box("A", lo: (0, 0, 0), size: (30, 30, 30), spacing: s, normal: n)
            let b = ContourSolids.box("B", lo: (3, 4, 2.5), size: (30, 30, 30), spacing: s, normal: n)
            let c = try ContourComparator.compare(reference: a, test: b, options: options(spacing: h))
            let shift = (9.0 + 16 + 6.25).squareRoot()
            #expect(abs(c.hausdorffMM - shift) <= h / 2.squareRoot() + 1e-9, "\(label): HD \(c.hausdorffMM) vs \(shift)")
            #expect(c.hausdorffMM <= shift + 1e-9, "\(label): a sampled maximum never exceeds the exact one")
            #expect(abs(c.volumeIntersectionCC * 1000 - 27 * 26 * 27.5) < 1e-6, "\(label): overlap \(c.volumeIntersectionCC)")
            #expect(abs(c.volumeReferenceCC - 27) < 1e-9, "\(label)")
            #expect(abs(c.dice - 27 * 26 * 27.5 / 27000) < 1e-9, "\(label)")
            #expect(abs(c.centroidDistanceMM - shift) < 1e-9, "\(label)")
            let v = c.centroidVectorMM
            let (e1, e2, nn) = ContourSolids.axes(n)
            #expect((v - (e1 * 3 + e2 * 4 + nn * 2.5)).length < 1e-9, "\(label)")
        }
    }

    @Test func identicalStructuresAgreeExactly() throws {
        for (label, n) in Self.orientations {
            let a = ContourSolids.sphere("A", centre: Vec3(-4, 7, 1), radius: 12, spacing: 2, vertices: 64, normal: n)
            let c = try ContourComparator.compare(reference: a, test: a, options: options())
            #expect(c.dice == 1 && c.jaccard == 1 && c.volumeRatio == 1, "\(label)")
            // Zero up to rounding in the point-to-edge projections.
            #expect(c.hausdorffMM < 1e-9 && c.hd95MM < 1e-9 && c.hd95PooledMM < 1e-9 && c.msdMM < 1e-9, "\(label)")
            #expect(c.surfaceDice == 1 && c.aplMM == 0 && c.centroidDistanceMM == 0, "\(label)")
            #expect(c.falsePositiveCC == 0 && c.falseNegativeCC == 0, "\(label)")
            #expect(c.slices.allSatisfy { $0.dice == 1 }, "\(label)")
        }
    }

    @Test func disjointSpheresHaveNoOverlap() throws {
        let (r, d, s) = (10.0, 40.0, 0.5)
        for (label, n) in Self.orientations {
            let (e1, _, _) = ContourSolids.axes(n)
            let a = ContourSolids.sphere("A", centre: .zero, radius: r, spacing: s, normal: n)
            let b = ContourSolids.sphere("B", centre: e1 * d, radius: r, spacing: s, normal: n)
            let c = try ContourComparator.compare(reference: a, test: b, options: options())
            #expect(c.dice == 0 && c.volumeIntersectionCC == 0 && c.surfaceDice == 0, "\(label)")
            let tol = 2 * staircase(r, s) + options().distanceErrorBoundMM
            #expect(abs(c.hausdorffMM - d) <= tol, "\(label): HD \(c.hausdorffMM) vs \(d)")
            #expect(abs(c.falsePositiveCC - c.volumeTestCC) < 1e-12, "\(label)")
        }
    }

    @Test func missingSliceCountsItsWholePerimeterInAPL() throws {
        for (label, n) in Self.orientations {
            let a = ContourSolids.box("A", lo: (0, 0, 0), size: (20, 10, 20), spacing: 2, normal: n)
            let b = ContourSolids.box("B", lo: (0, 0, 0), size: (20, 10, 20), spacing: 2, normal: n, skipPlane: 4)
            let c = try ContourComparator.compare(reference: a, test: b, options: options())
            #expect(abs(c.aplMM - 60) < 1e-9, "\(label): APL \(c.aplMM)")
            let missing = c.slices.filter { $0.dice == 0 }
            #expect(missing.count == 1 && abs(missing[0].aplMM - 60) < 1e-9, "\(label)")
            // The test lacks one 2 mm slab (gap wider than 1.5x the spacing: the neighbours stop half-way).
            #expect(abs(c.volumeTestCC - 3.6) < 1e-9 && abs(c.volumeIntersectionCC - 3.6) < 1e-9, "\(label)")
            // The other way round: the slice only the test lacks is still counted whole.
            let back = try ContourComparator.compare(reference: b, test: a, options: options())
            #expect(abs(back.aplMM - 60) < 1e-9, "\(label)")
        }
    }

    @Test func aplCountsOnlyThePathFartherThanTheTolerance() throws {
        // Test box 3 mm wider on one side: the reference's far edge (10 mm long) is 3 mm from the test's,
        // but its last τ at each end is within τ of the test's edges running past it.
        let a = ContourSolids.box("A", lo: (0, 0, 0), size: (20, 10, 4), spacing: 2)
        let b = ContourSolids.box("B", lo: (0, 0, 0), size: (23, 10, 4), spacing: 2)
        let c = try ContourComparator.compare(reference: a, test: b, options: options(tolerance: 2))
        #expect(abs(c.aplMM - 2 * (10 - 2 * 2)) < 1e-9, "APL \(c.aplMM)")
        let wide = try ContourComparator.compare(reference: a, test: b, options: options(tolerance: 3.5))
        #expect(wide.aplMM == 0)
    }

    @Test func nonParallelPlanesAreRefused() throws {
        let a = ContourSolids.sphere("A", centre: .zero, radius: 10, spacing: 1, normal: Vec3(0, 0, 1))
        let b = ContourSolids.sphere("B", centre: .zero, radius: 10, spacing: 1, normal: Vec3(1, 0, 0))
        #expect(throws: DosimetryError.self) { try ContourComparator.compare(reference: a, test: b) }
        let empty = StructureSet.ROI(number: 2, name: "Empty", contours: [])
        #expect(throws: DosimetryError(.noContours, "the ROI has no contours", structure: "Empty")) {
            try ContourComparator.compare(reference: a, test: empty)
        }
    }

    @Test func weightedPercentileIsTheFirstToReachTheFraction() {
        #expect(ContourComparator.weightedPercentile([3, 1, 2], [1, 1, 1], 0.95) == 3)
        #expect(ContourComparator.weightedPercentile([3, 1, 2], [1, 18, 1], 0.95) == 2)
        #expect(ContourComparator.weightedPercentile([0, 10], [95, 5], 0.95) == 0)
    }
}
