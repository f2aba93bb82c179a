import AnchorDosimetry
@testable import AnchorQA

/// Analytic DVHs whose metrics are known exactly.
enum AnalyticDVH {
    /// Every cc of the structure receives `doseGy`.
    static func uniform(_ doseGy: Double, volumeCC: Double = 10, bin: Double = 0.01) -> DVH {
        var diff = [Double](repeating: 0, count: Int((doseGy / bin).rounded(.down)) + 1)
        diff[diff.count - 1] = volumeCC
        return DVH(binWidthGy: bin, differentialCC: diff, minGy: doseGy, maxGy: doseGy, meanGy: doseGy)
    }

    /// Dose spread evenly over [a, b] Gy (a and b on bin edges): Dx% = b - x/100·(b - a), mean (a + b)/2,
    /// V(d) = (b - d)/(b - a) of the volume.
    static func ramp(from a: Double, to b: Double, volumeCC: Double = 100, bin: Double = 0.01) -> DVH {
        let first = Int((a / bin).rounded()), last = Int((b / bin).rounded())
        var diff = [Double](repeating: 0, count: last)
        for n in first..<last { diff[n] = volumeCC / Double(last - first) }
        return DVH(binWidthGy: bin, differentialCC: diff, minGy: a, maxGy: b, meanGy: (a + b) / 2)
    }
}

/// A provider over named analytic DVHs.
func provider(_ dvhs: [String: DVH], extraROIs: [String] = []) -> DVHMetricProvider {
    DVHMetricProvider(structureNames: dvhs.keys.sorted() + extraROIs, dvhs: dvhs)
}

/// The example protocol of the file-format documentation.
let exampleYAML = """
id: example-posterior-fossa
name: Example posterior fossa protocol
version: "1.0"
source: "citation of the protocol or paper"
prescription_gy: 54
constraints:
  - structure: Brainstem          # TG-263 name; matched with aliases and case-insensitively
    aliases: [Brain Stem, BS]
    metric: D0.03cc
    per_protocol: "<= 54 Gy"
    acceptable: "<= 56 Gy"
    source: "citation"
  - structure: PTV
    metric: D95%
    per_protocol: ">= 95%"
    acceptable: ">= 90%"
  - structure: Cochlea_L
    metric: Dmean
    per_protocol: "<= 35 Gy"
    age_years: "< 18"
"""
