import AnchorDICOM
import AnchorDosimetry
import AnchorRT
import Foundation

extension LateEffectEstimate {
    /// One entry of `late_effects` in `anchor check --json`: `organ`, `endpoint`, `metric`, `value`
    /// (EQD2, Gy), `unit`, `estimate` (percent, or the hazard ratio; null when there is no single value),
    /// `model` (id and version), `source` (citation, DOI, locator), `note`, and the detail: `status`,
    /// `estimate_low`, `estimate_high`, `estimate_unit`, `estimate_text`, `sentence`, `rois`,
    /// `dose_basis`, `confidence`.
    public var json: JSON {
        .object([
            ("organ", .string(organ)),
            ("endpoint", .string(endpoint)),
            ("metric", .string(metric)),
            ("value", .from(valueGy)),
            ("unit", .string("Gy")),
            ("estimate", .from(estimate)),
            ("model", .string(model.label)),
            ("source", .string(model.sourceText)),
            ("note", .from(note)),
            ("status", .string(status.rawValue)),
            ("estimate_low", .from(estimateLow)),
            ("estimate_high", .from(estimateHigh)),
            ("estimate_unit", .string(estimateUnit)),
            ("estimate_text", .string(estimateText)),
            ("sentence", .string(sentence)),
            ("rois", .array(rois.map { .string($0) })),
            ("dose_basis", .string(doseBasis)),
            ("confidence", .string(model.confidence)),
        ])
    }

    /// The `late_effects` array of a list of estimates.
    public static func json(_ list: [LateEffectEstimate]) -> JSON { .array(list.map(\.json)) }

    /// The report's "Late-effect estimates" section: a table beside the grades, with a paragraph on
    /// what the numbers are. Empty when there are no estimates.
    public static func htmlSection(_ list: [LateEffectEstimate]) -> String {
        guard !list.isEmpty else { return "" }
        let esc = DVHPlot.esc
        var h = "<h2>Late-effect estimates (not graded)</h2>\n"
        h += "<p class=\"small\">Each organ's risk from a published paediatric dose-response, at the organ's dose in EQD2. "
        h += "These are population estimates from the cited cohorts, shown beside the grades to inform the reviewer; they are not grades or limits.</p>\n"
        h += "<table>\n<tr><th>Organ</th><th>Endpoint</th><th>Metric</th><th>Value (EQD2)</th><th>Estimate</th><th>Model and source</th></tr>\n"
        for e in list {
            let value = e.valueGy.map { String(format: "%.1f Gy", $0) } ?? "-"
            var estimate = "<strong>\(esc(e.estimateText))</strong>"
            if let n = e.note { estimate += "<br><span class=\"small\">\(esc(n))</span>" }
            h += "<tr><td>\(esc(e.organ))<br><span class=\"small\">\(esc(e.rois.joined(separator: ", ")))</span></td><td>\(esc(e.endpoint))</td>"
            h += "<td>\(esc(e.metric))<br><span class=\"small\">\(esc(e.doseBasis))</span></td><td class=\"num\">\(esc(value))</td>"
            h += "<td>\(estimate)</td><td class=\"small\">\(esc(e.model.label)): \(esc(e.model.sourceText)); confidence: \(esc(e.model.confidence))</td></tr>\n"
        }
        return h + "</table>\n"
    }

    /// The plain-text section for `anchor check` without --json.
    public static func textSection(_ list: [LateEffectEstimate]) -> String {
        guard !list.isEmpty else { return "" }
        var out = "\nLate-effect estimates (not graded; population risks from the cited cohorts):\n"
        for e in list {
            out += "  \(e.organ) [\(e.rois.joined(separator: ", "))]: \(e.sentence)\n"
            if let n = e.note { out += "      \(n)\n" }
        }
        return out
    }
}

extension LateEffectEvaluator {
    /// A provider holding `existing`'s DVHs plus those of the organs the models name that `existing`
    /// lacks, computed on the case's dose grid (the check command computes only the protocol's).
    public static func provider(_ grading: CaseGrading, existing: DVHMetricProvider, models: [LateEffectModel]) -> DVHMetricProvider {
        let matcher = StructureMatcher(roiNames: grading.structureSet.rois.map(\.name))
        var wanted = Set<String>()
        for m in models {
            for o in m.organs {
                if let hit = matcher.match(structure: o.structure, aliases: o.aliases), existing.dvhs[hit.roi] == nil, existing.failures[hit.roi] == nil {
                    wanted.insert(hit.roi)
                }
            }
        }
        var result = existing
        result.structureNames = grading.structureSet.rois.map(\.name)
        guard !wanted.isEmpty, let calc = try? DVHCalculator(dose: grading.dose) else { return result }
        let (structures, skipped) = calc.compute(grading.structureSet.rois.filter { wanted.contains($0.name) }, in: grading.structureSet)
        for s in structures where result.dvhs[s.name] == nil { result.dvhs[s.name] = s.dvh }
        for s in skipped { result.failures[s.name] = s.error.message }
        return result
    }

    /// Patient's Sex (0010,0040) of the files, `F` or `M` (PS3.3 C.7.1.1), when they agree; `O`, empty
    /// or conflicting values leave it unknown.
    public static func patientSex(_ files: [DICOMFile]) -> String? {
        var sexes = Set<String>()
        for f in files {
            guard let raw = f.dataSet.string(.patientSex) else { continue }
            let s = raw.trimmingCharacters(in: .whitespaces).uppercased()
            if s == "F" || s == "M" { sexes.insert(s) }
        }
        return sexes.count == 1 ? sexes.first : nil
    }

    /// The estimates of a graded case: the bundled models, the case's age and sex, the plan's
    /// fractions, the chemotherapy given (nil: unknown).
    public static func evaluate(_ grading: CaseGrading, provider existing: DVHMetricProvider, ageYears: Double?, sex: String? = nil,
                                chemotherapy: Set<String>?, library: LateEffectLibrary = .bundled()) -> [LateEffectEstimate] {
        let provider = provider(grading, existing: existing, models: library.models)
        var context = LateEffectContext(ageYears: ageYears, fractions: grading.plan?.fractionCount, chemotherapy: chemotherapy)
        context.sex = sex
        // One number of fractions turns a dose into EQD2 only when the whole dose was given in them: a
        // sum of phases (CSI and boost) or of plans needs each phase's dose (PS3.3 C.8.8.3 Dose
        // Summation Type; C.8.8.13 Fraction Group Sequence).
        let groups = grading.plan?.fractionGroups.count ?? 0
        if groups > 1 {
            context.fractions = nil
            context.fractionsUnknownReason = "the plan has \(groups) fraction groups, and the dose of each is needed for the EQD2 of their sum"
        } else if let s = grading.dose.summationType?.uppercased(), s != "PLAN" {
            context.fractions = nil
            context.fractionsUnknownReason = "the dose is of summation type \(s), not the whole plan's dose given in its fractions"
        } else if grading.plan == nil {
            context.fractionsUnknownReason = "no plan in the case"
        }
        return evaluate(library.models, provider: provider, context: context)
    }
}
