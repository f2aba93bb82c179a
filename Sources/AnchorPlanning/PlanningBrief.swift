import Foundation

/// A printable one-page brief of one country: standalone HTML (no script, no external file) with
/// inline SVG bar charts of need against capacity, the sensitivity table and the parameters' sources.
public enum PlanningBrief {
    public static func html(_ run: PlanningRun, iso3: String) -> String {
        guard let a = run.baseline.first(where: { $0.result.iso3 == iso3 }) else {
            return "<!doctype html><title>No country \(escape(iso3))</title><p>No country \(escape(iso3)) in the data.</p>"
        }
        let r = a.result
        let s = run.scenario?.analyses.first { $0.result.iso3 == iso3 }
        let F = PlanningReport.self
        var h = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <title>Paediatric radiotherapy: \(escape(r.name))</title>
        <style>
        @page { size: A4; margin: 12mm; }
        body { font: 10.5px/1.35 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1b1b1b; max-width: 190mm; margin: 0 auto; }
        h1 { font-size: 17px; margin: 0 0 2px; } h2 { font-size: 12px; margin: 10px 0 4px; border-bottom: 1px solid #bbb; }
        .sub { color: #555; margin: 0 0 6px; }
        .kpis { display: flex; gap: 5px; } .kpi { flex: 1 1 0; border: 1px solid #ccc; border-radius: 4px; padding: 3px 6px; }
        .kpi b { display: block; font-size: 14px; } .kpi span { color: #555; }
        table { border-collapse: collapse; width: 100%; } td, th { padding: 1px 4px; text-align: right; border-bottom: 1px solid #eee; }
        td:first-child, th:first-child { text-align: left; } .src { font-size: 7px; line-height: 1.15; color: #444; }
        .src td { text-align: left; vertical-align: top; } .st-ASSUMPTION { color: #a33; } .st-UNVERIFIED { color: #a60; }
        .cols { display: flex; gap: 10px; } .cols > div { flex: 1; }
        </style></head><body>
        <h1>Paediatric radiotherapy in \(escape(r.name)): need against capacity</h1>
        <p class="sub">Ages \(escape(r.ageBands.map(\.description).joined(separator: ", "))). Population \(F.grouped(r.population)); children aged 0-14 \(F.grouped(r.children0to14)). Diagnosis completeness \(F.fixed(r.diagnosisCompleteness, 2)). Ranges are bounds over the parameters' ranges, not confidence intervals.</p>
        <div class="kpis">
        \(kpi(F.grouped(r.casesPerYear), "new cases a year"))
        \(kpi(F.grouped(r.rtCourses), "radiotherapy courses"))
        \(kpi(F.grouped(r.fractions), "fractions a year"))
        \(kpi(F.fixed(r.gaSessionsPerDay, 1), "anaesthesia sessions a day"))
        \(kpi("\(F.fixed(r.linacEquivalentsNeeded, 2))", "linac-equivalents needed (\(F.fixed(a.low["linac_equivalents_needed"], 2))–\(F.fixed(a.high["linac_equivalents_needed"], 2)))"))
        \(kpi(F.compact(r.populationPerMVUnit), "people per MV unit (all ages)"))
        </div>
        <div class="cols"><div>
        <h2>Need for children against what the country has</h2>
        """
        var bars: [Bar] = [Bar(label: "linac-equivalents", need: r.linacEquivalentsNeeded, low: a.low["linac_equivalents_needed"], high: a.high["linac_equivalents_needed"],
                               have: r.linacs.capacity, haveLabel: r.linacCapacityIsAllAges ? "MV units (all ages)" : "paediatric MV units",
                               scenario: s?.result.linacEquivalentsNeeded)]
        for role in StaffRole.allCases {
            bars.append(Bar(label: role.label, need: r.staff.value(role), low: a.low[role.rawValue], high: a.high[role.rawValue],
                            have: r.staffGaps[role]?.capacity, haveLabel: "available", scenario: s?.result.staff.value(role)))
        }
        h += needChart(bars)
        h += "<p class=\"src\">Bars: need (whisker: low–high), each resource on its own scale. Diamond: what the country has, where the data say (staff counts are not in the shipped data). \(s == nil ? "" : "Outlined bar: scenario \"\(escape(run.scenario!.name))\".")</p>"
        h += "</div><div><h2>MV units against population benchmarks (all ages)</h2>"
        h += benchmarkChart(r)
        h += "</div></div>"
        if !a.sensitivity.isEmpty {
            h += "<h2>What moves the answer: linac-equivalents needed, one parameter at a time</h2>"
            h += tornado(a, compact: s != nil)
        }
        if let sr = s?.result, let sc = run.scenario {
            h += "<h2>Scenario \"\(escape(sc.name))\"</h2><p class=\"src\">\(escape(sc.changes.joined(separator: "; ")))</p>"
            h += "<table><tr><th></th><th>courses treated here</th><th>linac-equivalents needed</th><th>MV units</th><th>linac gap</th><th>anaesthesia sessions a day</th></tr>"
            for (label, x) in [("baseline", r), ("scenario", sr)] {
                h += "<tr><td>\(label)</td><td>\(F.grouped(x.rtCourses))</td><td>\(F.fixed(x.linacEquivalentsNeeded, 2))</td><td>\(Parameter.format(x.mvUnits))</td><td>\(F.signed(x.linacs.gap, 2))</td><td>\(F.fixed(x.gaSessionsPerDay, 2))</td></tr>"
            }
            h += "</table>"
        }
        h += "<h2>Parameters and sources</h2><table class=\"src\">"
        for p in run.parameters(of: run.data) {
            let range = p.hasRange ? " [\(Parameter.format(p.low))–\(Parameter.format(p.high))]" : ""
            // The brief keeps to one page: each source is cut at 150 characters (the JSON has it whole).
            let source = p.source.count > 150 ? String(p.source.prefix(150)) + "…" : p.source
            h += "<tr><td>\(escape(p.name))</td><td>\(escape(Parameter.format(p.value) + range))</td><td class=\"st-\(p.status.rawValue)\">\(p.status.rawValue)</td><td>\(escape(source))</td></tr>"
        }
        h += "</table>"
        h += "<p class=\"src\">What the model does not know: how many children are never diagnosed in the region (no completeness value is published for Central Asia; the default plans for every case), how far families travel and whether they reach a centre, how many MV units treat children, and the staff actually working with children. Made with Anchor.</p>"
        h += "</body></html>\n"
        return h
    }

    struct Bar { var label: String; var need: Double; var low: Double?; var high: Double?; var have: Double?; var haveLabel: String; var scenario: Double? }

    static func kpi(_ value: String, _ label: String) -> String { "<div class=\"kpi\"><b>\(escape(value))</b><span>\(escape(label))</span></div>" }

    static func needChart(_ bars: [Bar]) -> String {
        let w = 340.0, left = 120.0, rowH = 26.0, top = 6.0
        // Each row has its own scale (linac-equivalents and staff are different units): the longest of
        // need, upper bound, capacity and scenario fills the row.
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(top + rowH * Double(bars.count) + 16))\" font-size=\"9\">"
        for (i, b) in bars.enumerated() {
            let y = top + rowH * Double(i)
            let scale = (w - left - 70) / max(b.need, b.high ?? 0, b.have ?? 0, b.scenario ?? 0, 1e-9)
            svg += "<text x=\"0\" y=\"\(y + 13)\">\(escape(b.label))</text>"
            svg += "<rect x=\"\(left)\" y=\"\(y + 4)\" width=\"\(max(0.5, b.need * scale))\" height=\"12\" fill=\"#4a7ab5\"/>"
            if let s = b.scenario { svg += "<rect x=\"\(left)\" y=\"\(y + 2)\" width=\"\(max(0.5, s * scale))\" height=\"16\" fill=\"none\" stroke=\"#d9822b\" stroke-width=\"1.5\"/>" }
            if let lo = b.low, let hi = b.high {
                svg += "<line x1=\"\(left + lo * scale)\" x2=\"\(left + hi * scale)\" y1=\"\(y + 10)\" y2=\"\(y + 10)\" stroke=\"#111\"/>"
                svg += "<line x1=\"\(left + lo * scale)\" x2=\"\(left + lo * scale)\" y1=\"\(y + 6)\" y2=\"\(y + 14)\" stroke=\"#111\"/>"
                svg += "<line x1=\"\(left + hi * scale)\" x2=\"\(left + hi * scale)\" y1=\"\(y + 6)\" y2=\"\(y + 14)\" stroke=\"#111\"/>"
            }
            if let have = b.have {
                let x = left + have * scale
                svg += "<path d=\"M\(x) \(y + 3) l5 7 l-5 7 l-5 -7 z\" fill=\"#2e8b57\"><title>\(escape(b.haveLabel)): \(Parameter.format(have))</title></path>"
            }
            let label = PlanningReport.fixed(b.need, b.need >= 10 || b.label == StaffRole.anaesthesiaTeams.label ? 0 : 2) + (b.have.map { " / \(Parameter.format($0))" } ?? "")
            svg += "<text x=\"\(left + max(b.need, b.high ?? 0, b.have ?? 0) * scale + 8)\" y=\"\(y + 13)\">\(escape(label))</text>"
        }
        return svg + "</svg>"
    }

    static func benchmarkChart(_ r: CountryResult) -> String {
        let w = 340.0, left = 120.0, rowH = 22.0
        let rows: [(String, Double)] = [("MV units present", r.mvUnits)] + r.benchmarks.map { ("1 per \(PlanningReport.compact($0.populationPerUnit))", $0.unitsNeeded) }
        let maxV = max(rows.map(\.1).max() ?? 1, 1)
        let scale = (w - left - 40) / maxV
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(rowH * Double(rows.count) + 8))\" font-size=\"9\">"
        for (i, (label, v)) in rows.enumerated() {
            let y = 4 + rowH * Double(i)
            svg += "<text x=\"0\" y=\"\(y + 12)\">\(escape(label))</text>"
            svg += "<rect x=\"\(left)\" y=\"\(y + 3)\" width=\"\(max(0.5, v * scale))\" height=\"12\" fill=\"\(i == 0 ? "#2e8b57" : "#9aa7b5")\"/>"
            svg += "<text x=\"\(left + v * scale + 4)\" y=\"\(y + 12)\">\(i == 0 ? Parameter.format(v) : PlanningReport.fixed(v, v >= 10 ? 0 : 1))</text>"
        }
        return svg + "</svg><p class=\"src\">Units needed for the whole population (adults too) at each benchmark: IAEA 1 per 250,000; national guidelines (ESTRO-QUARTS) 1 per 183,000 / 284,000 / 500,000 in high / medium / low-resource countries.</p>"
    }

    static func tornado(_ a: CountryAnalysis, compact: Bool) -> String {
        let rows = Array(a.sensitivity.prefix(compact ? 6 : 10))
        let w = 700.0, left = 230.0, rowH = 13.0
        let base = a.result.linacEquivalentsNeeded
        let lo = min(rows.map { min($0.atLow, $0.atHigh) }.min() ?? base, base)
        let hi = max(rows.map { max($0.atLow, $0.atHigh) }.max() ?? base, base)
        let span = max(hi - lo, 1e-9)
        let scale = (w - left - 60) / span
        func x(_ v: Double) -> Double { left + (v - lo) * scale }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(rowH * Double(rows.count) + 18))\" font-size=\"9\">"
        for (i, r) in rows.enumerated() {
            let y = 4 + rowH * Double(i)
            let a0 = min(r.atLow, r.atHigh), a1 = max(r.atLow, r.atHigh)
            svg += "<text x=\"0\" y=\"\(y + 10)\">\(escape(r.parameter.name)) (\(r.parameter.status.rawValue))</text>"
            svg += "<rect x=\"\(x(a0))\" y=\"\(y + 2)\" width=\"\(max(0.5, (a1 - a0) * scale))\" height=\"9\" fill=\"#4a7ab5\"/>"
            svg += "<text x=\"\(x(a1) + 4)\" y=\"\(y + 10)\">\(PlanningReport.fixed(r.atLow, 2)) to \(PlanningReport.fixed(r.atHigh, 2))</text>"
        }
        let yb = rowH * Double(rows.count) + 4
        svg += "<line x1=\"\(x(base))\" x2=\"\(x(base))\" y1=\"0\" y2=\"\(yb)\" stroke=\"#d33\"/>"
        svg += "<text x=\"\(x(base))\" y=\"\(yb + 11)\" text-anchor=\"middle\">baseline \(PlanningReport.fixed(base, 2))</text>"
        return svg + "</svg>"
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
