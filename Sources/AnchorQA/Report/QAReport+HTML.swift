import Foundation

extension QAReport {
    static func esc(_ s: String) -> String { DVHPlot.esc(s) }

    /// The report as one self-contained HTML page (inline CSS and SVG, no script, no external file),
    /// laid out to print on A4 or Letter.
    public var html: String {
        let e = evaluation
        let p = e.protocolDefinition
        let esc = QAReport.esc
        var h = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>QA report: \(esc(p.name))</title>
        <style>
        body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2328; margin: 2em auto; max-width: 60em; padding: 0 1em; font-size: 14px; }
        h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 1px solid #d0d7de; }
        table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid #d0d7de; vertical-align: top; }
        th { background: #f6f8fa; } td.num { text-align: right; white-space: nowrap; } .small { font-size: 0.85em; color: #57606a; }
        .grade { font-weight: 600; white-space: nowrap; padding: 1px 6px; border-radius: 4px; }
        .per_protocol { color: #1a7f37; background: #dafbe1; } .acceptable_variation { color: #7d4e00; background: #fff8c5; }
        .unacceptable_variation { color: #a40e26; background: #ffebe9; } .not_evaluable { color: #57606a; background: #eaeef2; }
        .overall { font-size: 1.2em; } .summary th { width: 12em; background: none; }
        .disclaimer { border: 1px solid #d0d7de; padding: 0.6em; background: #f6f8fa; }
        @media print { body { margin: 0; max-width: none; font-size: 11px; } h2 { break-after: avoid; } tr, svg { break-inside: avoid; } .grade { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
        </style>
        </head>
        <body>
        <h1>Plan QA report</h1>
        <p class="small">Made by \(esc(generator)) on \(QAReport.dateText(date)).</p>

        """
        h += "<p class=\"overall\">Overall: <span class=\"grade \(e.overall.rawValue)\">\(e.overall.label)</span> "
        let counts = e.counts
        h += "<span class=\"small\">(" + Grade.allCases.compactMap { g in counts[g].map { "\($0) \(g.label)" } }.joined(separator: ", ") + ")</span></p>\n"

        h += "<h2>Case</h2>\n<table class=\"summary\">\n"
        for (k, v) in caseSummary.rows { h += "<tr><th>\(esc(k))</th><td>\(esc(v))</td></tr>\n" }
        h += "<tr><th>Protocol</th><td>\(esc(p.name)) <span class=\"small\">[\(esc(p.id)) v\(esc(p.version))]</span></td></tr>\n"
        h += "<tr><th>Protocol source</th><td>\(esc(p.source))</td></tr>\n"
        if let n = p.notes { h += "<tr><th>Protocol notes</th><td>\(esc(n))</td></tr>\n" }
        for n in e.notes { h += "<tr><th>Note</th><td>\(esc(n))</td></tr>\n" }
        h += "</table>\n"
        if !caseSummary.problems.isEmpty {
            h += "<p><strong>Case problems</strong></p><ul>\n" + caseSummary.problems.map { "<li>\(esc($0))</li>\n" }.joined() + "</ul>\n"
        }

        h += "<h2>Constraints</h2>\n<table>\n<tr><th>Structure</th><th>ROI</th><th>Metric</th><th>Value</th><th>Per protocol</th><th>Acceptable</th><th>Grade</th><th>Source</th></tr>\n"
        for r in e.results {
            let c = r.constraint
            var structure = esc(c.structure)
            if let b = c.ageBand { structure += "<br><span class=\"small\">age \(esc(b.text))</span>" }
            var grade = "<span class=\"grade \(r.grade.rawValue)\">\(r.grade.label)</span>"
            if r.excludedFromOverall { grade += "<br><span class=\"small\">optional, not counted</span>" }
            if let why = r.reason { grade += "<br><span class=\"small\">\(esc(why))</span>" }
            var source = esc(c.source ?? "")
            if let n = c.note { source += "<br><span class=\"small\">\(esc(n))</span>" }
            let provenance = [c.locator, c.confidence.map { "confidence: \($0)" }].compactMap { $0 }
            if !provenance.isEmpty { source += "<br><span class=\"small\">\(esc(provenance.joined(separator: "; ")))</span>" }
                        h += "<tr><td>\(structure)</td><td>\(esc(r.matchedStructure ?? "-"))\(r.derivedFrom.map { "<br><span class=\"small\">derived: \(esc($0))</span>" } ?? "")</td><td>\(esc(c.metric.description))</td>"
            h += "<td class=\"num\">\(esc(QAReport.formatValue(r)))</td><td>\(esc(c.perProtocol.text))</td><td>\(esc(c.acceptable?.text ?? "-"))</td>"
            h += "<td>\(grade)</td><td class=\"small\">\(source)</td></tr>\n"
        }
        h += "</table>\n"
        if !e.unmatchedStructures.isEmpty {
            h += "<p><strong>Not found in the structure set:</strong> \(esc(e.unmatchedStructures.joined(separator: ", ")))</p>\n"
        }
        if !e.unusedROIs.isEmpty {
            h += "<p><strong>ROIs no constraint used:</strong> \(esc(e.unusedROIs.joined(separator: ", ")))</p>\n"
        }
        if !e.skippedForAge.isEmpty {
            h += "<p><strong>Not applicable at this age:</strong> " + esc(e.skippedForAge.map { "\($0.structure) \($0.metric) (age \($0.ageBand?.text ?? ""))" }.joined(separator: "; ")) + "</p>\n"
        }

        h += LateEffectEstimate.htmlSection(lateEffects)
        if !tpsComparison.isEmpty {
            h += "<h2>Planning system's DVH beside Anchor's</h2>\n<table>\n<tr><th>Structure</th><th>Quantity</th><th>Anchor</th><th>Planning system</th><th></th></tr>\n"
            for c in tpsComparison {
                for r in c.rows {
                    let a = r.anchor.map { String(format: "%.2f %@", $0, r.unit) } ?? "-", t = r.tps.map { String(format: "%.2f %@", $0, r.unit) } ?? "-"
                    h += "<tr><td>\(esc(c.structure))</td><td>\(esc(r.quantity))</td><td class=\"num\">\(esc(a))</td><td class=\"num\">\(esc(t))</td>"
                    h += "<td>\(r.flagged ? "<span class=\"grade unacceptable_variation\">differs</span>" : "")</td></tr>\n"
                }
                for m in c.remarks where c.rows.isEmpty { h += "<tr><td>\(esc(c.structure))</td><td colspan=\"4\">\(esc(m))</td></tr>\n" }
            }
            h += "</table>\n<p class=\"small\">Differences over 3% of the volume or 1% of the prescription are marked; both systems may be right by their own sampling conventions.</p>\n"
        }
        if !dvhs.isEmpty {
            h += "<h2>Dose-volume histograms</h2>\n"
            h += DVHPlot(curves: dvhs, markers: DVHPlot.markers(for: e)).svg + "\n"
            h += "<p class=\"small\">Cumulative DVHs of the matched structures; dots mark the graded constraint points in their grade's colour.</p>\n"
        }
        h += "<h2>About this report</h2>\n<p class=\"disclaimer small\">Grades are computed automatically to support the reviewer's judgement. "
        h += "The constraint library is a reference set for review support, not a substitute for the trial protocol documents; "
        h += "check each number against the protocol in force for the patient.</p>\n"
        h += "</body>\n</html>\n"
        return h
    }

    static func dateText(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_GB_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return f.string(from: d)
    }
}
