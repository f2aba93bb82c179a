import AnchorDICOM
import AnchorRT
import Foundation

/// A case whose every value is known: CT HU = i + 20·j + 400·k - 1000 on a 20 x 16 x 9 grid (2 x 2.5 x
/// 3 mm, so a swapped axis shows), a rectangle, a square with a square hole, and a step (wide below
/// z = 0, narrow above) drawn on the CT planes z = -9 ... 9, and a dose linear in x, y and z (which
/// trilinear interpolation reproduces exactly).
public enum ViewerPhantom {
    public static let grid = Grid3D(columns: 20, rows: 16, origin: Vec3(-19, -18.75, -12), spacingI: 2, spacingJ: 2.5,
                             frameOffsets: (0..<9).map { Double($0) * 3 })
    public static func hu(_ i: Int, _ j: Int, _ k: Int) -> Int { i + 20 * j + 400 * k - 1000 }
    public static func doseGy(_ p: Vec3) -> Double { 30 + 0.5 * p.x + 0.25 * p.y + 0.1 * p.z }
    public static let planes: [Double] = [-9, -6, -3, 0, 3, 6, 9]

    public static func rectangle(_ hx: Double, _ hy: Double, _ z: Double) -> StructureSet.Contour {
        .init(geometricType: .closedPlanar, points: [Vec3(-hx, -hy, z), Vec3(hx, -hy, z), Vec3(hx, hy, z), Vec3(-hx, hy, z)])
    }

    public static var structureSet: StructureSet {
        StructureSet(sopInstanceUID: "2.25.4242", label: "RS", frameOfReferenceUID: "2.25.77", rois: [
            .init(number: 1, name: "Box", color: (r: 10, g: 200, b: 30), interpretedType: "PTV", contours: planes.map { rectangle(8, 6, $0) }),
            .init(number: 2, name: "Annulus", color: (r: 200, g: 20, b: 200), interpretedType: "ORGAN",
                  contours: planes.flatMap { [rectangle(8, 8, $0), rectangle(4, 4, $0)] }),
            .init(number: 3, name: "Step", interpretedType: "ORGAN", contours: planes.map { rectangle($0 <= 0 ? 8 : 4, $0 <= 0 ? 8 : 4, $0) }),
        ])
    }

    public static var dose: DoseGrid {
        let g = Grid3D(columns: 12, rows: 10, origin: Vec3(-22, -18, -12), spacingI: 4, spacingJ: 4, frameOffsets: (0..<7).map { Double($0) * 4 })
        var values = [Float](repeating: 0, count: g.voxelCount)
        for k in 0..<g.frames { for j in 0..<g.rows { for i in 0..<g.columns { values[g.index(i, j, k)] = Float(doseGy(g.position(i, j, k))) } } }
        return DoseGrid(grid: g, values: values, sopInstanceUID: "2.25.4343", frameOfReferenceUID: "2.25.77")
    }

    public static func files() throws -> [(String, [UInt8])] {
        let ctx = RTWriter.Context(patientID: "VIEWER", patientName: "Viewer^Phantom", patientSex: "F", patientAge: "006Y", frameOfReferenceUID: "2.25.77")
        var hu = [Float](repeating: 0, count: grid.voxelCount)
        for k in 0..<grid.frames { for j in 0..<grid.rows { for i in 0..<grid.columns { hu[grid.index(i, j, k)] = Float(self.hu(i, j, k)) } } }
        let ct = RTWriter.ctSeries(grid: grid, hounsfield: hu, context: ctx)
        let series = try ImageSeries(slices: ct.map { try ImageSlice(file: $0) })
        var out = ct.enumerated().map { ("CT\($0.offset).dcm", $0.element) }
        out.append(("RS.dcm", RTWriter.structureSetFile(structureSet, context: ctx, referencedSeries: series)))
        out.append(("RD.dcm", RTWriter.doseFile(dose, context: ctx)))
        return try out.map { ($0.0, try DICOMWriter.encode($0.1)) }
    }
}

/// Shoelace area of a flat [x0, y0, x1, y1, ...] ring.
public func ringArea(_ r: [Double]) -> Double {
    var a = 0.0
    let n = r.count / 2
    for p in 0..<n {
        let q = (p + 1) % n
        a += r[2 * p] * r[2 * q + 1] - r[2 * q] * r[2 * p + 1]
    }
    return abs(a) / 2
}
