import Foundation

/// A dose-volume metric, parsed from its usual name. Accepted names (case-insensitive, spaces ignored;
/// x is a decimal number such as 95, 0.03 or 99.5):
///
/// | name | meaning | unit |
/// |---|---|---|
/// | `Dx%` | minimum dose to the hottest x % of the volume (D95%, D2%, D98%) | Gy |
/// | `Dxcc` (or `Dxcm3`) | minimum dose to the hottest x cc (D0.03cc, D2cc) | Gy |
/// | `VxGy` or `VxGy[%]` | volume receiving at least x Gy, percent of the structure | % |
/// | `VxGy[cc]` | volume receiving at least x Gy | cc |
/// | `Dmean` / `mean` | mean dose | Gy |
/// | `Dmin` / `min`, `Dmax` / `max` | minimum and maximum dose | Gy |
/// | `volume` | volume of the structure the DVH describes | cc |
/// | `HI` | homogeneity index (D2% − D98%) / D50%, ICRU Report 83 (2010) section 3.7.1 | — |
/// | `CI` (or `PaddickCI`) | Paddick conformity index TV_PIV² / (TV · PIV), Paddick, J Neurosurg 93 suppl 3:219 (2000) | — |
/// | `GI` | Paddick gradient index PIV_half / PIV, Paddick & Lippitz, J Neurosurg 105 suppl:194 (2006) | — |
///
/// `Dx%` and `Dxcc` follow ICRU 83 (D_V: the dose received by at least the volume V): read from the
/// cumulative DVH, interpolated linearly, never below the minimum dose. A bare `Dx` is rejected (is
/// it % or cc?), as is any other name, with an `unknownMetric` error.
public enum DVHMetric: Hashable, Sendable, CustomStringConvertible {
    case doseAtVolumePercent(Double)
    case doseAtVolumeCC(Double)
    case volumePercentAtDose(Double)
    case volumeCCAtDose(Double)
    case mean
    case min
    case max
    case volume
    case homogeneityIndex
    case paddickConformityIndex
    case gradientIndex

    /// Parses a metric name (see the table above).
    public init(parsing raw: String) throws {
        let s = raw.filter { !$0.isWhitespace }
        let l = s.lowercased()
        func number(_ t: Substring) -> Double? {
            guard !t.isEmpty, t.allSatisfy({ $0.isNumber || $0 == "." }), let v = Double(t), v.isFinite, v >= 0 else { return nil }
            return v
        }
        func fail(_ why: String) -> DosimetryError {
            DosimetryError(.unknownMetric, "unknown metric '\(raw)': \(why). Accepted: Dx% (D95%), Dxcc (D0.03cc), VxGy or VxGy[%] (V20Gy), VxGy[cc], Dmean, Dmin, Dmax, volume, HI, CI (PaddickCI), GI", structure: raw)
        }
        switch l {
        case "dmean", "mean", "meandose": self = .mean; return
        case "dmin", "min", "mindose": self = .min; return
        case "dmax", "max", "maxdose": self = .max; return
        case "volume", "vol", "volumecc": self = .volume; return
        case "hi", "homogeneityindex": self = .homogeneityIndex; return
        case "ci", "paddickci", "conformityindex": self = .paddickConformityIndex; return
        case "gi", "gradientindex", "paddickgi": self = .gradientIndex; return
        default: break
        }
        if l.hasPrefix("d") {
            let body = l.dropFirst()
            if body.hasSuffix("%"), let x = number(body.dropLast()) {
                guard x <= 100 else { throw fail("a percentage above 100") }
                self = .doseAtVolumePercent(x); return
            }
            if body.hasSuffix("cc"), let x = number(body.dropLast(2)) { self = .doseAtVolumeCC(x); return }
            if body.hasSuffix("cm3"), let x = number(body.dropLast(3)) { self = .doseAtVolumeCC(x); return }
            if number(body) != nil { throw fail("say D\(body)% or D\(body)cc") }
            throw fail("not a dose metric")
        }
        if l.hasPrefix("v") {
            var body = l.dropFirst()
            var unitCC = false
            if body.hasSuffix("[cc]") { unitCC = true; body = body.dropLast(4) }
            else if body.hasSuffix("[%]") { body = body.dropLast(3) }
            guard body.hasSuffix("gy"), let x = number(body.dropLast(2)) else { throw fail("a volume metric is VxGy, VxGy[%] or VxGy[cc]") }
            self = unitCC ? .volumeCCAtDose(x) : .volumePercentAtDose(x); return
        }
        throw fail("not a metric name")
    }

    /// The canonical name (parses back to the same metric): D95%, D0.03cc, V20Gy, V20Gy[cc], Dmean ...
    public var name: String {
        func n(_ v: Double) -> String {
            if v == v.rounded() && abs(v) < 1e15 { return String(Int(v)) }
            var s = String(format: "%.6f", v)
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
            return s
        }
        switch self {
        case .doseAtVolumePercent(let x): return "D\(n(x))%"
        case .doseAtVolumeCC(let x): return "D\(n(x))cc"
        case .volumePercentAtDose(let x): return "V\(n(x))Gy"
        case .volumeCCAtDose(let x): return "V\(n(x))Gy[cc]"
        case .mean: return "Dmean"
        case .min: return "Dmin"
        case .max: return "Dmax"
        case .volume: return "volume"
        case .homogeneityIndex: return "HI"
        case .paddickConformityIndex: return "CI"
        case .gradientIndex: return "GI"
        }
    }

    /// The canonical name.
    public var description: String { name }

    /// Unit of the value: "Gy", "%", "cc" or "" (indices).
    public var unit: String {
        switch self {
        case .doseAtVolumePercent, .doseAtVolumeCC, .mean, .min, .max: return "Gy"
        case .volumePercentAtDose: return "%"
        case .volumeCCAtDose, .volume: return "cc"
        case .homogeneityIndex, .paddickConformityIndex, .gradientIndex: return ""
        }
    }

    /// True for CI and GI, which need a prescription dose.
    public var needsPrescription: Bool {
        switch self {
        case .paddickConformityIndex, .gradientIndex: return true
        default: return false
        }
    }

    /// The metrics `anchor dvh` reports when none is asked for.
    public static let defaults: [DVHMetric] = [.doseAtVolumePercent(98), .doseAtVolumePercent(95), .doseAtVolumePercent(50),
                                               .doseAtVolumePercent(2), .doseAtVolumeCC(0.03), .homogeneityIndex]
}

/// The prescription isodose volumes that conformity and gradient indices need, computed once per dose
/// grid by `DVHCalculator.prescriptionContext(prescriptionGy:)`.
public struct PrescriptionContext: Sendable, Equatable {
    /// The prescription dose, Gy.
    public var prescriptionGy: Double
    /// PIV: volume inside the prescription isodose over the whole dose grid, cc.
    public var prescriptionIsodoseVolumeCC: Double
    /// PIV_half: volume inside half the prescription isodose, cc.
    public var halfPrescriptionIsodoseVolumeCC: Double

    /// Volumes already known (from another calculation or a TPS).
    public init(prescriptionGy: Double, prescriptionIsodoseVolumeCC: Double, halfPrescriptionIsodoseVolumeCC: Double) {
        self.prescriptionGy = prescriptionGy
        self.prescriptionIsodoseVolumeCC = prescriptionIsodoseVolumeCC
        self.halfPrescriptionIsodoseVolumeCC = halfPrescriptionIsodoseVolumeCC
    }
}

extension DVH {
    /// The value of a metric (units in `DVHMetric.unit`). Throws `undefinedMetric` when the metric does
    /// not exist for this DVH (D2cc of a 1 cc structure, any metric of an empty DVH) and
    /// `missingPrescription` for CI and GI without a `PrescriptionContext`.
    public func value(of metric: DVHMetric, prescription: PrescriptionContext? = nil, structure: String? = nil) throws -> Double {
        func undefined(_ why: String) -> DosimetryError { DosimetryError(.undefinedMetric, "\(metric.name) is undefined: \(why)", structure: structure) }
        guard volumeCC > 0 else { throw undefined("the structure has no volume inside the dose grid") }
        switch metric {
        case .doseAtVolumePercent(let x):
            guard let d = dose(atVolumePercent: x) else { throw undefined("percentage outside 0-100") }
            return d
        case .doseAtVolumeCC(let x):
            guard let d = dose(atVolumeCC: x) else {
                throw undefined("the structure's volume (\(String(format: "%.4g", volumeCC)) cc) is less than \(String(format: "%g", x)) cc")
            }
            return d
        case .volumePercentAtDose(let x): return volumePercent(atDoseGy: x)
        case .volumeCCAtDose(let x): return volumeCC(atDoseGy: x)
        case .mean: return meanGy
        case .min: return minGy
        case .max: return maxGy
        case .volume: return volumeCC
        case .homogeneityIndex:
            // ICRU Report 83 (2010), 3.7.1: HI = (D2% - D98%) / D50%.
            guard let d2 = dose(atVolumePercent: 2), let d98 = dose(atVolumePercent: 98), let d50 = dose(atVolumePercent: 50), d50 > 0 else {
                throw undefined("D50% is zero")
            }
            return (d2 - d98) / d50
        case .paddickConformityIndex:
            // Paddick, J Neurosurg 2000; 93 Suppl 3:219-222: CI = TV_PIV² / (TV × PIV), TV the target
            // volume, PIV the prescription isodose volume, TV_PIV the target volume inside it.
            guard let p = prescription else {
                throw DosimetryError(.missingPrescription, "CI needs a prescription dose", structure: structure)
            }
            guard p.prescriptionIsodoseVolumeCC > 0 else { throw undefined("no volume receives the prescription dose") }
            let tvPIV = volumeCC(atDoseGy: p.prescriptionGy)
            return tvPIV * tvPIV / (volumeCC * p.prescriptionIsodoseVolumeCC)
        case .gradientIndex:
            // Paddick & Lippitz, J Neurosurg 2006; 105 Suppl:194-201: GI = PIV_half / PIV.
            guard let p = prescription else {
                throw DosimetryError(.missingPrescription, "GI needs a prescription dose", structure: structure)
            }
            guard p.prescriptionIsodoseVolumeCC > 0 else { throw undefined("no volume receives the prescription dose") }
            return p.halfPrescriptionIsodoseVolumeCC / p.prescriptionIsodoseVolumeCC
        }
    }
}
