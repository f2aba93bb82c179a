import AnchorDosimetry
import Foundation

/// Gives, for each organ of a case that a late-effect model covers, the model's estimate of the child's
/// risk from the organ's DVH, or why the model does not apply. Estimates stand beside the grades and
/// are never graded.
///
/// Rules, so that no number is read where the source gives none:
/// - doses are EQD2 (Withers HR, Thames HD, Peters LJ. A new isoeffect curve for change in dose per
///   fraction. Radiother Oncol 1983;1:187-191): each dose D given in n fractions is D·(D/n + α/β)/(2 + α/β);
///   the mean EQD2 is the mean over the organ's voxels, not the EQD2 of the mean dose;
/// - at a published point the estimate is the point's risk; between two points it is interpolated only
///   when the model file says `interpolation: logit` and both points give one risk, else it is the range
///   of their risks; beyond the points it is a bound (risk rises with dose: at least the risk of the
///   highest point below, at most the risk of the lowest point above), never a number read off a curve;
/// - a child outside the model's ages, a chemotherapy the model excludes, or a non-uniform organ dose
///   for a whole-organ model gives "outside the model's range" with the reason.
public enum LateEffectEvaluator {
    /// Published doses are given to 0.1 Gy: a value within half of that of a point is at the point.
    static let toleranceGy = 0.05

    /// Every model's estimates for the organs present in `provider`, in model order. Organs the case
    /// does not have are left out.
    public static func evaluate(_ models: [LateEffectModel], provider: MetricProvider, context: LateEffectContext) -> [LateEffectEstimate] {
        let matcher = StructureMatcher(roiNames: provider.structureNames)
        var out: [LateEffectEstimate] = []
        for model in models {
            let matched: [(organ: String, roi: String)] = model.organs.compactMap { o in
                matcher.match(structure: o.structure, aliases: o.aliases).map { (o.structure, $0.roi) }
            }
            guard !matched.isEmpty else { continue }
            switch model.combine {
            case .each:
                for m in matched { out.append(estimate(model, organ: m.organ, rois: [m.roi], provider: provider, context: context)) }
            case .least:
                // The organ with the lowest value decides (the least-affected ovary).
                var best: (organ: String, roi: String, value: Double)?
                for m in matched {
                    if let d = provider.dvh(structure: m.roi), let v = try? value(model.metric, of: d, model: model, context: context), v < (best?.value ?? .infinity) {
                        best = (m.organ, m.roi, v)
                    }
                }
                let pick = best.map { (organ: $0.organ, roi: $0.roi) } ?? matched[0]
                var e = estimate(model, organ: pick.organ, rois: [pick.roi], provider: provider, context: context)
                if matched.count > 1 {
                    e.note = join("the least-affected of \(matched.map(\.roi).joined(separator: ", ")) (lowest \(model.metric))", e.note)
                } else {
                    e.note = join("only \(pick.roi) is contoured: taken as the least-affected", e.note)
                }
                out.append(e)
            case .unionMean:
                let name = model.organs.map(\.structure).joined(separator: "+")
                if matched.count < model.organs.count {
                    let missing = model.organs.map(\.structure).filter { o in !matched.contains { $0.organ == o } }
                    out.append(refusal(model, organ: name, rois: matched.map(\.roi), status: .notEvaluable, context: context,
                                       why: "needs \(model.organs.map(\.structure).joined(separator: " and ")) together; not contoured: \(missing.joined(separator: ", "))"))
                } else {
                    out.append(estimate(model, organ: name, rois: matched.map(\.roi), provider: provider, context: context))
                }
            }
        }
        return out
    }

    // MARK: - EQD2

    /// EQD2 of a dose `d` Gy given in `n` fractions (Withers et al. 1983).
    public static func eqd2(_ d: Double, fractions n: Double, alphaBetaGy ab: Double) -> Double {
        d * (d / n + ab) / (2 + ab)
    }

    /// The value of `metric` of a DVH in EQD2, Gy.
    static func value(_ metric: ConstraintMetric, of dvh: DVH, model: LateEffectModel, context: LateEffectContext) throws -> Double {
        guard !dvh.isEmpty else { throw QAError(.notEvaluable, "empty DVH (no volume in the dose grid)") }
        let physical: Double
        switch metric {
        case .meanDose:
            guard !context.doseIsEQD2 else { return dvh.meanGy }
            let n = try fractions(context)
            // Mean of D² over the organ: exact for a uniform dose, else from the bins with the dose
            // uniform inside each bin (its second moment is centre² + width²/12).
            var second: Double
            if dvh.minGy == dvh.maxGy {
                second = dvh.meanGy * dvh.meanGy
            } else {
                let w = dvh.binWidthGy
                second = 0
                for (b, v) in dvh.differentialCC.enumerated() where v > 0 {
                    let c = (Double(b) + 0.5) * w
                    second += v * (c * c + w * w / 12)
                }
                second /= dvh.volumeCC
            }
            let ab = model.alphaBetaGy
            return (ab * dvh.meanGy + second / n) / (2 + ab)
        case .maxDose: physical = dvh.maxGy
        case .minDose: physical = dvh.minGy
        case .doseAtVolumePercent(let p):
            guard let d = dvh.dose(atVolumePercent: p) else { throw QAError(.notEvaluable, "\(metric) is undefined") }
            physical = d
        default:
            throw QAError(.notEvaluable, "\(metric) is not a late-effect metric")
        }
        guard !context.doseIsEQD2 else { return physical }
        return eqd2(physical, fractions: try fractions(context), alphaBetaGy: model.alphaBetaGy)
    }

    static func fractions(_ context: LateEffectContext) throws -> Double {
        guard let n = context.fractions, n > 0 else {
            throw QAError(.notEvaluable, "the number of fractions is unknown (\(context.fractionsUnknownReason ?? "the plan gives none")), so the EQD2 of the dose cannot be computed")
        }
        return Double(n)
    }

    static func basis(_ model: LateEffectModel, _ context: LateEffectContext) -> String {
        if context.doseIsEQD2 { return "EQD2 (as given)" }
        let ab = ConstraintMetric.format(model.alphaBetaGy)
        return "EQD2 (α/β \(ab) Gy" + (context.fractions.map { ", \($0) fractions" } ?? "") + ")"
    }

    // MARK: - One estimate

    static func estimate(_ model: LateEffectModel, organ: String, rois: [String], provider: MetricProvider,
                         context: LateEffectContext) -> LateEffectEstimate {
        var notes: [String] = []
        // The organ's dose.
        var dvhs: [DVH] = []
        for r in rois {
            guard let d = provider.dvh(structure: r) else {
                var why = "no DVH for \(r)"
                do { _ = try provider.value(.meanDose, structure: r) } catch let e as QAError { why = e.message } catch {}
                return refusal(model, organ: organ, rois: rois, status: .notEvaluable, context: context, why: why)
            }
            dvhs.append(d)
        }
        func metricValue(_ m: ConstraintMetric) throws -> Double {
            if dvhs.count == 1 { return try value(m, of: dvhs[0], model: model, context: context) }
            // union_mean: volume-weighted mean of the organs' mean EQD2 (the parser allows Dmean only).
            var sum = 0.0, volume = 0.0
            for d in dvhs { sum += try value(.meanDose, of: d, model: model, context: context) * d.volumeCC; volume += d.volumeCC }
            guard volume > 0 else { throw QAError(.notEvaluable, "the organs have no volume in the dose grid") }
            return sum / volume
        }
        // The organ's value, shown with a refusal too (the reader still sees the dose).
        let shown: Double? = model.kind == .partialVolume ? nil : try? metricValue(model.metric)
        // Ages.
        if let band = model.ageBand {
            guard let age = context.ageYears else {
                return refusal(model, organ: organ, rois: rois, status: .outsideRange, context: context, value: shown,
                               why: "the child's age is unknown and the model covers ages \(band.text) years only")
            }
            guard band.contains(age) else {
                return refusal(model, organ: organ, rois: rois, status: .outsideRange, context: context, value: shown,
                               why: "age \(fmt(age)) years is outside the model's ages (\(band.text) years)")
            }
        }
        // Chemotherapy.
        var shiftGy = 0.0
        let given = context.chemotherapy.map { $0.subtracting(["none"]) }
        for c in model.chemotherapy {
            // "any" stands for any chemotherapy agent.
            let wasGiven = given.map { c.agent == "any" ? !$0.isEmpty : $0.contains(c.agent) }
            switch (wasGiven, c.effect) {
            case (true?, .outsideRange):
                return refusal(model, organ: organ, rois: rois, status: .outsideRange, context: context, value: shown,
                               why: "\(c.agent) was given and the model does not cover it: \(c.note)")
            case (true?, .shiftGy(let s)):
                shiftGy += s
                notes.append("\(c.agent): \(fmt(s)) Gy added to the organ's dose, as the source equates it: \(c.note)")
            case (true?, .note):
                notes.append("\(c.agent): \(c.note)")
            case (nil, .note), (false?, .note):
                break
            case (nil, _):
                notes.append("assumes no \(c.agent == "any" ? "chemotherapy" : c.agent) (chemotherapy not given to Anchor): \(c.note)")
            case (false?, _):
                break
            }
        }
        if given == nil, model.chemotherapy.contains(where: { $0.effect == .note }) {
            notes += model.chemotherapy.filter { $0.effect == .note }.map { "\($0.agent): \($0.note)" }
        }
        do {
            if model.requiresUniformDose, dvhs.count == 1 {
                let hi = try metricValue(.doseAtVolumePercent(2)), lo = try metricValue(.doseAtVolumePercent(98)), mean = try metricValue(.meanDose)
                // Anchor's own criterion, not the source's: the source's doses are whole-organ doses, so
                // a D2%-D98% spread beyond 10% of the mean is a partial-organ dose it does not describe.
                if hi - lo > 0.1 * max(mean, 1e-9) {
                    return refusal(model, organ: organ, rois: rois, status: .outsideRange, context: context, value: shown,
                                   why: "the model is for a uniform whole-organ dose and this organ's dose is not uniform (D2% \(fmt1(hi)) Gy, D98% \(fmt1(lo)) Gy EQD2)")
                }
            }
            var result: LateEffectEstimate
            switch model.kind {
            case .doseResponse:
                let v = try metricValue(model.metric) + shiftGy
                var points = model.points
                if !model.strata.isEmpty {
                    let groups = model.strata.map(\.label).joined(separator: "; ")
                    let needsSex = model.strata.contains { $0.sex != nil }
                    guard !needsSex || context.sex != nil else {
                        return refusal(model, organ: organ, rois: rois, status: .outsideRange, context: context, value: v,
                                       why: "the child's sex is unknown and the source tabulates the risk by sex (\(groups))")
                    }
                    guard let stratum = model.strata.first(where: { s in
                        (s.sex == nil || s.sex == context.sex) && (s.ageBand.map { b in context.ageYears.map(b.contains) ?? false } ?? true)
                    }) else {
                        let who = [context.sex.map { $0 == "F" ? "female" : "male" }, context.ageYears.map { "\(fmt($0)) years" }].compactMap { $0 }.joined(separator: ", ")
                        return refusal(model, organ: organ, rois: rois, status: .outsideRange, context: context, value: v,
                                       why: "no group of the source covers this child (\(who.isEmpty ? "age unknown" : who)); its groups: \(groups)")
                    }
                    points = stratum.points
                    notes.insert("the source's group: \(stratum.label)", at: 0)
                }
                result = fromBounds(model, organ: organ, rois: rois, metric: model.metric.description, value: v,
                                    bounds: bounds(points, value: { _ in v }, upperValue: { _ in v }, interpolation: model.interpolation, at: v),
                                    context: context)
            case .partialVolume:
                var values: [ConstraintMetric: Double] = [:]
                for p in model.points where values[p.metric] == nil { values[p.metric] = try metricValue(p.metric) + shiftGy }
                let dmax = try metricValue(.maxDose) + shiftGy
                // A DVH with Dx% at or above a point's dose dominates that point's irradiation (x % at D,
                // the rest unirradiated), so its risk is at least the point's. Only the uniform point
                // (D100%) bounds the risk from above: a DVH whose maximum is at or below it lies under it.
                let b = bounds(model.points, value: { values[$0.metric]! }, upperValue: { p in
                    if case .doseAtVolumePercent(let x) = p.metric, x >= 100 { return dmax }
                    return nil
                }, interpolation: .none, at: nil)
                let deciding = b.lowPoint ?? b.highPoint
                let detail = model.points.map { "\($0.metric) \(fmt1(values[$0.metric]!)) Gy" }.joined(separator: ", ")
                let metric = deciding.map { $0.metric == .doseAtVolumePercent(100) && b.lowPoint == nil ? "Dmax" : $0.metric.description } ?? "Dmax"
                let v = deciding.map { $0.metric == .doseAtVolumePercent(100) && b.lowPoint == nil ? dmax : values[$0.metric]! } ?? dmax
                result = fromBounds(model, organ: organ, rois: rois, metric: metric, value: v, bounds: b, context: context)
                if b.low == nil && b.high == nil {
                    result.status = .outsideRange
                    result.estimateText = "outside the model's range"
                    notes.insert("no published point places this DVH: every Dx% is below its point's dose (\(detail)) but the maximum, \(fmt1(dmax)) Gy, is above the uniform dose of the lowest point", at: 0)
                } else {
                    notes.insert(detail + (shiftGy > 0 ? " (with the chemotherapy shift)" : ""), at: 0)
                }
            case .doseBins:
                let v = try metricValue(model.metric) + shiftGy
                guard let bin = model.bins.first(where: { v >= $0.fromGy && ($0.toGy.map { v < $0 } ?? true) }) else {
                    return refusal(model, organ: organ, rois: rois, status: .outsideRange, context: context,
                                   why: "\(model.metric) \(fmt1(v)) Gy EQD2 is in none of the model's dose bins")
                }
                let binText = bin.toGy.map { "\(fmt(bin.fromGy))-\(fmt($0)) Gy" } ?? "\(fmt(bin.fromGy)) Gy or more"
                result = make(model, organ: organ, rois: rois, metric: model.metric.description, value: v, status: .estimated,
                              estimate: bin.riskPercent, low: nil, high: nil, unit: "%", text: pct(bin.riskPercent), context: context)
                notes.insert("the prevalence in the cohort's \(binText) dose bin, not a fitted curve", at: 0)
            case .relativeHazard:
                let v = try metricValue(model.metric) + shiftGy
                let hr = pow(model.hazardRatioPer10Gy!, v / 10)
                result = make(model, organ: organ, rois: rois, metric: model.metric.description, value: v, status: .estimated,
                              estimate: hr, low: nil, high: nil, unit: "relative hazard",
                              text: String(format: "hazard ratio %.2f", hr), context: context)
                notes.insert("relative to no dose to the organ (\(fmt(model.hazardRatioPer10Gy!)) per 10 Gy, log-linear as the source fits it); not an absolute risk", at: 0)
            }
            if let n = model.notes { notes.append(n) }
            result.note = join(notes.joined(separator: "; "), result.note)
            result.sentence = sentence(result)
            return result
        } catch let e as QAError {
            return refusal(model, organ: organ, rois: rois, status: .notEvaluable, context: context, why: e.message)
        } catch {
            return refusal(model, organ: organ, rois: rois, status: .notEvaluable, context: context, why: "\(error)")
        }
    }

    /// Risk bounds at a value from published points: `low` from points at or below it, `high` from
    /// points at or above it, and an interpolated risk between two exact points when allowed.
    struct Bounds {
        var low: Double?
        var high: Double?
        var interpolated: Double?
        var lowPoint: LateEffectModel.Point?
        var highPoint: LateEffectModel.Point?
    }

    static func bounds(_ points: [LateEffectModel.Point], value: (LateEffectModel.Point) -> Double,
                       upperValue: (LateEffectModel.Point) -> Double?, interpolation: LateEffectModel.Interpolation, at v: Double?) -> Bounds {
        var b = Bounds()
        for p in points {
            if let r = p.riskLowPercent, value(p) >= p.doseGy - toleranceGy, r >= (b.low ?? -1) { b.low = r; b.lowPoint = p }
            if let r = p.riskHighPercent, let u = upperValue(p), u <= p.doseGy + toleranceGy, r <= (b.high ?? .infinity) { b.high = r; b.highPoint = p }
        }
        if interpolation == .logit, let v, let lp = b.lowPoint, let hp = b.highPoint, lp.isExact, hp.isExact, hp.doseGy > lp.doseGy,
           v > lp.doseGy + toleranceGy, v < hp.doseGy - toleranceGy {
            let t = (v - lp.doseGy) / (hp.doseGy - lp.doseGy)
            let l0 = logit(lp.riskLowPercent! / 100), l1 = logit(hp.riskLowPercent! / 100)
            b.interpolated = 100 / (1 + exp(-(l0 + t * (l1 - l0))))
        }
        return b
    }

    static func logit(_ p: Double) -> Double { log(p / (1 - p)) }

    static func fromBounds(_ model: LateEffectModel, organ: String, rois: [String], metric: String, value v: Double,
                           bounds b: Bounds, context: LateEffectContext) -> LateEffectEstimate {
        if let r = b.interpolated {
            var e = make(model, organ: organ, rois: rois, metric: metric, value: v, status: .estimated, estimate: r, low: nil, high: nil,
                         unit: "%", text: pct(r), context: context)
            e.note = "interpolated (logit-linear) between the published points at \(fmt(b.lowPoint!.doseGy)) and \(fmt(b.highPoint!.doseGy)) Gy"
            return e
        }
        switch (b.low, b.high) {
        case let (l?, h?) where abs(l - h) < 1e-9:
            return make(model, organ: organ, rois: rois, metric: metric, value: v, status: .estimated, estimate: l, low: nil, high: nil,
                        unit: "%", text: pct(l), context: context)
        case let (l?, h?):
            return make(model, organ: organ, rois: rois, metric: metric, value: v, status: .range, estimate: nil, low: l, high: h,
                        unit: "%", text: "\(num(l))-\(pct(h))", context: context)
        case let (l?, nil):
            var e = make(model, organ: organ, rois: rois, metric: metric, value: v, status: .bound, estimate: nil, low: l, high: nil,
                         unit: "%", text: "at least \(pct(l))", context: context)
            e.note = "at or above the published point of \(pct(l)) at \(fmt(b.lowPoint!.doseGy)) Gy; no published point above it"
            return e
        case let (nil, h?):
            let strict = b.highPoint?.highIsStrict == true
            var e = make(model, organ: organ, rois: rois, metric: metric, value: v, status: .bound, estimate: nil, low: nil, high: h,
                         unit: "%", text: (strict ? "below " : "at most ") + pct(h), context: context)
            e.note = "at or below the published point of \(strict ? "under " : "")\(pct(h)) at \(fmt(b.highPoint!.doseGy)) Gy; no published point below it"
            return e
        case (nil, nil):
            return make(model, organ: organ, rois: rois, metric: metric, value: v, status: .outsideRange, estimate: nil, low: nil, high: nil,
                        unit: "%", text: "outside the model's range", context: context)
        }
    }

    static func make(_ model: LateEffectModel, organ: String, rois: [String], metric: String, value: Double?, status: LateEffectEstimate.Status,
                     estimate: Double?, low: Double?, high: Double?, unit: String, text: String, context: LateEffectContext) -> LateEffectEstimate {
        LateEffectEstimate(organ: organ, rois: rois, endpoint: model.endpoint, metric: metric, valueGy: value, doseBasis: basis(model, context),
                           status: status, estimate: estimate, estimateLow: low, estimateHigh: high, estimateUnit: unit,
                           estimateText: text, sentence: "", model: model, note: nil)
    }

    static func refusal(_ model: LateEffectModel, organ: String, rois: [String], status: LateEffectEstimate.Status,
                        context: LateEffectContext, value: Double? = nil, why: String) -> LateEffectEstimate {
        var e = make(model, organ: organ, rois: rois, metric: model.kind == .partialVolume ? "Dx%" : model.metric.description, value: value,
                     status: status, estimate: nil, low: nil, high: nil, unit: model.kind == .relativeHazard ? "relative hazard" : "%",
                     text: status == .notEvaluable ? "not evaluable" : "outside the model's range", context: context)
        e.note = why
        e.sentence = sentence(e)
        return e
    }

    /// "Estimated 7 % risk of clinical hypothyroidism at Glnd_Thyroid Dmean 20.0 Gy EQD2 (Milano et al. 2021)".
    static func sentence(_ e: LateEffectEstimate) -> String {
        let src = e.model.shortCitation
        switch e.status {
        case .outsideRange where e.valueGy == nil, .notEvaluable:
            return "\(e.endpoint): \(e.estimateText) (\(e.note ?? "")); \(src)"
        case .outsideRange:
            return "\(e.endpoint) at \(e.organ) \(e.metric) \(fmt1(e.valueGy!)) Gy EQD2: outside the model's range; \(src)"
        default:
            let what = e.estimateUnit == "%" ? "risk of \(e.endpoint)" : "for \(e.endpoint)"
            let lead = e.status == .estimated && e.estimateUnit == "%" ? "Estimated \(e.estimateText)" : e.estimateText.prefix(1).uppercased() + e.estimateText.dropFirst()
            return "\(lead) \(what) at \(e.organ) \(e.metric) \(fmt1(e.valueGy!)) Gy EQD2; \(src)"
        }
    }

    static func join(_ a: String, _ b: String?) -> String? {
        let parts = [b, a].compactMap { $0 }.filter { !$0.isEmpty }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    static func fmt(_ v: Double) -> String { String(format: "%g", v) }
    static func fmt1(_ v: Double) -> String { String(format: "%.1f", v) }
    /// A risk as the sources write it: whole percent when whole, else one decimal.
    static func num(_ v: Double) -> String { abs(v - v.rounded()) < 0.05 ? String(format: "%.0f", v) : String(format: "%.1f", v) }
    static func pct(_ v: Double) -> String { num(v) + " %" }
}
