import Foundation
import Yams

/// Reads late-effect model files. The format (YAML, unknown fields are errors, every error names the
/// file, line, column and field like `ProtocolParser`):
///
/// ```yaml
/// id: pentec-thyroid-hypothyroidism      # lowercase letters, digits and hyphens
/// version: "1.0"
/// endpoint: clinical (uncompensated) primary hypothyroidism
/// organs:
///   - structure: Glnd_Thyroid            # TG-263 name
///     aliases: [Thyroid]
/// combine: each                          # each (default), least or union_mean
/// kind: dose_response                    # dose_response, partial_volume, dose_bins, relative_hazard
/// metric: Dmean                          # ConstraintMetric grammar; doses in EQD2
/// interpolation: logit                   # none (default) or logit
/// alpha_beta_gy: 3
/// alpha_beta_note: "why this α/β"
/// citation: "Authors. Title. Journal Year;Vol(Issue):pages"
/// short_citation: "Milano et al. 2021"
/// doi: 10.1016/...                       # optional
/// pmid: "33810948"                       # optional
/// locator: "Abstract (Results)"
/// how_read: "the abstract"
/// confidence: high
/// cohort: "children < 21 years at radiotherapy"
/// age_years: "< 21"                      # optional validity band (AgeBand grammar)
/// requires_uniform_dose: false           # optional: the source's doses are whole-organ doses
/// points:                                # dose_response and partial_volume
///   - dose_gy: 10
///     risk_percent: 4                    # or risk_at_least_percent, risk_below_percent ("< 5 %"),
///                                        # risk_at_most_percent, risk_range_percent: [1, 5]
///     metric: D10%                       # partial_volume only
///     note: "context"                    # optional
/// strata:                                # dose_response instead of points: one set of points per
///   - {sex: F, age_years: "< 14", points: [...]}   # sex (F or M) and age band; the child's stratum is used
/// bins:                                  # dose_bins: [from_gy, to_gy)
///   - {from_gy: 0, to_gy: 0.34, risk_percent: 38}
/// hazard_ratio_per_10gy: 1.88            # relative_hazard
/// chemotherapy:                          # optional
///   - agent: methotrexate
///     shift_gy: 5.9                      # or outside_range: true; neither: a note only
///     note: "what the source says"
/// notes: "caveats shown with every estimate"
/// ```
public enum LateEffectModelParser {
    static let topLevelFields: Set<String> = [
        "id", "version", "endpoint", "organs", "combine", "kind", "metric", "interpolation", "alpha_beta_gy",
        "alpha_beta_note", "citation", "short_citation", "doi", "pmid", "locator", "how_read", "confidence", "cohort",
        "age_years", "requires_uniform_dose", "points", "strata", "bins", "hazard_ratio_per_10gy", "chemotherapy", "notes",
    ]
    static let pointFields: Set<String> = ["dose_gy", "metric", "risk_percent", "risk_at_least_percent", "risk_below_percent", "risk_at_most_percent", "risk_range_percent", "note"]

    /// Reads and parses a file.
    public static func load(path: String) throws -> LateEffectModel {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw QAError(.unreadableProtocol, "cannot read the late-effect model file: \(error.localizedDescription)", file: path)
        }
        return try parse(yaml: text, file: path)
    }

    /// Parses YAML text; `file` is used in errors and kept in the result.
    public static func parse(yaml: String, file: String? = nil) throws -> LateEffectModel {
        let root: Node
        do {
            guard let n = try Yams.compose(yaml: yaml) else { throw QAError(.malformedProtocol, "the file is empty", file: file, line: 1) }
            root = n
        } catch let e as YamlError {
            throw ProtocolParser.yamlError(e, file: file)
        }
        let ctx = ProtocolParser.Context(file: file)
        let top = try ctx.mapping(root, field: "(document)", what: "the model")
        try ctx.rejectUnknown(top, allowed: topLevelFields, scope: "the model")
        func required(_ k: String) throws -> String { try ctx.requiredString(top, k, in: root, scope: "the model") }
        func optional(_ k: String) throws -> String? { try top[k].map { try ctx.string($0, field: k) } }
        func number(_ n: Node, _ field: String, scope: String = "the model") throws -> Double {
            guard case .scalar = n, let v = n.float, v.isFinite, v >= 0 else {
                throw ctx.error(n, field: field, "\(scope): '\(n.string ?? "")' is not a number >= 0")
            }
            return v
        }
        func list(_ k: String) throws -> [Node] {
            guard let n = top[k] else { return [] }
            guard case .sequence(let s) = n else { throw ctx.error(n, field: k, "'\(k)' must be a list") }
            return Array(s)
        }

        let id = try required("id")
        guard id.range(of: "^[a-z0-9]+(-[a-z0-9]+)*$", options: .regularExpression) != nil else {
            throw ctx.error(top["id"]!, field: "id", "'\(id)' is not a valid id: use lowercase letters, digits and single hyphens")
        }
        let kindText = try required("kind")
        guard let kind = LateEffectModel.Kind(rawValue: kindText) else {
            throw ctx.error(top["kind"]!, field: "kind", "'\(kindText)' is not a kind: use dose_response, partial_volume, dose_bins or relative_hazard")
        }
        var combine = LateEffectModel.Combine.each
        if let c = try optional("combine") {
            guard let v = LateEffectModel.Combine(rawValue: c) else { throw ctx.error(top["combine"]!, field: "combine", "'\(c)' is not each, least or union_mean") }
            combine = v
        }
        var interpolation = LateEffectModel.Interpolation.none
        if let i = try optional("interpolation") {
            guard let v = LateEffectModel.Interpolation(rawValue: i) else { throw ctx.error(top["interpolation"]!, field: "interpolation", "'\(i)' is not none or logit") }
            interpolation = v
        }
        func metric(_ n: Node, field: String, scope: String) throws -> ConstraintMetric {
            let text = try ctx.string(n, field: field, scope: scope)
            let m: ConstraintMetric
            do { m = try ConstraintMetric.parse(text) } catch let e as QAError { throw ctx.error(n, field: field, "\(scope): \(e.message)") }
            guard m.isDose, !m.needsPrescription else {
                throw ctx.error(n, field: field, "\(scope): a late-effect model's metric is a dose (Dmean, Dmax, Dmin, Dx%), not \(m)")
            }
            if case .doseAtVolumeCC = m { throw ctx.error(n, field: field, "\(scope): Dxcc is not supported in late-effect models") }
            return m
        }
        let modelMetric: ConstraintMetric
        if let n = top["metric"] { modelMetric = try metric(n, field: "metric", scope: "the model") } else if kind == .partialVolume {
            modelMetric = .doseAtVolumePercent(100)
        } else {
            throw ctx.error(root, field: "metric", "the model has no 'metric'")
        }
        if combine == .unionMean && modelMetric != .meanDose {
            throw ctx.error(top["combine"]!, field: "combine", "union_mean combines mean doses only; the metric is \(modelMetric)")
        }

        var organs: [LateEffectModel.Organ] = []
        for (k, n) in try list("organs").enumerated() {
            let scope = "organ \(k + 1)"
            let m = try ctx.mapping(n, field: "organs", what: scope)
            try ctx.rejectUnknown(m, allowed: ["structure", "aliases"], scope: scope)
            let s = try ctx.requiredString(m, "structure", in: n, scope: scope)
            var aliases: [String] = []
            if let a = m["aliases"] {
                guard case .sequence(let seq) = a else { throw ctx.error(a, field: "aliases", "\(scope): 'aliases' must be a list") }
                aliases = try seq.map { try ctx.string($0, field: "aliases", scope: scope) }
            }
            organs.append(.init(structure: s, aliases: aliases))
        }
        guard !organs.isEmpty else { throw ctx.error(root, field: "organs", "the model has no 'organs' list") }

        guard let abNode = top["alpha_beta_gy"] else { throw ctx.error(root, field: "alpha_beta_gy", "the model has no 'alpha_beta_gy'") }
        let alphaBeta = try number(abNode, "alpha_beta_gy")
        guard alphaBeta > 0 else { throw ctx.error(abNode, field: "alpha_beta_gy", "α/β must be positive") }

        var ageBand: AgeBand?
        if let a = top["age_years"] {
            let t = try ctx.string(a, field: "age_years")
            do { ageBand = try AgeBand.parse(t) } catch let e as QAError { throw ctx.error(a, field: "age_years", e.message) }
        }
        var uniform = false
        if let u = top["requires_uniform_dose"] {
            guard let b = u.bool else { throw ctx.error(u, field: "requires_uniform_dose", "'requires_uniform_dose' must be true or false") }
            uniform = b
        }

        /// A `points` list (of the model or of a stratum).
        func parsePoints(_ listNode: Node) throws -> [LateEffectModel.Point] {
            guard case .sequence(let seq) = listNode else { throw ctx.error(listNode, field: "points", "'points' must be a list") }
            var points: [LateEffectModel.Point] = []
            for (k, n) in seq.enumerated() {
                let scope = "point \(k + 1)"
                let m = try ctx.mapping(n, field: "points", what: scope)
                try ctx.rejectUnknown(m, allowed: pointFields, scope: scope)
                guard let d = m["dose_gy"] else { throw ctx.error(n, field: "dose_gy", "\(scope) has no 'dose_gy'") }
                let dose = try number(d, "dose_gy", scope: scope)
                var pm = modelMetric
                if let mn = m["metric"] {
                    guard kind == .partialVolume else { throw ctx.error(mn, field: "metric", "\(scope): only partial_volume points have their own metric") }
                    pm = try metric(mn, field: "metric", scope: scope)
                    guard case .doseAtVolumePercent = pm else { throw ctx.error(mn, field: "metric", "\(scope): a partial_volume point's metric is Dx%") }
                } else if kind == .partialVolume {
                    throw ctx.error(n, field: "metric", "\(scope): a partial_volume point needs its own 'metric' (Dx%)")
                }
                var low: Double?, high: Double?
                let given = ["risk_percent", "risk_at_least_percent", "risk_below_percent", "risk_at_most_percent", "risk_range_percent"].filter { m[$0] != nil }
                guard given.count == 1 else {
                    throw ctx.error(n, field: "risk_percent", "\(scope) needs exactly one of risk_percent, risk_at_least_percent, risk_below_percent, risk_at_most_percent, risk_range_percent")
                }
                if let r = m["risk_at_most_percent"] { high = try number(r, "risk_at_most_percent", scope: scope) }
                if let r = m["risk_percent"] { low = try number(r, "risk_percent", scope: scope); high = low }
                if let r = m["risk_at_least_percent"] { low = try number(r, "risk_at_least_percent", scope: scope) }
                if let r = m["risk_below_percent"] { high = try number(r, "risk_below_percent", scope: scope) }
                if let r = m["risk_range_percent"] {
                    guard case .sequence(let s) = r, s.count == 2 else { throw ctx.error(r, field: "risk_range_percent", "\(scope): give [low, high]") }
                    low = try number(s[0], "risk_range_percent", scope: scope)
                    high = try number(s[1], "risk_range_percent", scope: scope)
                    guard low! < high! else { throw ctx.error(r, field: "risk_range_percent", "\(scope): low must be below high") }
                }
                for v in [low, high].compactMap({ $0 }) where v > 100 {
                    throw ctx.error(n, field: "risk_percent", "\(scope): a risk is at most 100 %")
                }
                let note = try m["note"].map { try ctx.string($0, field: "note", scope: scope) }
                points.append(.init(metric: pm, doseGy: dose, riskLowPercent: low, riskHighPercent: high, highIsStrict: m["risk_below_percent"] != nil, note: note))
            }
            // Risks rise with dose: a later point of the same metric never has a lower bound below an
            // earlier one's, which would make the bounds the evaluator reads contradictory.
            for (a, b) in zip(points, points.dropFirst()) where a.metric == b.metric {
                guard b.doseGy > a.doseGy else {
                    throw ctx.error(listNode, field: "points", "points of \(a.metric) must be in increasing dose order (\(a.doseGy) then \(b.doseGy) Gy)")
                }
                if let la = a.riskLowPercent, let hb = b.riskHighPercent, hb < la {
                    throw ctx.error(listNode, field: "points", "the risk falls from \(a.doseGy) to \(b.doseGy) Gy; the points must rise with dose")
                }
            }
            return points
        }
        let points = try top["points"].map(parsePoints) ?? []
        var strata: [LateEffectModel.Stratum] = []
        for (k, n) in try list("strata").enumerated() {
            let scope = "stratum \(k + 1)"
            let m = try ctx.mapping(n, field: "strata", what: scope)
            try ctx.rejectUnknown(m, allowed: ["sex", "age_years", "points"], scope: scope)
            var sex: String?
            if let x = m["sex"] {
                let t = try ctx.string(x, field: "sex", scope: scope).uppercased()
                guard t == "F" || t == "M" else { throw ctx.error(x, field: "sex", "\(scope): sex is F or M (PS3.3 C.7.1.1 Patient's Sex)") }
                sex = t
            }
            var band: AgeBand?
            if let a = m["age_years"] {
                let t = try ctx.string(a, field: "age_years", scope: scope)
                do { band = try AgeBand.parse(t) } catch let e as QAError { throw ctx.error(a, field: "age_years", "\(scope): \(e.message)") }
            }
            guard let pn = m["points"] else { throw ctx.error(n, field: "points", "\(scope) has no 'points'") }
            let sp = try parsePoints(pn)
            guard !sp.isEmpty else { throw ctx.error(pn, field: "points", "\(scope): 'points' is empty") }
            strata.append(.init(sex: sex, ageBand: band, points: sp))
        }
        if !strata.isEmpty {
            guard kind == .doseResponse, points.isEmpty else {
                throw ctx.error(top["strata"]!, field: "strata", "strata belong to a dose_response model without its own 'points'")
            }
        }

        var bins: [LateEffectModel.Bin] = []
        for (k, n) in try list("bins").enumerated() {
            let scope = "bin \(k + 1)"
            let m = try ctx.mapping(n, field: "bins", what: scope)
            try ctx.rejectUnknown(m, allowed: ["from_gy", "to_gy", "risk_percent"], scope: scope)
            guard let f = m["from_gy"], let r = m["risk_percent"] else { throw ctx.error(n, field: "bins", "\(scope) needs from_gy and risk_percent") }
            let from = try number(f, "from_gy", scope: scope)
            let to = try m["to_gy"].map { try number($0, "to_gy", scope: scope) }
            if let to, to <= from { throw ctx.error(n, field: "to_gy", "\(scope): to_gy must be above from_gy") }
            if let prev = bins.last, prev.toGy != from {
                throw ctx.error(n, field: "from_gy", "\(scope): bins must meet without gap or overlap (the previous ends at \(prev.toGy.map { "\($0)" } ?? "no upper edge"))")
            }
            bins.append(.init(fromGy: from, toGy: to, riskPercent: try number(r, "risk_percent", scope: scope)))
        }
        let hr = try top["hazard_ratio_per_10gy"].map { try number($0, "hazard_ratio_per_10gy") }

        switch kind {
        case .doseResponse, .partialVolume:
            guard !points.isEmpty || !strata.isEmpty else { throw ctx.error(root, field: "points", "a \(kind.rawValue) model needs 'points'") }
        case .doseBins:
            guard !bins.isEmpty else { throw ctx.error(root, field: "bins", "a dose_bins model needs 'bins'") }
        case .relativeHazard:
            guard let hr, hr > 0 else { throw ctx.error(root, field: "hazard_ratio_per_10gy", "a relative_hazard model needs a positive 'hazard_ratio_per_10gy'") }
        }

        var chemo: [LateEffectModel.Chemotherapy] = []
        for (k, n) in try list("chemotherapy").enumerated() {
            let scope = "chemotherapy \(k + 1)"
            let m = try ctx.mapping(n, field: "chemotherapy", what: scope)
            try ctx.rejectUnknown(m, allowed: ["agent", "shift_gy", "outside_range", "note"], scope: scope)
            let agent = try ctx.requiredString(m, "agent", in: n, scope: scope).lowercased()
            guard LateEffectContext.knownAgents.contains(agent) else {
                throw ctx.error(m["agent"]!, field: "agent", "\(scope): unknown agent '\(agent)'; known: \(LateEffectContext.knownAgents.sorted().joined(separator: ", "))")
            }
            let note = try ctx.requiredString(m, "note", in: n, scope: scope)
            var effect = LateEffectModel.Chemotherapy.Effect.note
            if let s = m["shift_gy"] { effect = .shiftGy(try number(s, "shift_gy", scope: scope)) }
            if let o = m["outside_range"] {
                guard o.bool == true, m["shift_gy"] == nil else { throw ctx.error(o, field: "outside_range", "\(scope): outside_range is 'true' and excludes shift_gy") }
                effect = .outsideRange
            }
            chemo.append(.init(agent: agent, effect: effect, note: note))
        }

        return LateEffectModel(
            id: id, version: try required("version"), endpoint: try required("endpoint"), organs: organs, combine: combine,
            kind: kind, metric: modelMetric, interpolation: interpolation, alphaBetaGy: alphaBeta,
            alphaBetaNote: try required("alpha_beta_note"), citation: try required("citation"),
            shortCitation: try required("short_citation"), doi: try optional("doi"), pmid: try optional("pmid"),
            locator: try required("locator"), howRead: try required("how_read"), confidence: try required("confidence"),
            cohort: try required("cohort"), ageBand: ageBand, requiresUniformDose: uniform, points: points, strata: strata, bins: bins,
            hazardRatioPer10Gy: hr, chemotherapy: chemo, notes: try optional("notes"), file: file)
    }
}

/// The late-effect models shipped with Anchor: every `*.yaml` file under `Resources/LateEffects`.
public struct LateEffectLibrary: Sendable {
    public var models: [LateEffectModel]
    /// Files that could not be read (a library bug; the tests keep this empty).
    public var errors: [QAError]

    public init(models: [LateEffectModel], errors: [QAError] = []) {
        self.models = models
        self.errors = errors
    }

    /// The folder of the bundled model files.
    public static var bundledFolder: URL? { Bundle.module.url(forResource: "LateEffects", withExtension: nil) }

    /// The models shipped in the package's resources, sorted by id.
    public static func bundled() -> LateEffectLibrary {
        guard let dir = bundledFolder else {
            return LateEffectLibrary(models: [], errors: [QAError(.unreadableProtocol, "the late-effect models are missing from the package resources")])
        }
        return load(folder: dir.path)
    }

    /// Every `*.yaml` file of a folder (not recursive), sorted by id.
    public static func load(folder: String) -> LateEffectLibrary {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
        var models: [LateEffectModel] = []
        var errors: [QAError] = []
        for n in names {
            do { models.append(try LateEffectModelParser.load(path: (folder as NSString).appendingPathComponent(n))) }
            catch let e as QAError { errors.append(e) }
            catch { errors.append(QAError(.unreadableProtocol, "\(error)", file: n)) }
        }
        return LateEffectLibrary(models: models.sorted { $0.id < $1.id }, errors: errors)
    }

    public func find(id: String) -> LateEffectModel? { models.first { $0.id == id } }
}
