import AnchorRT
import Foundation

/// The binary slices the viewer draws, each a row-major image of the view (row 0 at the top, column 0
/// on the left), little endian:
/// - CT: Int16 Hounsfield units (the engine's rescaled voxel values rounded to the nearest unit).
/// - dose: UInt16 `round(dose / scale)` with `scale = max dose / 65534` Gy per unit; 65535 marks a
///   pixel outside the dose grid. Sampled at the CT pixel centres by the engine's trilinear
///   interpolation (`DoseGrid.dose(at:)`), so dose and image share one pixel grid.
public enum SliceEncoder {
    /// Marks a dose pixel outside the dose grid.
    public static let outsideDose: UInt16 = 65535
    /// Largest stored dose value.
    public static let maxDoseCode: Double = 65534

    /// CT voxel values as Int16, rounded and clamped (HU beyond ±32767 do not occur in CT).
    public static func hounsfield(_ voxels: [Float]) -> [Int16] {
        voxels.map { v in Int16(max(-32768, min(32767, v.rounded()))) }
    }

    /// The CT slice `index` of `view`, Int16 little endian.
    public static func ct(_ hu: [Int16], grid: Grid3D, view: ViewGeometry, index s: Int) -> [UInt8] {
        let w = view.width, h = view.height
        let strides = [1, grid.columns, grid.columns * grid.rows]
        let col = view.column, row = view.row, sl = view.slice
        let cs = strides[col.gridAxis], rs = strides[row.gridAxis], ss = strides[sl.gridAxis]
        var out = [UInt8](repeating: 0, count: w * h * 2)
        hu.withUnsafeBufferPointer { v in
            out.withUnsafeMutableBytes { raw in
                let dst = raw.bindMemory(to: Int16.self)
                // Only the frame axis can carry an interpolation weight; find which view axis it is.
                let sliceBase = sl.lower[s] * ss, sliceUpper = sl.upper[s] * ss, sliceW = sl.weight[s]
                for r in 0..<h {
                    let rowBase = row.lower[r] * rs, rowUpper = row.upper[r] * rs, rowW = row.weight[r]
                    for c in 0..<w {
                        let a = col.lower[c] * cs + rowBase + sliceBase
                        var value = v[a]
                        let colW = col.weight[c]
                        if colW > 0 {
                            value = mix(v[a], v[col.upper[c] * cs + rowBase + sliceBase], colW)
                        } else if rowW > 0 {
                            value = mix(v[a], v[col.lower[c] * cs + rowUpper + sliceBase], rowW)
                        } else if sliceW > 0 {
                            value = mix(v[a], v[col.lower[c] * cs + rowBase + sliceUpper], sliceW)
                        }
                        dst[r * w + c] = value.littleEndian
                    }
                }
            }
        }
        return out
    }

    @inline(__always) static func mix(_ a: Int16, _ b: Int16, _ t: Float) -> Int16 {
        Int16((Float(a) * (1 - t) + Float(b) * t).rounded())
    }

    /// Gy per stored unit for a dose maximum.
    public static func doseScale(maxGy: Double) -> Double { maxGy > 0 ? maxGy / maxDoseCode : 1 / maxDoseCode }

    /// The dose on the CT slice `index` of `view`, UInt16 little endian (see the type's documentation).
    public static func dose(_ dose: DoseGrid, view: ViewGeometry, index s: Int, scale: Double) -> [UInt8] {
        let w = view.width, h = view.height
        var out = [UInt8](repeating: 0, count: w * h * 2)
        let g = dose.grid
        // The dose grid's continuous (i, j) are affine in (c, r); the frame index is not when frames are
        // uneven, so only the offset along the normal is carried and `frameIndex` finds the frame.
        let p0 = view.patient(0, 0, Double(s)) - g.origin
        let n = g.normal
        func coords(_ d: Vec3) -> (Double, Double, Double) { (d.dot(g.rowDirection) / g.spacingI, d.dot(g.columnDirection) / g.spacingJ, d.dot(n)) }
        let base = coords(p0)
        let dc = coords(view.columnVector), dr = coords(view.rowVector)
        out.withUnsafeMutableBytes { raw in
            let dst = raw.bindMemory(to: UInt16.self)
            for r in 0..<h {
                for c in 0..<w {
                    let fc = Double(c), fr = Double(r)
                    let i = base.0 + dc.0 * fc + dr.0 * fr
                    let j = base.1 + dc.1 * fc + dr.1 * fr
                    let off = base.2 + dc.2 * fc + dr.2 * fr
                    var code = outsideDose
                    if let d = dose.trilinear(i, j, g.frameIndex(atOffset: off)) {
                        code = UInt16(min(max((d / scale).rounded(), 0), maxDoseCode))
                    }
                    dst[r * w + c] = code.littleEndian
                }
            }
        }
        return out
    }
}
