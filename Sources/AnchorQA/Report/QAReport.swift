import AnchorDosimetry
import Foundation

/// What the reviewer needs to know about the case before reading grades.
public struct CaseSummary: Sendable {
    public var path: String?
    public var patientID: String?
    public var planLabel: String?
    public var planName: String?
    public var radiationType: String?
    public var fractions: Int?
    /// Prescription stated in the plan, Gy.
    public var planPrescriptionGy: Double?
    public var structureSetLabel: String?
    public var roiCount: Int?
    public var doseFile: String?
    public var doseSummationType: String?
    public var doseMaxGy: Double?
    /// What is missing or inconsistent in the case (from `Case.problems`), and choices made.
    public var problems: [String]

    public init(path: String? = nil, patientID: String? = nil, planLabel: String? = nil, planName: String? = nil,
                radiationType: String? = nil, fractions: Int? = nil, planPrescriptionGy: Double? = nil,
                structureSetLabel: String? = nil, roiCount: Int? = nil, doseFile: String? = nil,
                doseSummationType: String? = nil, doseMaxGy: Double? = nil, problems: [String] = []) {
        self.path = path
        self.patientID = patientID
        self.planLabel = planLabel
        self.planName = planName
        self.radiationType = radiationType
        self.fractions = fractions
        self.planPrescriptionGy = planPrescriptionGy
        self.structureSetLabel = structureSetLabel
        self.roiCount = roiCount
        self.doseFile = doseFile
        self.doseSummationType = doseSummationType
        self.doseMaxGy = doseMaxGy
        self.problems = problems
    }

    /// (label, value) rows for display, skipping what is unknown.
    public var rows: [(String, String)] {
        var r: [(String, String)] = []
        func add(_ k: String, _ v: String?) { if let v, !v.isEmpty { r.append((k, v)) } }
        add("Input", path)
        add("Patient ID", patientID)
        add("Plan", [planLabel, planName.map { "(\($0))" }].compactMap { $0 }.joined(separator: " "))
        add("Radiation", radiationType)
        add("Fractions", fractions.map(String.init))
        add("Plan prescription", planPrescriptionGy.map { String(format: "%g Gy", $0) })
        add("Structure set", [structureSetLabel, roiCount.map { "\($0) ROIs" }].compactMap { $0 }.joined(separator: ", "))
        add("Dose", [doseFile.map { ($0 as NSString).lastPathComponent }, doseSummationType.map { "summation \($0)" },
                     doseMaxGy.map { String(format: "max %.2f Gy", $0) }].compactMap { $0 }.joined(separator: ", "))
        return r
    }
}

/// The QA report: the graded protocol, the case it was graded on, and the DVHs behind the grades.
public struct QAReport: Sendable {
    public var evaluation: EvaluationResult
    public var caseSummary: CaseSummary
    /// DVHs of the matched structures, in the order of first use by the protocol.
    public var dvhs: [(name: String, dvh: DVH)]
    /// When the report was made.
    public var date: Date
    /// The software that made it (name and version).
    public var generator: String
    /// Late-effect risk estimates of the case's organs, shown beside the grades (never graded).
    public var lateEffects: [LateEffectEstimate] = []
    /// The planning system's stored DVHs beside Anchor's, for the graded structures that have one.
    public var tpsComparison: [TPSDVHComparison] = []

    public init(evaluation: EvaluationResult, caseSummary: CaseSummary, dvhs: [(name: String, dvh: DVH)] = [],
                date: Date = Date(), generator: String = "Anchor") {
        self.evaluation = evaluation
        self.caseSummary = caseSummary
        self.dvhs = dvhs
        self.date = date
        self.generator = generator
    }

    /// Collects the DVHs of the matched structures from the provider.
    public static func dvhs(for evaluation: EvaluationResult, provider: MetricProvider) -> [(name: String, dvh: DVH)] {
        var seen = Set<String>()
        var out: [(String, DVH)] = []
        for r in evaluation.results {
            guard let roi = r.matchedStructure, !seen.contains(roi) else { continue }
            seen.insert(roi)
            if let d = provider.dvh(structure: roi) { out.append((roi, d)) }
        }
        return out
    }

    /// The value as the table shows it: `53.21 Gy`, `96.4 %` (with the Gy behind a % of prescription).
    public static func formatValue(_ r: ConstraintResult) -> String {
        guard let v = r.value else { return "-" }
        func one(_ v: Double) -> String { r.unit == "%" ? String(format: "%.1f %%", v) : String(format: "%.2f %@", v, r.unit) }
        var s = one(v)
        if let g = r.valueGy { s += String(format: " (%.2f Gy)", g) }
        if let ab = r.alphaBetaGy {
            s += " EQD2 (α/β \(ConstraintMetric.format(ab)) Gy)"
            if let p = r.physicalValue { s += "; physical " + one(p) }
        }
        return s
    }

    /// The planning system's DVH beside Anchor's as text lines.
    public var tpsComparisonText: String {
        var out = ""
        for c in tpsComparison {
            out += "  \(c.structure) (ROI \(c.roiNumber)):"
            for r in c.rows {
                let a = r.anchor.map { String(format: "%.2f", $0) } ?? "-", t = r.tps.map { String(format: "%.2f", $0) } ?? "-"
                out += " \(r.quantity) \(a)/\(t) \(r.unit)\(r.flagged ? " (!)" : "");"
            }
            out += "\n"
            for m in c.remarks { out += "    \(m)\n" }
        }
        return out
    }

    /// A plain-text rendering: summary, a table, the sources as numbered notes, and what is unmatched.
    public var text: String {
        let e = evaluation
        let p = e.protocolDefinition
        var out = "Protocol: \(p.name) [\(p.id) v\(p.version)]\n"
        out += "Source: \(p.source)\n"
        for (k, v) in caseSummary.rows { out += "\(k): \(v)\n" }
        for n in e.notes { out += "Note: \(n)\n" }
        out += "\n"
        var sources: [String] = []
        func sourceIndex(_ s: String?) -> String {
            guard let s else { return "" }
            if let i = sources.firstIndex(of: s) { return "[\(i + 1)]" }
            sources.append(s)
            return "[\(sources.count)]"
        }
        var rows: [[String]] = [["Structure", "ROI", "Metric", "Value", "Limit", "Grade", "Src"]]
        for r in e.results {
            var structure = r.constraint.structure
            if let b = r.constraint.ageBand { structure += " (age \(b.text))" }
            rows.append([structure, (r.matchedStructure ?? "-") + (r.derivedFrom != nil ? " (derived)" : ""), r.constraint.metric.description, QAReport.formatValue(r),
                         r.constraint.limitDescription, r.grade.label + (r.excludedFromOverall ? " (optional)" : ""),
                         sourceIndex(r.constraint.source)])
        }
        let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max() ?? 0 }
        for (n, row) in rows.enumerated() {
            out += row.enumerated().map { c, cell in cell.padding(toLength: widths[c], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces) + "\n"
            if n == 0 { out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
        }
        for r in e.results where r.reason != nil {
            out += "  \(r.matchedStructure ?? r.constraint.structure) \(r.constraint.metric): \(r.reason!)\n"
        }
        for r in e.results where r.derivedFrom != nil {
            out += "  \(r.matchedStructure ?? r.constraint.structure) is derived by the protocol: \(r.derivedFrom!)\n"
        }
        for r in e.results where r.prescriptionGy != nil {
            if let rx = r.prescriptionGy, let src = r.prescriptionSource, e.context.prescriptionGy != rx || e.context.prescriptionSource != src {
                out += "  \(r.matchedStructure ?? r.constraint.structure) \(r.constraint.metric): % of \(ProtocolEvaluator.fmt(rx)) Gy (\(src.rawValue))\n"
            }
        }
        out += "\nOverall: \(e.overall.label)\n"
        if !e.unmatchedStructures.isEmpty { out += "Not found in the structure set: \(e.unmatchedStructures.joined(separator: ", "))\n" }
        if !e.unusedROIs.isEmpty { out += "ROIs no constraint used: \(e.unusedROIs.joined(separator: ", "))\n" }
        if !e.skippedForAge.isEmpty {
            out += "Skipped for age: " + e.skippedForAge.map { "\($0.structure) \($0.metric) (age \($0.ageBand?.text ?? ""))" }.joined(separator: "; ") + "\n"
        }
        for pr in caseSummary.problems { out += "Case problem: \(pr)\n" }
        out += LateEffectEstimate.textSection(lateEffects)
        if !tpsComparison.isEmpty {
            out += "\nPlanning system's DVH beside Anchor's (Anchor/planning system; (!) over tolerance):\n" + tpsComparisonText
        }
        if !sources.isEmpty {
            out += "\nSources:\n"
            for (n, s) in sources.enumerated() { out += "[\(n + 1)] \(s)\n" }
        }
        return out
    }
}
