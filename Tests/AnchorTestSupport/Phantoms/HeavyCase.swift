import AnchorRT
import Foundation

/// A case as heavy as a real head-and-neck or pelvis submission, for timing the DVH engine end to end:
/// 21 structures, about 166 000 contour points, a body outline on every 2.5 mm slice, and a 2.5 mm
/// dose grid over the body (a smooth, non-linear dose: two Gaussian beams' worth of bumps on a ramp).
public enum HeavyCase {
    public static let sliceSpacingMM = 2.5

    /// The structure set and dose grid (in memory; write them with `PhantomFiles.write`).
    public static func make() -> (StructureSet, DoseGrid) {
        let s = sliceSpacingMM
        let slices = 160                                   // 400 mm
        let z0 = -200.0
        var rois: [StructureSet.ROI] = []
        // Body: an ellipse 360 x 240 mm with 820 points on every slice (131 200 points).
        var body: [StructureSet.Contour] = []
        for k in 0..<slices {
            let z = z0 + (Double(k) + 0.5) * s
            let wobble = 1 + 0.05 * sin(Double(k) / 9)
            let poly = DVHPhantom.circle(r: 1, points: 820).map { Vec3($0.x * 180 * wobble, $0.y * 120 * wobble, z) }
            body.append(StructureSet.Contour(geometricType: .closedPlanar, points: poly))
        }
        rois.append(StructureSet.ROI(number: 1, name: "BODY", interpretedType: "EXTERNAL", contours: body))
        // 20 organs and targets, from a 0.1 cc cochlea-sized sphere to a 700 cc PTV, ~1750 points each.
        let radii: [Double] = [3, 4, 5, 6, 8, 10, 12, 14, 16, 18, 20, 22, 25, 28, 30, 35, 40, 45, 50, 55]
        for (n, r) in radii.enumerated() {
            let cx = -120 + Double(n % 5) * 60, cy = -40 + Double(n / 5 % 2) * 80, cz = -150 + Double(n) * 15
            let planes = DVHPhantom.planes(from: cz - r, to: cz + r, spacing: s, phase: z0)
            let perContour = max(16, 1750 / max(planes.count, 1))
            var contours: [StructureSet.Contour] = []
            for z in planes {
                let rr = (r * r - (z - cz) * (z - cz)).squareRoot()
                contours.append(StructureSet.Contour(geometricType: .closedPlanar,
                                                     points: DVHPhantom.circle(cx: cx, cy: cy, r: rr, points: perContour).map { Vec3($0.x, $0.y, z) }))
            }
            rois.append(StructureSet.ROI(number: n + 2, name: (r >= 40 ? "PTV_" : "OAR_") + "\(n + 1)", interpretedType: r >= 40 ? "PTV" : "ORGAN", contours: contours))
        }
        let rs = StructureSet(sopInstanceUID: UIDFactory.make(), label: "Heavy", rois: rois)
        // Dose grid 2.5 mm over the body with a margin.
        let g = Grid3D(columns: 156, rows: 108, origin: Vec3(-193.75, -133.75, -201.25), spacingI: 2.5, spacingJ: 2.5,
                       frameOffsets: (0..<162).map { Double($0) * 2.5 })
        var values = [Float](repeating: 0, count: g.voxelCount)
        for k in 0..<g.frames { for j in 0..<g.rows { for i in 0..<g.columns {
            let p = g.position(i, j, k)
            let bump = 50 * exp(-((p.x - 30) * (p.x - 30) + p.y * p.y + (p.z - 60) * (p.z - 60)) / (2 * 60 * 60))
            values[g.index(i, j, k)] = Float(2 + 0.02 * (p.z + 200) + bump)
        } } }
        return (rs, DoseGrid(grid: g, values: values, units: "GY", sopInstanceUID: UIDFactory.make()))
    }

    public static var pointCount: Int { make().0.rois.reduce(0) { $0 + $1.pointCount } }
}
