import Foundation

/// Where the evaluated dose is sampled around a reference point: shells (spheres in 3D, circles in 2D)
/// at increasing distances, each a list of offsets in mm. The distances and the points are pymedphys'
/// (`pymedphys._gamma.implementation.shell.gamma_loop` and `pymedphys._utilities.createshells`), so the
/// two find the same minimum on the same data; the arithmetic is repeated in the same order for that.
///
/// Offsets are given as components along the axes in pymedphys' array order: in 3D (frame, row,
/// column), that is along the reference grid's normal, column direction and row direction; in 2D
/// (row, column).
struct GammaSearchPattern: Sendable {
    struct Shell: Sendable {
        /// Distance from the reference point, mm.
        var distanceMM: Double
        /// The offsets on this shell, mm: (a0, a1, a2) in the axis order above (a2 = 0 in 2D).
        var offsets: [(Double, Double, Double)]
    }

    var shells: [Shell]

    /// The shells searched for `criteria` in 2 or 3 dimensions: distances from 0 up to and including
    /// maximum gamma × DTA.
    init(criteria: GammaCriteria, dimensions: Int) {
        precondition(dimensions == 2 || dimensions == 3, "gamma is searched in 2 or 3 dimensions")
        shells = GammaSearchPattern.distances(criteria).map { d, step in
            Shell(distanceMM: d, offsets: dimensions == 3 ? GammaSearchPattern.sphere(d, step) : GammaSearchPattern.circle(d, step))
        }
    }

    var pointCount: Int { shells.reduce(0) { $0 + $1.offsets.count } }

    /// The search distances and the point spacing used on each, mm, as pymedphys steps them: start at
    /// 0, advance by max(d / f / maximum gamma, DTA / f), land exactly on DTA when passing it, and stop
    /// after maximum gamma × DTA.
    static func distances(_ c: GammaCriteria) -> [(distance: Double, step: Double)] {
        let dta = c.distanceToAgreementMM, f = c.interpolationFraction, gmax = c.maximumGamma
        let maximumDistance = dta * gmax
        var out: [(Double, Double)] = []
        var d = 0.0
        var step = dta / f
        var forced: Double? = dta
        while d <= maximumDistance {
            out.append((d, step))
            step = max(d / f / gmax, dta / f)
            d += step
            if let fd = forced, d >= fd {
                d = fd
                forced = nil
            }
        }
        return out
    }

    /// numpy.linspace(start, stop, num) for num >= 1, endpoint included (numpy computes
    /// start + i·step and sets the last value to stop).
    static func linspace(_ start: Double, _ stop: Double, _ num: Int) -> [Double] {
        guard num > 1 else { return num == 1 ? [start] : [] }
        let step = (stop - start) / Double(num - 1)
        var out = (0..<num).map { Double($0) * step + start }
        out[num - 1] = stop
        return out
    }

    /// Points on a sphere of radius d with no gap larger than `step` (pymedphys
    /// `calculate_coordinates_shell_3d`): rows of constant elevation, each with evenly spaced azimuths.
    static func sphere(_ d: Double, _ step: Double) -> [(Double, Double, Double)] {
        let rows = Int((Double.pi * d / step).rounded(.up)) + 1
        var out: [(Double, Double, Double)] = []
        for phi in linspace(0, Double.pi, rows) {
            let radius = d * sin(phi)
            let amount = Int((2 * Double.pi * radius / step).rounded(.up)) + 1
            let azimuths = linspace(0, 2 * Double.pi, amount + 1).dropLast()
            for az in azimuths {
                out.append((d * sin(phi) * cos(az), d * sin(phi) * sin(az), d * cos(phi)))
            }
        }
        return out
    }

    /// Points on a circle of radius d with no gap larger than `step` (pymedphys
    /// `calculate_coordinates_shell_2d`).
    static func circle(_ d: Double, _ step: Double) -> [(Double, Double, Double)] {
        let amount = Int((2 * Double.pi * d / step).rounded(.up)) + 1
        return linspace(0, 2 * Double.pi, amount + 1).dropLast().map { (d * cos($0), d * sin($0), 0) }
    }
}
