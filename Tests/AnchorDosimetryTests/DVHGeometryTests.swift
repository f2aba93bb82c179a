import AnchorDosimetry
import AnchorRT
import AnchorTestSupport
import Foundation
import Testing

/// The geometry convention: slabs, end caps, gaps, the even-odd rule, and what is skipped and why.
struct DVHGeometryTests {
    static let field = LinearDose(doseAtOriginGy: 40, gradientGyPerMM: Vec3(0.1, 0.2, 0.3))
    static let grid = field.grid(size: (49, 49, 49), spacing: (2.5, 2.5, 2.5))

    func compute(_ roi: StructureSet.ROI, options: DVHOptions = .default, grid: DoseGrid = Self.grid) throws -> StructureDose {
        try DVHCalculator(dose: grid, options: options).compute(roi)
    }

    func square(_ x0: Double, _ y0: Double, _ side: Double, z: Double) -> StructureSet.Contour {
        StructureSet.Contour(geometricType: .closedPlanar, points: [Vec3(x0, y0, z), Vec3(x0 + side, y0, z), Vec3(x0 + side, y0 + side, z), Vec3(x0, y0 + side, z)])
    }

    func roi(_ contours: [StructureSet.Contour], name: String = "ROI") -> StructureSet.ROI {
        StructureSet.ROI(number: 1, name: name, contours: contours)
    }

    @Test func contourWithHoleIsSubtracted() throws {
        let ring = DVHPhantom.ring(outer: 20, inner: 10, z0: -6, z1: 6, spacing: 2)
        let s = try compute(ring.roi(number: 1))
        let outer = ExactSlabDVH(DVHPhantom.cylinder(radius: 20, z0: -6, z1: 6, spacing: 2), Self.field).volumeCC
        let inner = ExactSlabDVH(DVHPhantom.cylinder(radius: 10, z0: -6, z1: 6, spacing: 2), Self.field).volumeCC
        #expect(abs(s.volumeCC - (outer - inner)) < 0.0005 * outer)
    }

    @Test func holeIsAHoleWhicheverWayItIsDrawn() throws {
        var anticlockwise = DVHPhantom.ring(outer: 20, inner: 10, z0: -6, z1: 6, spacing: 2)
        anticlockwise.planes = anticlockwise.planes.map { ($0.z, [$0.polygons[0], DVHPhantom.circle(r: 10)]) }
        let a = try compute(anticlockwise.roi(number: 1))
        let b = try compute(DVHPhantom.ring(outer: 20, inner: 10, z0: -6, z1: 6, spacing: 2).roi(number: 1))
        #expect(abs(a.volumeCC - b.volumeCC) < 1e-9)
        #expect(abs(a.meanGy - b.meanGy) < 1e-9)
    }

    @Test func islandInsideAHoleCountsAgain() throws {
        // Even-odd: outer 20 mm, hole 12 mm, island 6 mm: area π(20² − 12² + 6²) per plane.
        let contours = (0..<4).flatMap { k -> [StructureSet.Contour] in
            let z = Double(k) * 2
            return [20.0, 12, 6].map { r in StructureSet.Contour(geometricType: .closedPlanar, points: DVHPhantom.circle(r: r, points: 256).map { Vec3($0.x, $0.y, z) }) }
        }
        let s = try compute(roi(contours))
        let polygonArea = { (r: Double) in 256.0 / 2 * r * r * sin(2 * Double.pi / 256) }
        let expected = (polygonArea(20) - polygonArea(12) + polygonArea(6)) * 8 / 1000
        #expect(abs(s.volumeCC / expected - 1) < 0.001)
    }

    @Test func disjointContoursOnOnePlaneAreOneStructure() throws {
        let contours = (0..<5).flatMap { k in [square(-20, -5, 10, z: Double(k) * 2), square(10, -5, 10, z: Double(k) * 2)] }
        let s = try compute(roi(contours))
        #expect(abs(s.volumeCC - 2 * 100 * 10 / 1000) < 1e-9)
        // The two parts sit in different doses (gradient 0.1 Gy/mm along x): the DVH holds both.
        #expect(s.minGy < 40 - 1.5 && s.maxGy > 40 + 1.5)
    }

    @Test func eachPlaneStandsForASlabOfItsSpacing() throws {
        for spacing in [1.0, 2.5, 3.0, 5.0] {
            let contours = (0..<6).map { square(-5, -5, 10, z: Double($0) * spacing) }
            let s = try compute(roi(contours))
            #expect(abs(s.volumeCC - 100 * 6 * spacing / 1000) < 1e-9, "spacing \(spacing)")
        }
    }

    @Test func flatEndCapEndsTheStructureOnItsLastPlanes() throws {
        var o = DVHOptions()
        o.endCap = .flat
        let contours = (0..<6).map { square(-5, -5, 10, z: Double($0) * 2) }
        #expect(abs(try compute(roi(contours), options: o).volumeCC - 100 * 5 * 2 / 1000) < 1e-9)
    }

    @Test func unevenPlanesReachHalfWayToEachNeighbour() throws {
        let zs = [0.0, 2, 5, 6, 9]   // gaps 2, 3, 1, 3: median 2.5
        let s = try compute(roi(zs.map { square(-5, -5, 10, z: $0) }))
        // From 0 − 1.25 to 9 + 1.25.
        #expect(abs(s.volumeCC - 100 * (9 + 2.5) / 1000) < 1e-9)
    }

    @Test func gapWiderThanOneAndAHalfSpacingsIsAGap() throws {
        let zs = [0.0, 2, 4, 14, 16]
        let s = try compute(roi(zs.map { square(-5, -5, 10, z: $0) }))
        #expect(abs(s.volumeCC - 100 * 5 * 2 / 1000) < 1e-9)
        #expect(s.warnings.contains { $0.contains("gap") })
    }

    @Test func repeatedClosingPointIsIgnored() throws {
        let open = (0..<4).map { square(-5, -5, 10, z: Double($0) * 2) }
        let closed = open.map { c in StructureSet.Contour(geometricType: .closedPlanar, points: c.points + [c.points[0]]) }
        #expect(abs(try compute(roi(open)).volumeCC - compute(roi(closed)).volumeCC) < 1e-12)
    }

    @Test func singlePlaneROITakesTheStructureSetSpacing() throws {
        let thin = StructureSet.ROI(number: 1, name: "Thin", contours: [square(-5, -5, 10, z: 0)])
        let other = StructureSet.ROI(number: 2, name: "Other", contours: (0..<5).map { square(-5, -5, 10, z: Double($0) * 3) })
        let rs = StructureSet(sopInstanceUID: "1.2.3", rois: [thin, other])
        let report = try DVHCalculator(dose: Self.grid).compute(structureSet: rs)
        let s = try #require(report.structures.first { $0.name == "Thin" })
        #expect(abs(s.volumeCC - 100 * 3 / 1000) < 1e-9)
        #expect(s.sampling.spacingSource.contains("one plane"))
    }

    @Test func contourPlanesSparserThanTheDoseGridAreNotLost() throws {
        // plastimatch put a 1050 cc cube drawn every 5 mm onto single 2 mm dose slices (420 cc).
        let grid = Self.field.grid(size: (71, 71, 71), spacing: (2, 2, 2))
        let cube = roi((0..<21).map { square(-50, -50, 100, z: -50 + 2.5 + Double($0) * 5) })
        let s = try compute(cube, grid: grid)
        #expect(abs(s.volumeCC - 1050) < 1e-6)
        #expect(abs(s.meanGy - (40 + 0.3 * 2.5)) < 1e-6)   // centred on z = 2.5 mm
    }

    @Test func volumeDoesNotDependOnTheDoseGrid() throws {
        let sphere = DVHPhantom.sphere(radius: 7, spacing: 2)
        let exact = ExactSlabDVH(sphere, Self.field).volumeCC
        for (spacing, shift) in [(1.0, 0.0), (2.0, 0.3), (2.5, 0.7), (3.0, 1.1), (4.0, 0.0), (5.0, 2.2)] {
            let grid = Self.field.grid(centre: Vec3(shift, -shift, shift / 2), size: (41, 41, 41), spacing: (spacing, spacing, spacing))
            let s = try compute(sphere.roi(number: 1), grid: grid)
            #expect(abs(s.volumeCC / exact - 1) < 0.0005, "grid \(spacing) mm shifted \(shift): \(s.volumeCC) cc vs \(exact)")
        }
    }

    @Test func sagittalContoursAreSampledOnTheirOwnPlanes() throws {
        var sphere = DVHPhantom.sphere(radius: 12, spacing: 2)
        sphere.frame = .sagittal
        // Dose along the sagittal planes' normal (patient x), and oblique.
        for field in [LinearDose(doseAtOriginGy: 40, gradientGyPerMM: Vec3(0.5, 0, 0)), Self.field] {
            let grid = field.grid(size: (49, 49, 49), spacing: (2.5, 2.5, 2.5))
            let exact = ExactSlabDVH(sphere, field)
            let s = try compute(sphere.roi(number: 1), grid: grid)
            #expect(!s.sampling.alignedWithDoseGrid)
            #expect(abs(s.volumeCC / exact.volumeCC - 1) < 0.001)
            let range = exact.maxGy - exact.minGy
            for x in [2.0, 50, 95, 98] { #expect(abs(s.dose(atVolumePercent: x)! - exact.dose(atVolumePercent: x)) < 0.001 * range) }
            #expect(abs(s.meanGy - exact.meanGy) < 0.001 * range)
        }
    }

    @Test func partlyCoveredStructureReportsTheCoveredPartAndFraction() throws {
        // A box from x = 20 to 80 mm; the grid's last voxel centre is at x = 60 mm: two thirds covered.
        let box = DVHPhantom.box(x0: 20, x1: 80, y0: -10, y1: 10, z0: -10, z1: 10, spacing: 2.5)
        let s = try compute(box.roi(number: 1))
        #expect(abs(s.coveredFraction - 2.0 / 3) < 1e-9)
        #expect(s.isPartiallyCovered)
        #expect(s.warnings.contains { $0.contains("inside the dose grid") })
        #expect(abs(s.volumeCC - 24) < 1e-6 && abs(s.coveredVolumeCC - 16) < 1e-6, "\(s.volumeCC) \(s.coveredVolumeCC)")
        let covered = ExactSlabDVH(DVHPhantom.box(x0: 20, x1: 60, y0: -10, y1: 10, z0: -10, z1: 10, spacing: 2.5), Self.field)
        #expect(abs(s.meanGy - covered.meanGy) < 1e-6)
        #expect(abs(s.dose(atVolumePercent: 50)! - covered.dose(atVolumePercent: 50)) < 0.002)
        // Out to the voxel faces instead: 61.25 mm.
        var o = DVHOptions()
        o.gridExtent = .voxelEdges
        #expect(abs(try compute(box.roi(number: 1), options: o).coveredFraction - 41.25 / 60) < 1e-9)
    }

    @Test func structuresWithoutDVHAreListedWithTheirReason() throws {
        let rs = StructureSet(sopInstanceUID: "1.2.3", rois: [
            StructureSet.ROI(number: 1, name: "Empty", contours: []),
            StructureSet.ROI(number: 2, name: "Marker", contours: [StructureSet.Contour(geometricType: .point, points: [Vec3(1, 2, 3)])]),
            StructureSet.ROI(number: 3, name: "Far", contours: (0..<3).map { square(200, 200, 10, z: Double($0) * 2) }),
            StructureSet.ROI(number: 4, name: "Line", contours: [StructureSet.Contour(geometricType: .closedPlanar, points: [Vec3(0, 0, 0), Vec3(5, 0, 0), Vec3(10, 0, 0)])]),
            StructureSet.ROI(number: 5, name: "Good", contours: (0..<3).map { square(-5, -5, 10, z: Double($0) * 2) }),
        ])
        let report = try DVHCalculator(dose: Self.grid).compute(structureSet: rs, names: ["Empty", "marker", "Far", "Line", "Good", "Missing"])
        #expect(report.structures.map(\.name) == ["Good"])
        let codes = Dictionary(uniqueKeysWithValues: report.skipped.map { ($0.name, $0.error.code) })
        #expect(codes == ["Empty": .noContours, "Marker": .noClosedContours, "Far": .outsideDoseGrid, "Line": .emptyVolume, "Missing": .structureNotFound])
        #expect(report.skipped.allSatisfy { !$0.reason.isEmpty })
    }

    @Test func pointContoursBesideClosedOnesAreIgnoredWithANote() throws {
        var contours = (0..<3).map { square(-5, -5, 10, z: Double($0) * 2) }
        contours.append(StructureSet.Contour(geometricType: .point, points: [Vec3(0, 0, 0)]))
        let s = try compute(roi(contours))
        #expect(abs(s.volumeCC - 0.6) < 1e-9)
        #expect(s.warnings.contains { $0.contains("POINT") })
    }

    @Test func tinyStructureKeepsItsColdTail() throws {
        // dicompyler-core reports D97-D99 = 0 under 0.5 cc; a 0.05 cc sphere on a 2.5 mm grid here.
        let p = DVHPhantom.sphere(radius: 2.3, spacing: 1)
        let exact = ExactSlabDVH(p, Self.field)
        let s = try compute(p.roi(number: 1))
        #expect(abs(s.volumeCC / exact.volumeCC - 1) < 0.005)
        for x in [97.0, 98, 99] { #expect(abs(s.dose(atVolumePercent: x)! - exact.dose(atVolumePercent: x)) < 0.01 * (exact.maxGy - exact.minGy)) }
    }

    @Test func maskOccupancyIsTheFractionOfEachVoxelInside() throws {
        // Voxel centres every 2.5 mm from −60 mm; a box from −1.25 to 3.75 (x: two whole voxels),
        // 0 to 2.5 (y: half of two voxels) and −1.25 to 1.25 (z: one voxel, one plane).
        let b = StructureSet.ROI(number: 1, name: "B", contours: [StructureSet.Contour(geometricType: .closedPlanar, points: [
            Vec3(-1.25, 0, 0), Vec3(3.75, 0, 0), Vec3(3.75, 2.5, 0), Vec3(-1.25, 2.5, 0)])])
        var o = DVHOptions()
        o.singlePlaneSpacingMM = 2.5
        let calc = try DVHCalculator(dose: Self.grid, options: o)
        let m = try calc.mask(for: b)
        #expect(m.voxelIndices.count == 4)
        for i in [24, 25] { for j in [24, 25] { #expect(abs(m.occupancy(i, j, 24) - 0.5) < 1e-9) } }
        #expect(m.occupancy(26, 24, 24) == 0)
        #expect(abs(m.volumeCC - 5 * 2.5 * 2.5 / 1000) < 1e-12)
        #expect(abs(try calc.compute(b).volumeCC - m.volumeCC) < 1e-12)
    }

    @Test func maskOfASphereSumsToItsVolume() throws {
        let sphere = DVHPhantom.sphere(radius: 9, spacing: 2)
        let calc = try DVHCalculator(dose: Self.grid)
        let m = try calc.mask(for: sphere.roi(number: 1))
        let v = try calc.compute(sphere.roi(number: 1)).volumeCC
        #expect(abs(m.volumeCC / v - 1) < 1e-9)
        #expect(m.occupancy.allSatisfy { $0 > 0 && $0 <= 1 + 1e-12 })
        #expect(m.occupancy.contains { $0 == 1 } || m.occupancy.contains { $0 > 0.999 })
    }
}
