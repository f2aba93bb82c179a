import AnchorDosimetry
import AnchorRT
import AnchorTestSupport
import Foundation
import Testing

/// Any patient orientation, through the dose grid's direction cosines (PS3.3 C.7.6.2.1.1): the same
/// structures in the same patient-space dose give the same DVH whichever way the grid is stored.
struct DVHOrientationTests {
    /// Row and column directions of the dose grid for each patient position (axial), and an oblique grid.
    static let orientations: [(name: String, row: Vec3, column: Vec3)] = [
        ("HFS", Vec3(1, 0, 0), Vec3(0, 1, 0)),
        ("FFS", Vec3(-1, 0, 0), Vec3(0, 1, 0)),
        ("HFP", Vec3(-1, 0, 0), Vec3(0, -1, 0)),
        ("FFP", Vec3(1, 0, 0), Vec3(0, -1, 0)),
        ("HFDL", Vec3(0, -1, 0), Vec3(1, 0, 0)),
        ("HFDR", Vec3(0, 1, 0), Vec3(-1, 0, 0)),
        ("FFDL", Vec3(0, 1, 0), Vec3(1, 0, 0)),
        ("oblique", Vec3(cos(0.5), sin(0.5), 0), Vec3(-sin(0.5) * cos(0.3), cos(0.5) * cos(0.3), sin(0.3))),
    ]

    static let phantoms = [
        DVHPhantom.cShape(name: "C", outer: 30, inner: 18, z0: -15, z1: 15, spacing: 2.5),
        DVHPhantom.sphere(name: "S", centre: (4, -3, 2), radius: 6, spacing: 2),
    ]

    @Test(arguments: orientations.indices)
    func dvhDoesNotDependOnHowTheGridIsStored(_ n: Int) throws {
        let o = Self.orientations[n]
        let field = PhantomCatalogue.fields[2].dose
        let grid = PhantomCatalogue.grid(field, size: 41, rowDirection: o.row, columnDirection: o.column)
        // Through real files, so Image Orientation (Patient) and the frame offsets are read back too.
        let (rs, rd) = try PhantomFiles.roundTrip(Self.phantoms, dose: grid)
        #expect(rd.grid.rowDirection.dot(o.row) > 0.999999)
        for p in Self.phantoms {
            let exact = ExactSlabDVH(p, field)
            let s = try DVHCalculator(dose: rd).compute(try #require(rs.roi(named: p.name)))
            #expect(s.sampling.alignedWithDoseGrid == (o.name != "oblique"), "\(o.name)")
            let range = exact.maxGy - exact.minGy
            #expect(abs(s.volumeCC / exact.volumeCC - 1) < 0.005, "\(o.name) \(p.name): volume \(s.volumeCC) vs \(exact.volumeCC)")
            #expect(abs(s.meanGy - exact.meanGy) < 0.01 * range, "\(o.name) \(p.name): mean")
            for x in [2.0, 50, 95, 98] {
                #expect(abs(s.dose(atVolumePercent: x)! - exact.dose(atVolumePercent: x)) < 0.01 * range, "\(o.name) \(p.name): D\(x)%")
            }
        }
    }

    @Test func descendingFrameOffsetsAreFollowed() throws {
        // Frames stored from head to feet (negative Grid Frame Offset Vector steps along the normal).
        let field = PhantomCatalogue.fields[0].dose
        var grid = PhantomCatalogue.grid(field, size: 41)
        let g = grid.grid
        let flipped = Grid3D(columns: g.columns, rows: g.rows, origin: g.position(0, 0, g.frames - 1), rowDirection: g.rowDirection,
                             columnDirection: g.columnDirection, spacingI: g.spacingI, spacingJ: g.spacingJ,
                             frameOffsets: (0..<g.frames).map { -Double($0) * g.spacing.k })
        var values = [Float](repeating: 0, count: g.voxelCount)
        for k in 0..<g.frames { for j in 0..<g.rows { for i in 0..<g.columns {
            values[flipped.index(i, j, k)] = Float(field.dose(at: flipped.position(i, j, k)))
        } } }
        grid = DoseGrid(grid: flipped, values: values, sopInstanceUID: "1.2.3")
        let p = Self.phantoms[1]
        let s = try DVHCalculator(dose: grid).compute(p.roi(number: 1))
        let exact = ExactSlabDVH(p, field)
        #expect(abs(s.volumeCC / exact.volumeCC - 1) < 0.005)
        #expect(abs(s.meanGy - exact.meanGy) < 0.001 * (exact.maxGy - exact.minGy))
    }

    @Test func unevenFrameSpacingIsFollowed() throws {
        // Frames 2 mm apart near the centre, 4 mm further out: the dose is still linear in z.
        let field = PhantomCatalogue.fields[0].dose
        var offsets: [Double] = []
        var z = 0.0
        for k in 0..<30 { offsets.append(z); z += (k > 8 && k < 20) ? 2 : 4 }
        let g = Grid3D(columns: 41, rows: 41, origin: Vec3(-50, -50, -50), spacingI: 2.5, spacingJ: 2.5, frameOffsets: offsets)
        var values = [Float](repeating: 0, count: g.voxelCount)
        for k in 0..<g.frames { for j in 0..<g.rows { for i in 0..<g.columns { values[g.index(i, j, k)] = Float(field.dose(at: g.position(i, j, k))) } } }
        let grid = DoseGrid(grid: g, values: values, sopInstanceUID: "1.2.3")
        for p in Self.phantoms {
            let s = try DVHCalculator(dose: grid).compute(p.roi(number: 1))
            let exact = ExactSlabDVH(p, field)
            let range = exact.maxGy - exact.minGy
            #expect(abs(s.volumeCC / exact.volumeCC - 1) < 0.005)
            for x in [2.0, 50, 98] { #expect(abs(s.dose(atVolumePercent: x)! - exact.dose(atVolumePercent: x)) < 0.01 * range) }
        }
    }
}
