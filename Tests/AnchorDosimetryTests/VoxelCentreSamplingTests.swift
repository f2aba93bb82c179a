import AnchorRT
import AnchorTestSupport
import Testing
@testable import AnchorDosimetry

/// `DVHOptions.doseSampling = .voxelCentre`: dose at the dose grid's voxel centres inside each contour
/// plane, the convention of many planning systems.
@Suite struct VoxelCentreSamplingTests {
    @Test func boxOnALinearDoseTakesItsVoxelCentres() throws {
        // Grid centres every 2 mm from -20 to 20; the box x in [-10, 10] holds the centres -10 ... 8 along x
        // (an edge exactly on a centre counts on its low side only, so abutting boxes share no centre).
        let dose = LinearDose(doseAtOriginGy: 20, gradientGyPerMM: Vec3(0.1, 0, 0)).grid(size: (21, 21, 21), spacing: (2, 2, 2))
        let roi = DVHPhantom.box(name: "Box", x0: -10, x1: 10, y0: -10, y1: 10, z0: -10, z1: 10, spacing: 2).roi(number: 1)
        var o = DVHOptions()
        o.doseSampling = .voxelCentre
        let s = try DVHCalculator(dose: dose, options: o).compute(roi)
        #expect(abs(s.volumeCC - 8) < 1e-9)                 // 10 x 10 centres of 4 mm², 10 planes of 2 mm
        #expect(abs(s.meanGy - 19.9) < 1e-5)                // mean x of the centres is -1 mm
        #expect(abs(s.minGy - 19) < 1e-5 && abs(s.maxGy - 20.8) < 1e-5)
        #expect(s.coveredFraction == 1)
        // Trilinear sampling of the same box has the continuous mean, 20 Gy.
        let t = try DVHCalculator(dose: dose).compute(roi)
        #expect(abs(t.meanGy - 20) < 1e-4)
        #expect(o.conventionDescription.contains("voxel centres"))
    }

    @Test func centresOutsideTheGridAreUncovered() throws {
        let dose = LinearDose(doseAtOriginGy: 20, gradientGyPerMM: .zero).grid(size: (21, 21, 21), spacing: (2, 2, 2))
        let roi = DVHPhantom.box(name: "Half", x0: 2, x1: 42, y0: -10, y1: 10, z0: -10, z1: 10, spacing: 2).roi(number: 1)
        var o = DVHOptions()
        o.doseSampling = .voxelCentre
        let s = try DVHCalculator(dose: dose, options: o).compute(roi)
        // Centres x = 2 ... 40: 10 of the 20 (2 ... 20) are on the grid.
        #expect(abs(s.coveredFraction - 0.5) < 1e-12)
        #expect(s.warnings.contains { $0.hasPrefix("only 50.00% of the structure") })
    }
}
