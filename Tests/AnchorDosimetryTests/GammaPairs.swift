import AnchorRT
import Foundation

/// The dose pairs of `bench/gamma/pairs.py`, computed the same way: a sum of open beams with smooth
/// penumbrae and a low-dose halo, and an evaluated copy shifted, scaled and made noisy with a
/// counter-based SplitMix64. Only +, -, *, /, abs, min and max, in the same order as the Python, so
/// both produce the same float32 values bit for bit (checked against the FNV-1a hashes recorded in the
/// pymedphys fixture). Change one, change both.
enum GammaPairs {
    struct Beam { var ux: Double, uy: Double, weight: Double, halfWidthLateral: Double, halfWidthZ: Double }
    struct Spec { var beams: [Beam]; var entry: Double; var penumbra: Double; var scale: Double }
    /// Shape, spacing and origin in (z, y, x) order as in the Python; `planeZ` for a single plane.
    struct GridSpec {
        var shape: [Int]; var spacing: [Double]; var origin: [Double]; var planeZ: Double? = nil
    }
    struct Perturbation {
        var shift: (Double, Double, Double) = (0, 0, 0)
        var factor = 1.0
        var noise = 0.0
        var seed: UInt64 = 0
    }

    static let perturbation = Perturbation(shift: (1.0, 0.5, -0.5), factor: 1.02, noise: 0.015, seed: 20260101)

    /// Small enough that every agreement case computes in seconds in a debug build.
    static let fixtureSpec = Spec(beams: [Beam(ux: 1.0, uy: 0.0, weight: 1.0, halfWidthLateral: 14.0, halfWidthZ: 11.0),
                                          Beam(ux: -0.6, uy: 0.8, weight: 0.8, halfWidthLateral: 14.0, halfWidthZ: 11.0),
                                          Beam(ux: -0.6, uy: -0.8, weight: 0.8, halfWidthLateral: 14.0, halfWidthZ: 11.0)],
                                  entry: 60.0, penumbra: 4.0, scale: 1.5)

    static let fixturePairs: [String: (reference: GridSpec, evaluated: GridSpec)] = [
        "beams3d": (GridSpec(shape: [16, 20, 22], spacing: [2.5, 2.5, 2.5], origin: [-18.75, -23.75, -26.25]),
                    GridSpec(shape: [16, 20, 22], spacing: [2.5, 2.5, 2.5], origin: [-18.75, -23.75, -26.25])),
        "regrid3d": (GridSpec(shape: [16, 20, 22], spacing: [2.5, 2.5, 2.5], origin: [-18.75, -23.75, -26.25]),
                     GridSpec(shape: [21, 26, 28], spacing: [2.0, 2.0, 2.0], origin: [-20.3, -25.1, -27.7])),
        "plane2d": (GridSpec(shape: [40, 44], spacing: [1.5, 1.5], origin: [-29.25, -32.25], planeZ: 2.0),
                    GridSpec(shape: [40, 44], spacing: [1.5, 1.5], origin: [-29.25, -32.25], planeZ: 2.0)),
    ]

    static func fixturePair(_ name: String) -> (reference: DoseGrid, evaluated: DoseGrid) {
        let p = fixturePairs[name]!
        return (volume(fixtureSpec, p.reference), volume(fixtureSpec, p.evaluated, perturbation))
    }

    /// SplitMix64 of state seed + (n + 1)·golden, as a double in [0, 1).
    static func uniform(seed: UInt64, index n: Int) -> Double {
        var z = seed &+ UInt64(n + 1) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z = z ^ (z >> 31)
        return Double(z >> 11) * 0x1p-53
    }

    static func profile(_ t: Double, _ halfWidth: Double, _ penumbra: Double) -> Double {
        var a = (halfWidth - abs(t)) / penumbra + 0.5
        a = min(max(a, 0.0), 1.0)
        return a * a * (3.0 - 2.0 * a)
    }

    static func dose(_ x: Double, _ y: Double, _ z: Double, _ s: Spec) -> Double {
        var total = 0.0
        for b in s.beams {
            let depth = max(b.ux * x + b.uy * y + s.entry, 0.0)
            let lateral = b.uy * x - b.ux * y
            let pdd = (depth / (depth + 8.0)) / (1.0 + 0.0045 * depth)
            total = total + b.weight * pdd * profile(lateral, b.halfWidthLateral, s.penumbra) * profile(z, b.halfWidthZ, s.penumbra)
        }
        let halo = 0.04 / (1.0 + (x * x + y * y + z * z) / 4000.0)
        return s.scale * (total + halo)
    }

    /// The dose of `s` on grid `g`, as a DoseGrid in Gy with axes along +x, +y, +z.
    static func volume(_ s: Spec, _ g: GridSpec, _ p: Perturbation = Perturbation()) -> DoseGrid {
        let three = g.shape.count == 3
        let nz = three ? g.shape[0] : 1, ny = g.shape[three ? 1 : 0], nx = g.shape[three ? 2 : 1]
        let sz = three ? g.spacing[0] : 0, sy = g.spacing[three ? 1 : 0], sx = g.spacing[three ? 2 : 1]
        let oz = three ? g.origin[0] : g.planeZ!, oy = g.origin[three ? 1 : 0], ox = g.origin[three ? 2 : 1]
        var values = [Float](repeating: 0, count: nx * ny * nz)
        for k in 0..<nz {
            let z = three ? oz + Double(k) * sz : oz
            for j in 0..<ny {
                let y = oy + Double(j) * sy
                for i in 0..<nx {
                    let x = ox + Double(i) * sx
                    let n = i + nx * (j + ny * k)
                    var d = dose(x - p.shift.0, y - p.shift.1, z - p.shift.2, s)
                    d = d * p.factor
                    if p.noise > 0 { d = d + (2.0 * uniform(seed: p.seed, index: n) - 1.0) * p.noise }
                    values[n] = Float(d)
                }
            }
        }
        let grid = Grid3D(columns: nx, rows: ny, origin: Vec3(ox, oy, oz), spacingI: sx, spacingJ: sy,
                          frameOffsets: (0..<nz).map { Double($0) * sz })
        return DoseGrid(grid: grid, values: values, sopInstanceUID: UIDFactory.make())
    }

    /// FNV-1a (64-bit) of the values as little-endian float32 bytes.
    static func fnv1a(_ values: [Float]) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for v in values {
            var b = v.bitPattern
            for _ in 0..<4 {
                h = (h ^ UInt64(b & 0xFF)) &* 0x0000_0100_0000_01B3
                b >>= 8
            }
        }
        return String(h, radix: 16)
    }
}
