import AnchorRT
import Foundation

/// One beam as the dose model sees it: geometry, weight, aperture and its maps.
struct ModelBeam: Sendable {
    var setup: BeamSetup
    var geometry: BeamGeometry
    var aperture: Aperture
    /// Distance from the source, along each ray through (u, v), at which the ray enters the External (mm);
    /// NaN where the ray misses it.
    var entry: BEVMap
    /// Primary aperture blurred by the penumbra σ (0 outside the map).
    var primary: BEVMap
    /// Aperture blurred by the scatter σ.
    var scatter: BEVMap

    /// Relative fluence F(u, v) of `PhotonBeamModel`.
    @inline(__always) func fluence(_ u: Double, _ v: Double, _ m: PhotonBeamModel) -> Double {
        (1 - m.transmission) * ((1 - m.scatterFraction) * primary.value(u, v) + m.scatterFraction * scatter.value(u, v)) + m.transmission
    }
}

/// Computes the phantom dose on a grid: see `PhotonBeamModel` for the model.
enum DoseCalculation {
    /// Builds the beams: apertures around `targetPoints`, and their maps over the External's shadow.
    static func beams(_ setups: [BeamSetup], isocenter: Vec3, targetPoints: [Vec3], external: Solid, model m: PhotonBeamModel,
                      closeBelowV: Double? = nil) -> [ModelBeam] {
        let boundaries = m.leafBoundariesMM
        let ext = external.bounds
        let corners = [ext.min.x, ext.max.x].flatMap { x in [ext.min.y, ext.max.y].flatMap { y in [ext.min.z, ext.max.z].map { Vec3(x, y, $0) } } }
        return setups.map { setup in
            let g = BeamGeometry(gantry: setup.gantry, isocenter: isocenter, sad: m.sourceAxisDistanceMM)
            var aperture = Aperture(points: targetPoints, geometry: g, margin: m.apertureMarginMM, boundaries: boundaries)
            if let v = closeBelowV { aperture.close(below: v) }
            // Window: the External's shadow at the isocentre plane, clamped to what a collimator can open.
            let proj = corners.map { g.project($0) }
            let u0 = max(proj.map(\.u).min()! - 10, -250), u1 = min(proj.map(\.u).max()! + 10, 250)
            let v0 = max(proj.map(\.v).min()! - 10, -250), v1 = min(proj.map(\.v).max()! + 10, 250)
            let entryStep = 2.0
            let maxRay = m.sourceAxisDistanceMM + 1000
            let entry = BEVMap(u0: u0, v0: v0, step: entryStep, nu: Int((u1 - u0) / entryStep) + 2, nv: Int((v1 - v0) / entryStep) + 2, outside: .nan) { u, v in
                external.entryDistance(origin: g.source, direction: g.ray(u, v), maxDistance: maxRay) ?? .nan
            }
            let reach = 5 * m.penumbraSigmaMM
            let pu0 = aperture.jawX.0 - reach, pu1 = aperture.jawX.1 + reach
            let pv0 = aperture.jawY.0 - reach, pv1 = aperture.jawY.1 + reach
            let pStep = 1.0
            let primary = BEVMap(u0: pu0, v0: pv0, step: pStep, nu: Int((pu1 - pu0) / pStep) + 2, nv: Int((pv1 - pv0) / pStep) + 2, outside: 0) { u, v in
                aperture.blurred(u, v, sigma: m.penumbraSigmaMM)
            }
            let sStep = 4.0
            let sReach = 3 * m.scatterSigmaMM
            let su0 = min(u0, pu0 - sReach), su1 = max(u1, pu1 + sReach), sv0 = min(v0, pv0 - sReach), sv1 = max(v1, pv1 + sReach)
            let scatter = BEVMap(u0: su0, v0: sv0, step: sStep, nu: Int((su1 - su0) / sStep) + 2, nv: Int((sv1 - sv0) / sStep) + 2, outside: 0) { u, v in
                aperture.blurred(u, v, sigma: m.scatterSigmaMM)
            }
            return ModelBeam(setup: setup, geometry: g, aperture: aperture, entry: entry, primary: primary, scatter: scatter)
        }
    }

    /// Depth of `p` below the External along the ray from the beam's source, mm (nil: the ray misses it).
    static func depth(_ p: Vec3, beam b: ModelBeam, projection: (u: Double, v: Double, along: Double, distance: Double), external: Solid) -> Double? {
        let e = b.entry
        let fi = (projection.u - e.u0) / e.step, fj = (projection.v - e.v0) / e.step
        if fi >= 0, fj >= 0, fi < Double(e.nu - 1), fj < Double(e.nv - 1) {
            let i = Int(fi), j = Int(fj)
            let a = e.values[j * e.nu + i], bb = e.values[j * e.nu + i + 1], c = e.values[(j + 1) * e.nu + i], d = e.values[(j + 1) * e.nu + i + 1]
            if a.isFinite && bb.isFinite && c.isFinite && d.isFinite {
                let ti = fi - Double(i), tj = fj - Double(j)
                let entry = (a * (1 - ti) + bb * ti) * (1 - tj) + (c * (1 - ti) + d * ti) * tj
                return max(projection.distance - entry, 0)
            }
        }
        // At the silhouette the map mixes hits and misses: trace this ray exactly.
        let dir = (p - b.geometry.source).normalized
        guard let entry = external.entryDistance(origin: b.geometry.source, direction: dir, maxDistance: projection.distance + 1) else { return nil }
        return max(projection.distance - entry, 0)
    }

    /// Beam weights that make the dose in the target as uniform as the beams allow, as a planner
    /// balancing fields would: ridge-regularised least squares, minimise Σ_p (Σ_b w_b·D_b(p) - 1)² +
    /// λ·Σ_b (w_b - w⁰_b)² over the target voxels the apertures cover (total dose at least 80% of the
    /// median: a shielded region is not compensated), with w⁰ the site's weights scaled to mean dose 1
    /// and λ a tenth of the mean diagonal of the normal matrix; weights kept at or above a quarter of w⁰.
    static func fittedWeights(perBeam: [[Float]], targetVoxels: [Int], initial: [Double]) -> [Double] {
        let nb = perBeam.count
        guard nb > 0, !targetVoxels.isEmpty else { return initial }
        let sums = targetVoxels.map { v in (0..<nb).reduce(0.0) { $0 + initial[$1] * Double(perBeam[$1][v]) } }
        let median = sums.sorted()[sums.count / 2]
        guard median > 0 else { return initial }
        let voxels = zip(targetVoxels, sums).filter { $0.1 >= 0.8 * median }.map(\.0)
        let meanDose = voxels.reduce(0.0) { acc, v in acc + (0..<nb).reduce(0.0) { $0 + initial[$1] * Double(perBeam[$1][v]) } } / Double(voxels.count)
        let w0 = initial.map { $0 / meanDose }
        // Normal equations in Double (sums of many voxels; see STYLE: never accumulate in Float).
        var ata = [Double](repeating: 0, count: nb * nb), atb = [Double](repeating: 0, count: nb)
        for v in voxels {
            for a in 0..<nb {
                let da = Double(perBeam[a][v])
                atb[a] += da
                for b in 0..<nb { ata[a * nb + b] += da * Double(perBeam[b][v]) }
            }
        }
        let lambda = 0.1 * (0..<nb).reduce(0.0) { $0 + ata[$1 * nb + $1] } / Double(nb)
        for a in 0..<nb { ata[a * nb + a] += lambda; atb[a] += lambda * w0[a] }
        guard let w = solve(ata, atb, nb) else { return initial }
        return (0..<nb).map { max(w[$0], 0.25 * w0[$0]) }
    }

    /// Gaussian elimination with partial pivoting; nil when singular.
    static func solve(_ a: [Double], _ b: [Double], _ n: Int) -> [Double]? {
        var m = a, r = b
        for c in 0..<n {
            guard let p = (c..<n).max(by: { abs(m[$0 * n + c]) < abs(m[$1 * n + c]) }), abs(m[p * n + c]) > 1e-300 else { return nil }
            if p != c {
                for k in 0..<n { m.swapAt(p * n + k, c * n + k) }
                r.swapAt(p, c)
            }
            for row in (c + 1)..<n {
                let f = m[row * n + c] / m[c * n + c]
                for k in c..<n { m[row * n + k] -= f * m[c * n + k] }
                r[row] -= f * r[c]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for c in stride(from: n - 1, through: 0, by: -1) {
            var s = r[c]
            for k in (c + 1)..<n { s -= m[c * n + k] * x[k] }
            x[c] = s / m[c * n + c]
        }
        return x
    }

    /// Unnormalised dose of each beam (unit weight) at every voxel of `grid`; 0 outside the External.
    static func perBeamDose(grid: Grid3D, beams: [ModelBeam], external: Solid, model m: PhotonBeamModel) -> [[Float]] {
        let count = grid.voxelCount
        var result = [[Float]](repeating: [Float](repeating: 0, count: count), count: beams.count)
        let plane = grid.columns * grid.rows
        // Frames are independent: compute them in parallel, each into its own slice of the arrays.
        var frames = [[[Float]]](repeating: [], count: grid.frames)
        frames.withUnsafeMutableBufferPointer { buf in
            nonisolated(unsafe) let out = buf
            DispatchQueue.concurrentPerform(iterations: grid.frames) { k in
                var local = [[Float]](repeating: [Float](repeating: 0, count: plane), count: beams.count)
                for j in 0..<grid.rows {
                    for i in 0..<grid.columns {
                        let p = grid.position(i, j, k)
                        guard external.value(at: p) < 0 else { continue }
                        for (n, b) in beams.enumerated() {
                            let pr = b.geometry.project(p)
                            guard pr.along > 0, let d = depth(p, beam: b, projection: pr, external: external) else { continue }
                            let isf = (m.sourceAxisDistanceMM / pr.along) * (m.sourceAxisDistanceMM / pr.along)
                            local[n][j * grid.columns + i] = Float(m.depthDose(d) * isf * b.fluence(pr.u, pr.v, m))
                        }
                    }
                }
                out[k] = local
            }
        }
        for k in 0..<grid.frames {
            for n in 0..<beams.count {
                result[n].replaceSubrange((k * plane)..<((k + 1) * plane), with: frames[k][n])
            }
        }
        return result
    }
}
