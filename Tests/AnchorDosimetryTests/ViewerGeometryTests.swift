import AnchorDosimetry
import AnchorRT
import AnchorTestSupport
import Foundation
import Testing

/// The viewer's geometry: view planes in the radiological convention, CT and dose slices, and
/// structure sections under the slab model, on a phantom whose every value is known.
struct ViewerGeometryTests {
    /// The three views of `grid`, with their axes as patient directions.
    func axes(_ grid: Grid3D) -> [ViewPlane: (Vec3, Vec3, Vec3)] {
        ViewGeometry.views(of: grid).mapValues { ($0.columnVector.normalized, $0.rowVector.normalized, $0.sliceVector.normalized) }
    }

    @Test(arguments: [
        (Vec3(1, 0, 0), Vec3(0, 1, 0)),    // head first supine
        (Vec3(-1, 0, 0), Vec3(0, -1, 0)),  // head first prone
        (Vec3(0, -1, 0), Vec3(1, 0, 0)),   // decubitus
        (Vec3(0, 1, 0), Vec3(0, 0, -1)),   // a sagittal acquisition
        (Vec3(1, 0, 0), Vec3(0, 0, -1)),   // a coronal acquisition
    ])
    func viewsFollowTheRadiologicalConventionWhateverTheAcquisition(_ row: Vec3, _ column: Vec3) {
        let grid = Grid3D(columns: 7, rows: 5, origin: Vec3(3, -4, 10), rowDirection: row, columnDirection: column,
                          spacingI: 1.5, spacingJ: 2, frameOffsets: [0, 3, 6, 9])
        let a = axes(grid)
        func near(_ u: Vec3, _ v: Vec3) -> Bool { (u - v).length < 1e-9 }
        // Axial: patient's right on the left (+x to the right), anterior up (+y down), slices toward the head.
        #expect(near(a[.axial]!.0, Vec3(1, 0, 0)) && near(a[.axial]!.1, Vec3(0, 1, 0)) && near(a[.axial]!.2, Vec3(0, 0, 1)))
        // Coronal: right on the left, superior up.
        #expect(near(a[.coronal]!.0, Vec3(1, 0, 0)) && near(a[.coronal]!.1, Vec3(0, 0, -1)) && near(a[.coronal]!.2, Vec3(0, 1, 0)))
        // Sagittal: anterior on the left, superior up.
        #expect(near(a[.sagittal]!.0, Vec3(0, 1, 0)) && near(a[.sagittal]!.1, Vec3(0, 0, -1)) && near(a[.sagittal]!.2, Vec3(1, 0, 0)))
        for (_, v) in ViewGeometry.views(of: grid) {
            // Every view covers the grid: its corner voxels are the grid's corner voxel centres.
            let corners = [v.patient(0, 0, 0), v.patient(Double(v.width - 1), Double(v.height - 1), Double(v.count - 1))]
            let b = grid.bounds
            for p in corners { #expect(p.x >= b.min.x - 1e-9 && p.x <= b.max.x + 1e-9 && p.y >= b.min.y - 1e-9 && p.y <= b.max.y + 1e-9 && p.z >= b.min.z - 1e-9 && p.z <= b.max.z + 1e-9) }
            let q = v.pixel(of: v.patient(1.25, 2.5, 1))
            #expect(abs(q.c - 1.25) < 1e-9 && abs(q.r - 2.5) < 1e-9 && abs(q.s - 1) < 1e-9)
            #expect(v.width * v.height * v.count == grid.voxelCount)
        }
        let labels = ViewGeometry.views(of: grid)[.axial]!.edgeLabels
        #expect(labels.left == "R" && labels.right == "L" && labels.top == "A" && labels.bottom == "P")
    }

    @Test func unevenFramesAreResampledAtTheSmallestGapByLinearInterpolation() {
        let grid = Grid3D(columns: 2, rows: 2, origin: Vec3(0, 0, 0), spacingI: 1, spacingJ: 1, frameOffsets: [0, 2, 4, 7, 10])
        let v = ViewGeometry.views(of: grid)
        #expect(v[.axial]!.count == 6)
        #expect(abs(v[.axial]!.sliceVector.z - 2) < 1e-12)
        #expect(v[.coronal]!.height == 6)
        // HU = 400·k; at z = 6 (between frames 2 and 3, at 2/3) the CT reads 400·(2 + 2/3).
        let hu = (0..<grid.voxelCount).map { Int16(400 * ($0 / 4)) }
        let bytes = SliceEncoder.ct(hu, grid: grid, view: v[.axial]!, index: 3)
        let first = Int16(littleEndian: bytes.withUnsafeBytes { $0.load(as: Int16.self) })
        #expect(first == 1067)
        // The coronal view: superior at the top, so row 0 is z = 10 (frame 4) and row 2 is z = 6.
        let coronal = SliceEncoder.ct(hu, grid: grid, view: v[.coronal]!, index: 0)
        let values = coronal.withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        #expect(values[0] == 1600 && values[2 * 2] == 1067 && values[5 * 2] == 0)
    }

    @Test func structureSectionsMatchTheSlabModelInEveryView() throws {
        let grid = ViewerPhantom.grid
        let views = ViewGeometry.views(of: grid)
        let rois = ViewerPhantom.structureSet.rois
        let geo = try rois.map { try StructureGeometry(roi: $0, grid: grid) }
        // Axial, z = 0 (frame 4): the rectangle as drawn, in pixels (2 mm columns, 2.5 mm rows).
        let box = ContourSlicer.section(geo[0], view: views[.axial]!, index: 4)
        #expect(box.rings.count == 1 && box.lines.isEmpty)
        let xs = stride(from: 0, to: box.rings[0].count, by: 2).map { box.rings[0][$0] }
        let ys = stride(from: 1, to: box.rings[0].count, by: 2).map { box.rings[0][$0] }
        #expect(abs(xs.min()! - 5.5) < 1e-9 && abs(xs.max()! - 13.5) < 1e-9 && abs(ys.min()! - 5.1) < 1e-9 && abs(ys.max()! - 9.9) < 1e-9)
        // Outside the slabs (z = -12 and 12: the slabs reach 1.5 mm beyond the planes at ±9): nothing.
        #expect(ContourSlicer.section(geo[0], view: views[.axial]!, index: 0).isEmpty)
        #expect(ContourSlicer.section(geo[0], view: views[.axial]!, index: 8).isEmpty)
        // The hole: axial is two rings (even-odd); sagittal through x = -1 cuts two bars.
        #expect(ContourSlicer.section(geo[1], view: views[.axial]!, index: 4).rings.count == 2)
        let sagittalIndex = 9  // x = -19 + 2·9 = -1
        let bars = ContourSlicer.section(geo[1], view: views[.sagittal]!, index: sagittalIndex)
        #expect(bars.rings.count == 2 && bars.lines.isEmpty)
        // Each bar: 4 mm (y) by 21 mm (z from -10.5 to 10.5) = 84 mm², in 2.5 x 3 mm pixels.
        for r in bars.rings { #expect(abs(ringArea(r) - 84 / 7.5) < 1e-9) }
        // Sagittal through the box: y from -6 to 6, z from -10.5 to 10.5, superior up.
        let side = ContourSlicer.section(geo[0], view: views[.sagittal]!, index: sagittalIndex)
        #expect(side.rings.count == 1)
        let sx = stride(from: 0, to: side.rings[0].count, by: 2).map { side.rings[0][$0] }
        let sy = stride(from: 1, to: side.rings[0].count, by: 2).map { side.rings[0][$0] }
        #expect(abs(sx.min()! - 5.1) < 1e-9 && abs(sx.max()! - 9.9) < 1e-9 && abs(sy.min()! - 0.5) < 1e-9 && abs(sy.max()! - 7.5) < 1e-9)
        // The step: one outline whose area is 16 mm x 12 mm below plus 8 mm x 9 mm above.
        let step = ContourSlicer.section(geo[2], view: views[.coronal]!, index: 7)  // y = -18.75 + 2.5·7 = -1.25
        #expect(step.rings.count == 1 && step.lines.isEmpty)
        #expect(abs(ringArea(step.rings[0]) - (16 * 12 + 8 * 9) / 6.0) < 1e-9)  // 2 mm x 3 mm pixels
        // Outside the structure: nothing.
        #expect(ContourSlicer.section(geo[0], view: views[.sagittal]!, index: 0).isEmpty)
    }

    @Test func obliqueSlicesClipEachSlabToItsStrip() throws {
        // Contours on planes tilted 30 degrees about x from the CT's frames: the axial slice z = 0 cuts
        // each slab in a strip, and the strips together make the section of the tilted box.
        let grid = Grid3D(columns: 41, rows: 41, origin: Vec3(-20, -20, -20), spacingI: 1, spacingJ: 1, frameOffsets: (0..<41).map(Double.init))
        let c = cos(Double.pi / 6), s = sin(Double.pi / 6)
        let e2 = Vec3(0, c, s), n = Vec3(0, -s, c)
        let contours: [StructureSet.Contour] = stride(from: -6.0, through: 6.0, by: 2).map { w in
            let pts = [(-5.0, -5.0), (5, -5), (5, 5), (-5, 5)].map { Vec3($0.0, 0, 0) + e2 * $0.1 + n * w }
            return .init(geometricType: .closedPlanar, points: pts)
        }
        let geo = try StructureGeometry(roi: .init(number: 1, name: "Tilted", contours: contours), grid: grid)
        #expect(!geo.frame.aligned)
        let section = ContourSlicer.section(geo, view: ViewGeometry.views(of: grid)[.axial]!, index: 20)
        // The slab solid is the box |x| ≤ 5, |v| ≤ 5, |w| ≤ 7 in the tilted frame; z = 0 meets it where
        // v·sin + w·cos = 0 with y = v·cos - w·sin: a 10 mm x (10/cos) mm rectangle, clipped by |w| ≤ 7.
        let area = section.rings.reduce(0) { $0 + ringArea($1) }
        let expected = 10 * min(10 / c, 2 * 7 / s)
        #expect(abs(area - expected) < 1e-6, "\(area) vs \(expected)")
    }
}
