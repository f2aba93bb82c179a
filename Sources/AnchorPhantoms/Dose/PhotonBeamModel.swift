import AnchorRT
import Foundation

/// The parameters of the phantom's photon dose model, in one documented value. It is a simple model to
/// make a dose that looks like a conformal plan (high dose wrapped around the PTV, fall-off, a low-dose
/// bath), not a dose calculation: no heterogeneity correction, no electron transport.
///
/// For each beam, dose at a point p inside the External:
///
///     D_b(p) = w_b · T(d) · (SAD / z)² · F(u, v)
///
/// - d: depth of p along the ray from the source, below the External surface (geometric depth, water
///   equivalent everywhere: lung and bone are treated as water);
/// - T(d) = (1 - (1 - s₀)·exp(-d/λ)) · exp(-μ·d): a tissue-phantom-ratio-like depth dose with build-up
///   (surface dose s₀ = 40%, build-up length λ = 4.4 mm, maximum near 16 mm) and attenuation
///   μ = 0.0386 /cm, fitted so that TPR20,10 = exp(-10 cm · μ) = 0.68, a typical 6 MV beam quality
///   (IAEA TRS-398 tables cover 0.56-0.84), normalised to 1 at its maximum;
/// - z: distance from the source along the central axis (inverse square about the isocentre);
/// - (u, v): p projected to the isocentre plane through the source (beam's-eye view);
/// - F: the aperture of the multileaf collimator (open where the leaves are apart), blurred by a
///   Gaussian of σ = 3.5 mm (80%-20% penumbra of 1.68σ ≈ 6 mm, as for 6 MV fields), plus 5% of the
///   aperture blurred by σ = 30 mm (head and phantom scatter, which makes the low-dose bath) and 1.5%
///   leaf transmission everywhere: F = (1 - t)·((1 - f_s)·A⊗G(σp) + f_s·A⊗G(σs)) + t.
///
/// Apertures: the PTV as contoured (each plane a slab one slice thick), seen from each beam, grown by
/// `apertureMarginMM` (block margin, 8 mm: the 95% isodose then reaches the PTV edge through the
/// penumbra), fitted with 5 mm leaves (80 pairs, as an Elekta Agility head) at the isocentre plane,
/// jaws at the leaves' extent. Beam weights are fitted for a uniform PTV dose
/// (`DoseCalculation.fittedWeights`), and the summed dose is scaled so that the median dose in the PTV
/// (D50, the ICRU 83 reporting value) is the prescription.
public struct PhotonBeamModel: Sendable, Equatable {
    public var energyMV = 6.0
    public var sourceAxisDistanceMM = 1000.0
    public var surfaceDoseFraction = 0.40
    public var buildUpLengthMM = 4.4
    /// Linear attenuation of the depth dose, per mm.
    public var attenuationPerMM = 0.00386
    public var penumbraSigmaMM = 3.5
    public var scatterSigmaMM = 30.0
    public var scatterFraction = 0.05
    public var transmission = 0.015
    public var apertureMarginMM = 8.0
    public var leafWidthMM = 5.0
    public var leafPairs = 80
    public var machineName = "ANCHOR_LINAC"
    public var doseRateMUPerMin = 600.0

    public init() {}
    public static let standard = PhotonBeamModel()

    /// Depth of the maximum of T, mm: where dT/dd = 0.
    public var depthOfMaximumMM: Double {
        let a = 1 - surfaceDoseFraction, l = buildUpLengthMM, mu = attenuationPerMM
        return -l * log(mu * l / (a * (1 + mu * l)))
    }

    /// T(d) normalised to 1 at its maximum; 0 above the surface.
    public func depthDose(_ depthMM: Double) -> Double {
        guard depthMM >= 0 else { return 0 }
        return raw(depthMM) / raw(depthOfMaximumMM)
    }

    private func raw(_ d: Double) -> Double {
        (1 - (1 - surfaceDoseFraction) * exp(-d / buildUpLengthMM)) * exp(-attenuationPerMM * d)
    }

    /// Leaf boundaries at the isocentre plane, mm, centred on the axis.
    public var leafBoundariesMM: [Double] {
        (0...leafPairs).map { (Double($0) - Double(leafPairs) / 2) * leafWidthMM }
    }
}

/// Geometry of a coplanar beam (couch 0, collimator 0) in IEC 61217 terms for a head-first supine
/// patient: at gantry θ the source is at iso + SAD·(sin θ, -cos θ, 0) in patient LPS; the beam's-eye
/// X axis is (cos θ, sin θ, 0) and Y is +z (toward the gantry).
struct BeamGeometry: Sendable {
    var gantry: Double
    var isocenter: Vec3
    var sad: Double
    var x: Vec3, y: Vec3, towardSource: Vec3

    init(gantry: Double, isocenter: Vec3, sad: Double) {
        self.gantry = gantry
        self.isocenter = isocenter
        self.sad = sad
        let g = gantry * .pi / 180
        x = Vec3(cos(g), sin(g), 0)
        y = Vec3(0, 0, 1)
        towardSource = Vec3(sin(g), -cos(g), 0)
    }

    var source: Vec3 { isocenter + towardSource * sad }

    /// (u, v) at the isocentre plane, distance from the source along the axis, and distance from the source.
    @inline(__always) func project(_ p: Vec3) -> (u: Double, v: Double, along: Double, distance: Double) {
        let r = p - source
        let along = -r.dot(towardSource)
        let k = sad / along
        return (r.dot(x) * k, r.dot(y) * k, along, r.length)
    }

    /// Unit direction from the source through (u, v) at the isocentre plane.
    func ray(_ u: Double, _ v: Double) -> Vec3 {
        (isocenter + x * u + y * v - source).normalized
    }
}

/// A regular 2D map at the isocentre plane of one beam, bilinear lookup, `outside` beyond its edge.
struct BEVMap: Sendable {
    var u0: Double, v0: Double, step: Double
    var nu: Int, nv: Int
    var values: [Double]
    var outside: Double

    init(u0: Double, v0: Double, step: Double, nu: Int, nv: Int, outside: Double, _ f: (Double, Double) -> Double) {
        self.u0 = u0; self.v0 = v0; self.step = step; self.nu = nu; self.nv = nv; self.outside = outside
        var v = [Double](repeating: 0, count: nu * nv)
        for j in 0..<nv { for i in 0..<nu { v[j * nu + i] = f(u0 + Double(i) * step, v0 + Double(j) * step) } }
        values = v
    }

    @inline(__always) func value(_ u: Double, _ v: Double) -> Double {
        let fi = (u - u0) / step, fj = (v - v0) / step
        guard fi >= 0, fj >= 0, fi <= Double(nu - 1), fj <= Double(nv - 1) else { return outside }
        let i = min(Int(fi), nu - 2), j = min(Int(fj), nv - 2)
        let ti = fi - Double(i), tj = fj - Double(j)
        let a = values[j * nu + i], b = values[j * nu + i + 1], c = values[(j + 1) * nu + i], d = values[(j + 1) * nu + i + 1]
        return (a * (1 - ti) + b * ti) * (1 - tj) + (c * (1 - ti) + d * ti) * tj
    }
}

/// The leaves and jaws of one beam, at the isocentre plane (mm).
struct Aperture: Sendable {
    var boundaries: [Double]
    var bankA: [Double]
    var bankB: [Double]
    var jawX: (Double, Double)
    var jawY: (Double, Double)

    /// Fits leaves around points seen by the beam, each grown by `margin` (a disc in the isocentre plane):
    /// each leaf pair opens from the least to the greatest u of the grown points in its band.
    init(points: [Vec3], geometry g: BeamGeometry, margin: Double, boundaries: [Double]) {
        self.boundaries = boundaries
        let pairs = boundaries.count - 1
        var lo = [Double](repeating: .infinity, count: pairs), hi = [Double](repeating: -.infinity, count: pairs)
        let w = boundaries[1] - boundaries[0]
        for p in points {
            let (u, v, _, _) = g.project(p)
            let first = max(0, Int(((v - margin) - boundaries[0]) / w)), last = min(pairs - 1, Int(((v + margin) - boundaries[0]) / w))
            guard first <= last else { continue }
            for k in first...last {
                let dv = v < boundaries[k] ? boundaries[k] - v : (v > boundaries[k + 1] ? v - boundaries[k + 1] : 0)
                guard dv < margin else { continue }
                let half = (margin * margin - dv * dv).squareRoot()
                lo[k] = min(lo[k], u - half)
                hi[k] = max(hi[k], u + half)
            }
        }
        let open = (0..<pairs).filter { lo[$0] < hi[$0] }
        // Leaf positions to 0.1 mm, as a record shows them.
        func r(_ x: Double) -> Double { (x * 10).rounded() / 10 }
        let jx = (r(open.map { lo[$0] }.min() ?? 0), r(open.map { hi[$0] }.max() ?? 0))
        let park = r((jx.0 + jx.1) / 2)
        bankA = (0..<pairs).map { lo[$0] < hi[$0] ? r(lo[$0]) : park }
        bankB = (0..<pairs).map { lo[$0] < hi[$0] ? r(hi[$0]) : park }
        jawX = jx
        jawY = (boundaries[open.first ?? 0], boundaries[(open.last ?? 0) + 1])
    }

    /// Closes every leaf pair whose band lies below `v` (mm at the isocentre plane) and moves the jaws in.
    mutating func close(below v: Double) {
        for k in 0..<bankA.count where boundaries[k + 1] <= v + 1e-9 {
            let park = bankA[k] < bankB[k] ? ((bankA[k] + bankB[k]) / 2 * 10).rounded() / 10 : bankA[k]
            bankA[k] = park
            bankB[k] = park
        }
        let open = (0..<bankA.count).filter { bankA[$0] < bankB[$0] }
        guard let first = open.first, let last = open.last else { return }
        jawY = (boundaries[first], boundaries[last + 1])
        jawX = (open.map { bankA[$0] }.min()!, open.map { bankB[$0] }.max()!)
    }

    /// The aperture (inside the jaws, between the leaves) blurred by a Gaussian of σ, at (u, v):
    /// per open leaf pair, the product of the blurred band in v and the blurred opening in u.
    func blurred(_ u: Double, _ v: Double, sigma: Double) -> Double {
        let k = 1 / (sigma * 2.0.squareRoot())
        func Phi(_ x: Double) -> Double { 0.5 * erfc(-x * k) }
        let w = boundaries[1] - boundaries[0]
        let reach = 5 * sigma
        let first = max(0, Int(((v - reach) - boundaries[0]) / w)), last = min(bankA.count - 1, Int(((v + reach) - boundaries[0]) / w))
        guard first <= last else { return 0 }
        var total = 0.0
        for n in first...last where bankA[n] < bankB[n] {
            let band = Phi(boundaries[n + 1] - v) - Phi(boundaries[n] - v)
            // Inside the jaws: the jaws sit at the leaves' extent, so the leaves define the field.
            let a = max(bankA[n], jawX.0), b = min(bankB[n], jawX.1)
            guard a < b else { continue }
            total += band * (Phi(b - u) - Phi(a - u))
        }
        return total
    }

    /// Open area at the isocentre plane, mm².
    var openAreaMM2: Double {
        var area = 0.0
        for n in 0..<bankA.count {
            let width: Double = boundaries[n + 1] - boundaries[n]
            area += max(0, bankB[n] - bankA[n]) * width
        }
        return area
    }
}
