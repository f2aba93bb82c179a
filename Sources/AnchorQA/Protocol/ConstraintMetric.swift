import Foundation

/// A dose-volume metric as a protocol writes it. Grammar (case-insensitive, spaces ignored):
///
/// | written | meaning | result |
/// |---|---|---|
/// | `D95%` | minimum dose to the hottest 95% of the volume | dose |
/// | `D2cc`, `D0.03cc` | minimum dose to the hottest 2 cc (0.03 cc: the "near-maximum" of ICRU 83 §3.7 practice) | dose |
/// | `V20Gy` | volume receiving at least 20 Gy | volume (cc or % of the structure, from the limit) |
/// | `V95%` | volume receiving at least 95% of the prescription | volume |
/// | `Dmean`, `Dmax`, `Dmin` (also `Mean`, `Max`, `Min`) | mean, maximum, minimum dose | dose |
///
/// The D/V notation is that of ICRU Report 83 (2010), §3.7, and AAPM TG-263 (2018) §6 for the
/// spelling of the DVH metrics.
public enum ConstraintMetric: Sendable, Hashable, CustomStringConvertible {
    case doseAtVolumePercent(Double)
    case doseAtVolumeCC(Double)
    case volumeAtDoseGy(Double)
    case volumeAtDosePercentOfPrescription(Double)
    case meanDose
    case maxDose
    case minDose

    /// True when the metric is a dose (Gy); false when it is a volume.
    public var isDose: Bool {
        switch self {
        case .volumeAtDoseGy, .volumeAtDosePercentOfPrescription: return false
        default: return true
        }
    }

    /// True when evaluating the metric itself needs the prescription dose (Vx%).
    public var needsPrescription: Bool {
        if case .volumeAtDosePercentOfPrescription = self { return true }
        return false
    }

    /// Canonical spelling: `D95%`, `D0.03cc`, `V20Gy`, `V95%`, `Dmean`, `Dmax`, `Dmin`.
    public var description: String {
        switch self {
        case .doseAtVolumePercent(let v): return "D\(ConstraintMetric.format(v))%"
        case .doseAtVolumeCC(let v): return "D\(ConstraintMetric.format(v))cc"
        case .volumeAtDoseGy(let d): return "V\(ConstraintMetric.format(d))Gy"
        case .volumeAtDosePercentOfPrescription(let p): return "V\(ConstraintMetric.format(p))%"
        case .meanDose: return "Dmean"
        case .maxDose: return "Dmax"
        case .minDose: return "Dmin"
        }
    }

    static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e9 ? String(Int(v)) : String(v)
    }

    /// Parses the grammar above; throws `QAError(.malformedProtocol)` with the reason (no location: the
    /// parser adds it) when the text is outside it.
    public static func parse(_ text: String) throws -> ConstraintMetric {
        let s = text.replacingOccurrences(of: " ", with: "").lowercased()
        switch s {
        case "dmean", "mean", "meandose": return ConstraintMetric.meanDose
        case "dmax", "max", "maxdose": return .maxDose
        case "dmin", "min", "mindose": return .minDose
        default: break
        }
        guard let first = s.first, first == "d" || first == "v" else {
            throw QAError(.malformedProtocol, "'\(text)' is not a metric: expected Dx%, Dxcc, VxGy, Vx%, Dmean, Dmax or Dmin")
        }
        var rest = Substring(s.dropFirst())
        var unit = ""
        for u in ["cc", "gy", "%"] where rest.hasSuffix(u) {
            unit = u
            rest = rest.dropLast(u.count)
            break
        }
        guard let x = Double(rest), x.isFinite, x >= 0 else {
            throw QAError(.malformedProtocol, "'\(text)' is not a metric: the number in it cannot be read")
        }
        switch (first, unit) {
        case ("d", "%"):
            guard x <= 100 else { throw QAError(.malformedProtocol, "'\(text)': a volume percentage must be at most 100") }
            return .doseAtVolumePercent(x)
        case ("d", "cc"): return .doseAtVolumeCC(x)
        case ("v", "gy"): return .volumeAtDoseGy(x)
        case ("v", "%"): return .volumeAtDosePercentOfPrescription(x)
        case ("d", "gy"):
            throw QAError(.malformedProtocol, "'\(text)': D is followed by a volume (D95%, D2cc); for the volume receiving a dose write V\(format(x))Gy")
        case ("v", "cc"):
            throw QAError(.malformedProtocol, "'\(text)': V is followed by a dose (V20Gy, V95%); for the dose to a volume write D\(format(x))cc")
        default:
            throw QAError(.malformedProtocol, "'\(text)' needs a unit: D\(format(x))% or D\(format(x))cc, V\(format(x))Gy or V\(format(x))%")
        }
    }
}
