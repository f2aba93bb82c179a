import AnchorDosimetry
import AnchorRT
import Testing

/// A contour far outside any body, or a dose grid of absurdly fine spacing, asks the sampler for rows
/// of samples by the billion: it is refused with an error naming the structure, never allocated.
struct DVHHostileGeometryTests {
    static func dose(spacing: Double = 2) -> DoseGrid {
        let grid = Grid3D(columns: 10, rows: 10, origin: Vec3(0, 0, 0), spacingI: spacing, spacingJ: spacing, frameOffsets: [0, 2, 4, 6])
        return DoseGrid(grid: grid, values: [Float](repeating: 1, count: 400), sopInstanceUID: "2.25.1")
    }

    static func square(_ side: Double, name: String = "FAR") -> StructureSet.ROI {
        let pts = [Vec3(0, 0, 2), Vec3(side, 0, 2), Vec3(side, side, 2), Vec3(0, side, 2)]
        return StructureSet.ROI(number: 1, name: name, contours: [.init(geometricType: .closedPlanar, points: pts)])
    }

    @Test(arguments: [1e12, 1e300])
    func contourFarAwayIsRefused(_ far: Double) throws {
        let calc = try DVHCalculator(dose: Self.dose())
        let r = calc.compute([Self.square(far)])
        #expect(r.structures.isEmpty)
        let e = try #require(r.skipped.first?.error)
        #expect(e.code == .invalidGeometry)
        #expect(e.structure == "FAR")
        #expect(throws: DosimetryError.self) { _ = try calc.mask(for: Self.square(far)) }
    }

    @Test func largeButSampleableContourStillGetsItsDVH() throws {
        // 1 km square at 2 mm rows: 500,000 rows, within the bound; its volume is exact.
        let s = try DVHCalculator(dose: Self.dose()).compute(Self.square(1e6))
        #expect(abs(s.volumeCC - 1e12 * 2 / 1000) / (1e12 * 2 / 1000) < 1e-9, "\(s.volumeCC)")
    }

    @Test func nanometreDoseGridSpacingIsRefused() throws {
        do { _ = try DVHCalculator(dose: Self.dose(spacing: 1e-6)); Issue.record("1 nm dose grid accepted") } catch let e as DosimetryError {
            #expect(e.code == .invalidGeometry)
            #expect(e.message.contains("spacing"), "\(e.message)")
        }
        // Just above the floor, a structure needing too many rows is still skipped, not sampled.
        let calc = try DVHCalculator(dose: Self.dose(spacing: 0.01))
        let r = calc.compute([Self.square(50_000, name: "PTV")])
        #expect(r.skipped.first?.error.code == .invalidGeometry)
        #expect(r.skipped.first?.error.message.contains("sample rows") == true)
    }
}

extension DVHHostileGeometryTests {
    @Test func nonFiniteDoseIsRefused() throws {
        var d = Self.dose()
        d.values[17] = .infinity
        #expect(throws: DosimetryError.self) { _ = try DVHCalculator(dose: d) }
        d.values[17] = .nan
        #expect(throws: DosimetryError.self) { _ = try DVHCalculator(dose: d) }
    }
}
