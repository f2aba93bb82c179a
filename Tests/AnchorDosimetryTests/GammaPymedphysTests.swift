@testable import AnchorDosimetry
import AnchorRT
import Foundation
import Testing

/// Anchor against pymedphys on the pairs of bench/gamma/pairs.py: same data (checked by hash), same
/// settings, pass rates within 0.1 percentage points.
struct GammaPymedphysTests {
    struct Case: Decodable {
        var pair: String
        var dd: Double, dta: Double, local: Bool, cutoff: Double, interp: Double
        var max_gamma: Double
        var normalisation: Double?
        var points_evaluated: Int
        var pass_rate_percent: Double
        var mean_gamma: Double
        var gamma_p95: Double
    }
    struct Fixture: Decodable {
        var pairs: [String: [String: String]]
        var cases: [Case]
    }

    static let fixture: Fixture = try! JSONDecoder().decode(Fixture.self, from: Data(GammaPymedphysFixture.json.utf8))

    @Test func generatedPairsAreBitIdenticalToThePythonOnes() {
        for (name, hashes) in Self.fixture.pairs {
            let (ref, ev) = GammaPairs.fixturePair(name)
            #expect(GammaPairs.fnv1a(ref.values) == hashes["reference_fnv1a"], "\(name) reference")
            #expect(GammaPairs.fnv1a(ev.values) == hashes["evaluated_fnv1a"], "\(name) evaluated")
        }
    }

    @Test(arguments: 0..<9)
    func passRateAgreesWithPymedphys(_ index: Int) throws {
        let c = Self.fixture.cases[index]
        let (ref, ev) = GammaPairs.fixturePair(c.pair)
        let criteria = GammaCriteria(doseDifferencePercent: c.dd, distanceToAgreementMM: c.dta, normalisation: c.local ? .local : .global,
                                     normalisationDose: c.normalisation, lowerDoseCutoffPercent: c.cutoff,
                                     interpolationFraction: c.interp, maximumGamma: c.max_gamma)
        let r = try GammaCalculator(criteria: criteria).compare(reference: ref, evaluated: ev)
        let rate = try #require(r.passRatePercent)
        #expect(abs(rate - c.pass_rate_percent) <= 0.1, "\(c.pair) \(criteria): Anchor \(rate)%, pymedphys \(c.pass_rate_percent)%")
        #expect(r.pointsEvaluated == c.points_evaluated, "\(c.pair) \(criteria)")
        #expect(abs((r.meanGamma ?? 0) - c.mean_gamma) <= 0.002, "\(c.pair) \(criteria): mean \(r.meanGamma ?? 0) vs \(c.mean_gamma)")
        #expect(abs((r.gammaPercentile(95) ?? 0) - c.gamma_p95) <= 0.005, "\(c.pair) \(criteria): p95 \(r.gammaPercentile(95) ?? 0) vs \(c.gamma_p95)")
    }
}
