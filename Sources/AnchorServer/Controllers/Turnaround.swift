import Fluent
import Vapor

/// Turnaround: time from submission to the first verdict and to approval, and the margin between
/// approval (or now) and the planned start of treatment, per case and per centre. The network's aim is
/// review before the first fraction (QUARTET: Kearns et al., and the SIOP-Europe QA guidance).
enum Turnaround {
    struct CaseFigures: Content {
        var case_id: UUID
        var centre: String
        var status: String
        var planned_start: String
        var hours_to_first_verdict: Double?
        var hours_to_approval: Double?
        /// Days from approval (or now, when not yet approved) to the planned start; negative is late.
        var margin_days: Double?
        var at_risk: Bool
    }
    struct CentreFigures: Content {
        var centre: String
        var cases: Int
        var median_hours_to_first_verdict: Double?
        var median_hours_to_approval: Double?
        var approved_before_start: Int
        var late: Int
    }
    struct Report: Content { var cases: [CaseFigures]; var centres: [CentreFigures] }

    /// Days before the planned start under which an unapproved case counts as at risk.
    static let riskDays = 3.0

    static func plannedStart(_ s: String) -> Date? {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        return f.date(from: s)
    }

    static func report(_ cases: [ReviewCase], on db: Database, now: Date) async throws -> Report {
        let ids = cases.compactMap(\.id)
        let events = ids.isEmpty ? [] : try await CaseEvent.query(on: db).filter(\.$reviewCase.$id ~~ ids).sort(\.$at).all()
        let centres = try await Centre.query(on: db).all()
        let centreName = Dictionary(centres.compactMap { c in c.id.map { ($0, c.name) } }, uniquingKeysWith: { a, _ in a })
        var figures: [CaseFigures] = []
        for c in cases {
            guard let id = c.id, let submitted = c.createdAt else { continue }
            let ev = events.filter { $0.$reviewCase.id == id }
            let verdict = ev.first { $0.toStatus == ReviewCase.Status.approved.rawValue || $0.toStatus == ReviewCase.Status.changesRequested.rawValue }
            let approval = ev.last { $0.toStatus == ReviewCase.Status.approved.rawValue }
            let start = plannedStart(c.plannedStart)
            let margin = start.map { ($0.timeIntervalSince(approval?.at ?? now)) / 86400 }
            let atRisk = approval == nil && (margin ?? .infinity) < riskDays
            figures.append(CaseFigures(case_id: id, centre: centreName[c.$centre.id] ?? "", status: c.status, planned_start: c.plannedStart,
                                       hours_to_first_verdict: verdict.map { $0.at.timeIntervalSince(submitted) / 3600 },
                                       hours_to_approval: approval.map { $0.at.timeIntervalSince(submitted) / 3600 },
                                       margin_days: margin, at_risk: atRisk))
        }
        // Cases at risk of missing their start first, then by margin.
        figures.sort { ($0.at_risk ? 0 : 1, $0.margin_days ?? .infinity) < ($1.at_risk ? 0 : 1, $1.margin_days ?? .infinity) }
        var byCentre: [String: [CaseFigures]] = [:]
        for f in figures { byCentre[f.centre, default: []].append(f) }
        let centreFigures = byCentre.keys.sorted().map { name -> CentreFigures in
            let fs = byCentre[name]!
            return CentreFigures(centre: name, cases: fs.count, median_hours_to_first_verdict: median(fs.compactMap(\.hours_to_first_verdict)),
                                 median_hours_to_approval: median(fs.compactMap(\.hours_to_approval)),
                                 approved_before_start: fs.filter { $0.hours_to_approval != nil && ($0.margin_days ?? -1) >= 0 }.count,
                                 late: fs.filter { ($0.margin_days ?? 0) < 0 }.count)
        }
        return Report(cases: figures, centres: centreFigures)
    }

    static func median(_ xs: [Double]) -> Double? {
        guard !xs.isEmpty else { return nil }
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
