import AnchorDosimetry
import Foundation

/// A cumulative DVH plot as inline SVG (volume % against dose Gy), drawn from the DVH engine's own
/// curves, with the graded constraint points marked in their grade's colour. No script: the picture
/// prints and archives as it is.
public struct DVHPlot: Sendable {
    public struct Marker: Sendable {
        public var doseGy: Double
        public var volumePercent: Double
        public var grade: Grade
        public var label: String
    }

    public var curves: [(name: String, dvh: DVH)]
    public var markers: [Marker]
    public var width: Double = 760
    public var height: Double = 420

    public init(curves: [(name: String, dvh: DVH)], markers: [Marker] = []) {
        self.curves = curves
        self.markers = markers
    }

    /// Distinguishable colours (Okabe & Ito 2008, colour-blind safe), then repeated with dashes.
    static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]

    public static func colour(for grade: Grade) -> String {
        switch grade {
        case .perProtocol: return "#1a7f37"
        case .acceptableVariation: return "#b08800"
        case .notEvaluable: return "#6e7781"
        case .unacceptableVariation: return "#cf222e"
        }
    }

    /// Markers at the point each evaluated constraint reads on its structure's curve.
    public static func markers(for evaluation: EvaluationResult) -> [Marker] {
        var out: [Marker] = []
        for r in evaluation.results {
            guard let v = r.value, r.matchedStructure != nil else { continue }
            let rx = evaluation.context.prescriptionGy
            let label = "\(r.constraint.structure) \(r.constraint.metric)"
            switch r.constraint.metric {
            case .doseAtVolumePercent(let p):
                out.append(Marker(doseGy: r.valueGy ?? v, volumePercent: p, grade: r.grade, label: label))
            case .volumeAtDoseGy(let g) where r.unit == "%":
                out.append(Marker(doseGy: g, volumePercent: v, grade: r.grade, label: label))
            case .volumeAtDosePercentOfPrescription(let p) where r.unit == "%":
                if let rx { out.append(Marker(doseGy: p / 100 * rx, volumePercent: v, grade: r.grade, label: label)) }
            default: break
            }
        }
        return out
    }

    static func niceStep(_ range: Double, ticks: Int) -> Double {
        guard range > 0 else { return 1 }
        let raw = range / Double(ticks)
        let mag = pow(10, floor(log10(raw)))
        for m in [1.0, 2, 2.5, 5, 10] where raw <= m * mag { return m * mag }
        return 10 * mag
    }

    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// The SVG element.
    public var svg: String {
        let left = 56.0, right = 170.0, top = 16.0, bottom = 44.0
        let pw = width - left - right, ph = height - top - bottom
        let maxDose = max(curves.map { $0.dvh.maxGy }.max() ?? 1, markers.map(\.doseGy).max() ?? 0, 1e-6)
        let xStep = DVHPlot.niceStep(maxDose, ticks: 8)
        let xMax = (maxDose / xStep).rounded(.up) * xStep
        func x(_ d: Double) -> Double { left + pw * min(max(d / xMax, 0), 1) }
        func y(_ v: Double) -> Double { top + ph * (1 - min(max(v / 100, 0), 1)) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }

        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"100%\" role=\"img\" aria-label=\"Cumulative dose-volume histograms\" font-family=\"sans-serif\" font-size=\"11\">\n"
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"#fff\" stroke=\"#888\"/>\n"
        var t = 0.0
        while t <= xMax + 1e-9 {
            s += "<line x1=\"\(f(x(t)))\" y1=\"\(f(top))\" x2=\"\(f(x(t)))\" y2=\"\(f(top + ph))\" stroke=\"#e5e5e5\"/>"
            s += "<text x=\"\(f(x(t)))\" y=\"\(f(top + ph + 14))\" text-anchor=\"middle\">\(String(format: "%g", t))</text>\n"
            t += xStep
        }
        for v in stride(from: 0.0, through: 100, by: 20) {
            s += "<line x1=\"\(f(left))\" y1=\"\(f(y(v)))\" x2=\"\(f(left + pw))\" y2=\"\(f(y(v)))\" stroke=\"#e5e5e5\"/>"
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(y(v) + 4))\" text-anchor=\"end\">\(Int(v))</text>\n"
        }
        s += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 8))\" text-anchor=\"middle\">Dose (Gy)</text>\n"
        s += "<text transform=\"translate(14 \(f(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\">Volume (%)</text>\n"

        for (n, c) in curves.enumerated() {
            let colour = DVHPlot.palette[n % DVHPlot.palette.count]
            let dash = n >= DVHPlot.palette.count ? " stroke-dasharray=\"6 3\"" : ""
            let step = max(c.dvh.maxGy / 300, c.dvh.binWidthGy)
            let curve = c.dvh.cumulative(stepGy: step)
            let total = c.dvh.volumeCC
            var pts: [String] = []
            for (d, v) in zip(curve.doseGy, curve.volumeCC) { pts.append("\(f(x(d))),\(f(y(total > 0 ? 100 * v / total : 0)))") }
            s += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.6\"\(dash) points=\"\(pts.joined(separator: " "))\"><title>\(DVHPlot.esc(c.name))</title></polyline>\n"
            let ly = top + 12 + Double(n) * 16
            s += "<line x1=\"\(f(left + pw + 12))\" y1=\"\(f(ly - 4))\" x2=\"\(f(left + pw + 32))\" y2=\"\(f(ly - 4))\" stroke=\"\(colour)\" stroke-width=\"2\"\(dash)/>"
            s += "<text x=\"\(f(left + pw + 38))\" y=\"\(f(ly))\">\(DVHPlot.esc(String(c.name.prefix(20))))</text>\n"
        }
        for m in markers {
            s += "<circle cx=\"\(f(x(m.doseGy)))\" cy=\"\(f(y(m.volumePercent)))\" r=\"4\" fill=\"\(DVHPlot.colour(for: m.grade))\" stroke=\"#fff\"><title>\(DVHPlot.esc(m.label)): \(m.grade.label)</title></circle>\n"
        }
        s += "</svg>"
        return s
    }
}
