import AnchorDosimetry
import AnchorRT
import AnchorTestSupport
import Foundation
import Testing

/// Metric names and definitions.
struct DVHMetricTests {
    @Test(arguments: [
        ("D95%", DVHMetric.doseAtVolumePercent(95)), ("d99.5%", .doseAtVolumePercent(99.5)), ("D 2 %", .doseAtVolumePercent(2)),
        ("D0.03cc", .doseAtVolumeCC(0.03)), ("D2cc", .doseAtVolumeCC(2)), ("D1cm3", .doseAtVolumeCC(1)),
        ("V20Gy", .volumePercentAtDose(20)), ("V20Gy[%]", .volumePercentAtDose(20)), ("v12.5gy[cc]", .volumeCCAtDose(12.5)),
        ("Dmean", .mean), ("mean", .mean), ("Dmin", .min), ("Dmax", .max), ("volume", .volume),
        ("HI", .homogeneityIndex), ("CI", .paddickConformityIndex), ("PaddickCI", .paddickConformityIndex), ("GI", .gradientIndex),
    ])
    func acceptedNamesParse(_ name: String, _ metric: DVHMetric) throws {
        #expect(try DVHMetric(parsing: name) == metric)
        #expect(try DVHMetric(parsing: metric.name) == metric)
    }

    @Test(arguments: ["D95", "V20", "D120%", "X5", "D%", "Vcc", "V20cc", "D-5%", "Dabc%", "CIx", ""])
    func unknownNamesGiveAClearError(_ name: String) {
        do {
            _ = try DVHMetric(parsing: name)
            Issue.record("\(name) parsed")
        } catch let e as DosimetryError {
            #expect(e.code == .unknownMetric)
            #expect(e.message.contains("Accepted"))
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func canonicalNamesAreShort() {
        #expect(DVHMetric.doseAtVolumeCC(0.03).name == "D0.03cc")
        #expect(DVHMetric.doseAtVolumePercent(95).name == "D95%")
        #expect(DVHMetric.volumeCCAtDose(20).name == "V20Gy[cc]")
        #expect(DVHMetric.volumePercentAtDose(7.5).name == "V7.5Gy")
    }

    /// 10 cc spread evenly from 10 to 20 Gy: Dx% = 20 − x/10, Vd = (20 − d)/10.
    static let uniform = DVH(binWidthGy: 0.01, differentialCC: [Double](repeating: 0, count: 1000) + [Double](repeating: 0.01, count: 1000),
                             minGy: 10, maxGy: 20, meanGy: 15)

    @Test func doseAtVolumeReadsTheCumulativeDVH() throws {
        let d = Self.uniform
        #expect(abs(d.volumeCC - 10) < 1e-9)
        for x in [1.0, 2, 50, 95, 98, 99.5] { #expect(abs(d.dose(atVolumePercent: x)! - (20 - x / 10)) < 1e-9, "D\(x)%") }
        #expect(d.dose(atVolumePercent: 0) == 20)
        #expect(d.dose(atVolumePercent: 100) == 10)
        #expect(abs(d.dose(atVolumeCC: 0.03)! - 19.97) < 1e-9)
        #expect(abs(d.dose(atVolumeCC: 2)! - 18) < 1e-9)
        #expect(d.dose(atVolumeCC: 10) == 10)
    }

    @Test func doseToMoreThanTheVolumeIsUndefinedNotZero() throws {
        #expect(Self.uniform.dose(atVolumeCC: 12) == nil)
        #expect(throws: DosimetryError.self) { try Self.uniform.value(of: .doseAtVolumeCC(12)) }
        do { _ = try Self.uniform.value(of: .doseAtVolumeCC(12)) } catch let e as DosimetryError { #expect(e.code == .undefinedMetric) }
    }

    @Test func doseNeverFallsBelowTheMinimum() {
        // All 1 cc at 30.0004 Gy, inside one 0.001 Gy bin.
        var diff = [Double](repeating: 0, count: 30001)
        diff[30000] = 1
        let d = DVH(binWidthGy: 0.001, differentialCC: diff, minGy: 30.0004, maxGy: 30.0004, meanGy: 30.0004)
        for x in [2.0, 50, 98, 100] { #expect(d.dose(atVolumePercent: x) == 30.0004) }
    }

    @Test func volumeAtDoseInterpolatesInsideBins() throws {
        let d = Self.uniform
        #expect(abs(d.volumeCC(atDoseGy: 12.345) - 7.655) < 1e-9)
        #expect(abs(d.volumePercent(atDoseGy: 15) - 50) < 1e-9)
        #expect(abs(d.volumeCC(atDoseGy: 5) - 10) < 1e-9)
        #expect(d.volumeCC(atDoseGy: 25) == 0)
        #expect(abs(try d.value(of: .volumeCCAtDose(19)) - 1) < 1e-9)
    }

    @Test func homogeneityIndexIsICRU83() throws {
        // (D2 − D98) / D50 = (19.8 − 10.2) / 15.
        #expect(abs(try Self.uniform.value(of: .homogeneityIndex) - 9.6 / 15) < 1e-9)
    }

    @Test func cumulativeOutputStartsAtZeroAndEndsAboveTheMaximum() {
        let c = Self.uniform.cumulative(stepGy: 0.01)
        #expect(c.doseGy.first == 0 && c.doseGy.last! > 20)
        #expect(abs(c.volumeCC.first! - 10) < 1e-9 && c.volumeCC.last == 0)
        #expect(zip(c.volumeCC, c.volumeCC.dropFirst()).allSatisfy { $0 >= $1 })
        #expect(c.doseGy[3] == 0.03)   // printed as 0.03, not 0.030000000000000002
        let p = Self.uniform.cumulativePercent(stepGy: 0.5)
        #expect(abs(p.volumePercent[30] - 50) < 1e-9)   // 15 Gy
        let d = Self.uniform.differentialCCPerGy
        #expect(abs(d.ccPerGy[1500] - 1) < 1e-9 && abs(d.doseGy[1500] - 15.005) < 1e-9)
    }

    /// A ramp D = 40 + 0.5·x Gy over a grid from x = −60 to 60 mm: the 50 Gy isodose is the half-space
    /// x ≥ 20 mm, 25 Gy is x ≥ −30 mm, so PIV and PIV_half are boxes of the grid's extent.
    @Test func conformityAndGradientIndicesArePaddicks() throws {
        let field = LinearDose(doseAtOriginGy: 40, gradientGyPerMM: Vec3(0.5, 0, 0))
        let grid = field.grid(size: (49, 49, 49), spacing: (2.5, 2.5, 2.5))
        let calc = try DVHCalculator(dose: grid)
        let context = calc.prescriptionContext(prescriptionGy: 50)
        let side = 120.0
        #expect(abs(context.prescriptionIsodoseVolumeCC - 40 * side * side / 1000) < 1e-6)
        #expect(abs(context.halfPrescriptionIsodoseVolumeCC - 90 * side * side / 1000) < 1e-6)
        // Target: a 20 mm box from x = 10 to 30, half of it inside the 50 Gy isodose.
        let box = DVHPhantom.box(x0: 10, x1: 30, y0: -10, y1: 10, z0: -10, z1: 10, spacing: 2.5)
        let s = try calc.compute(box.roi(number: 1))
        let tvPIV = 4.0, tv = 8.0, piv = 40 * side * side / 1000
        #expect(abs(try s.value(of: .paddickConformityIndex, prescription: context) - tvPIV * tvPIV / (tv * piv)) < 1e-6)
        #expect(abs(try s.value(of: .gradientIndex, prescription: context) - 90.0 / 40) < 1e-9)
        #expect(throws: DosimetryError.self) { try s.value(of: .paddickConformityIndex) }
    }
}
