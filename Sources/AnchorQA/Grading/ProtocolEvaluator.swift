import AnchorDosimetry
import Foundation

/// Where the prescription used for percent-of-prescription limits came from.
public enum PrescriptionSource: String, Sendable {
    case commandLine = "command_line"
    /// Given with the case when it was submitted (API `prescription_gy`, `fractions`).
    case submission = "submission"
    case plan = "plan"
    case `protocol` = "protocol"
    case none = "none"
}

/// Where the patient's age came from.
public enum AgeSource: String, Sendable {
    case commandLine = "command_line"
    /// Patient's Age (0010,1010), PS3.3 C.7.2.2.
    case dicom = "dicom_patient_age"
    /// Given with the case when it was submitted to the server.
    case submission = "submission"
    /// Not known: only constraints without an age band are graded.
    case unknown = "unknown"
}

/// What the grader knows about the patient and plan besides the dose.
public struct EvaluationContext: Sendable {
    /// Prescription dose, Gy, chosen by `resolvePrescription`.
    public var prescriptionGy: Double?
    public var prescriptionSource: PrescriptionSource
    /// Age at treatment, years.
    public var ageYears: Double?
    public var ageSource: AgeSource
    /// Prescriptions of the protocol's named targets (keyed by the protocol's target name), with where
    /// each came from.
    public var targetPrescriptions: [String: (doseGy: Double, source: PrescriptionSource)] = [:]
    /// The plan's Target Prescription Dose per ROI name (its TARGET dose references to an ROI, PS3.3
    /// C.8.8.10): a percent limit on such an ROI that names no protocol target uses it.
    public var roiPrescriptions: [String: Double] = [:]
    /// Number of fractions of the plan, and where it came from.
    public var fractions: Int?
    public var fractionsSource: PrescriptionSource = .none
    /// Set when dose limits are applied to EQD2 (the plan's dose per fraction differs from the one the
    /// protocol assumes).
    public var eqd2: EQD2Conversion?
    /// Least fraction of a structure's volume inside the dose grid for its constraints to be graded.
    public var minimumCoveredFraction: Double = GradingOptions.default.minimumCoveredFraction
    /// Why the dose cannot be graded at all (not Gy, not a plan sum, another frame of reference ...):
    /// every constraint is then not evaluable with these reasons.
    public var doseProblems: [String] = []

    /// How limits in absolute dose are compared when the plan is not fractionated like the protocol.
    public struct EQD2Conversion: Sendable {
        /// Fractions of the plan, n in d = D / n.
        public var fractions: Int
        /// The plan's prescribed dose per fraction, Gy.
        public var planDosePerFractionGy: Double
        /// The dose per fraction the protocol's limits assume, Gy.
        public var protocolDosePerFractionGy: Double
        public init(fractions: Int, planDosePerFractionGy: Double, protocolDosePerFractionGy: Double) {
            self.fractions = fractions
            self.planDosePerFractionGy = planDosePerFractionGy
            self.protocolDosePerFractionGy = protocolDosePerFractionGy
        }
    }

    public init(prescriptionGy: Double? = nil, prescriptionSource: PrescriptionSource = .none,
                ageYears: Double? = nil, ageSource: AgeSource = .unknown) {
        self.prescriptionGy = prescriptionGy
        self.prescriptionSource = prescriptionSource
        self.ageYears = ageYears
        self.ageSource = ageSource
    }

    /// The prescription by precedence: the command line, then the plan, then the protocol.
    public static func resolvePrescription(commandLine: Double?, plan: Double?, protocol p: Double?) -> (Double?, PrescriptionSource) {
        resolvePrescription(given: commandLine.map { ($0, .commandLine) }, plan: plan, protocol: p)
    }

    /// The prescription by precedence: the one given (command line or submission), then the plan, then
    /// the protocol.
    public static func resolvePrescription(given: (Double, PrescriptionSource)?, plan: Double?, protocol p: Double?) -> (Double?, PrescriptionSource) {
        if let g = given { return (g.0, g.1) }
        if let v = plan, v > 0 { return (v, .plan) }
        if let v = p { return (v, .protocol) }
        return (nil, .none)
    }
}

/// The outcome of one constraint.
public struct ConstraintResult: Sendable {
    public var constraint: Constraint
    /// The ROI graded, nil when none matched.
    public var match: StructureMatcher.Match?
    /// The value in `unit` (the unit of the limit: Gy, % or cc), nil when not evaluable.
    public var value: Double?
    public var unit: String
    /// The dose in Gy behind a percent-of-prescription value, for the reader.
    public var valueGy: Double?
    public var grade: Grade
    /// Why the constraint is not evaluable, or other remarks.
    public var reason: String?
    /// True when this result does not count in the overall grade (an optional structure that is absent).
    public var excludedFromOverall: Bool
    /// The prescription a percent-of-prescription limit was judged against, Gy, and where it came from.
    public var prescriptionGy: Double? = nil
    public var prescriptionSource: PrescriptionSource? = nil
    /// Set when the value is an EQD2 (dose limits applied to the voxel-wise EQD2 dose): the α/β used, Gy.
    public var alphaBetaGy: Double? = nil
    /// The same metric on the physical dose, in `unit`, when `value` is an EQD2 value.
    public var physicalValue: Double? = nil
    /// Fraction of the structure's volume inside the dose grid, when known.
    public var coveredFraction: Double? = nil
    /// Set when the structure graded was derived from others by the protocol: its definition.
    public var derivedFrom: String? = nil

    public var matchedStructure: String? { match?.roi }
    /// True when `value` is an EQD2 value.
    public var isEQD2: Bool { alphaBetaGy != nil }
}

/// The graded plan.
public struct EvaluationResult: Sendable {
    public var protocolDefinition: TreatmentProtocol
    public var context: EvaluationContext
    public var results: [ConstraintResult]
    /// Constraints left out because the patient's age is outside their band (or, when the age is not
    /// known, every age-banded constraint: see `notes`).
    public var skippedForAge: [Constraint]
    /// Protocol structures (TG-263 names) no ROI matched.
    public var unmatchedStructures: [String]
    /// ROIs of the case that no constraint used.
    public var unusedROIs: [String]
    /// Remarks for the reviewer (which prescription and age were used, ambiguous matches ...).
    public var notes: [String]

    /// The worst grade among the results that count; per protocol when there are none.
    public var overall: Grade {
        results.filter { !$0.excludedFromOverall }.map(\.grade).max() ?? .perProtocol
    }

    /// How many results have each grade.
    public var counts: [Grade: Int] {
        Dictionary(grouping: results, by: \.grade).mapValues(\.count)
    }
}

/// Parameters of grading that are not in the protocol.
public struct GradingOptions: Sendable {
    /// Least fraction of a structure's volume that must lie inside the dose grid for its constraints to
    /// be graded; below it they are not evaluable (a DVH of the covered part would misstate D98%, Vx%
    /// and the mean). Default 0.995.
    public var minimumCoveredFraction: Double = 0.995
    /// A difference between the planning system's stored DVH and Anchor's is flagged above this share
    /// of the structure's volume, percent. Default 3.
    public var tpsVolumeTolerancePercent: Double = 3
    /// ... or above this share of the prescription for doses, percent. Default 1.
    public var tpsDoseTolerancePercentOfPrescription: Double = 1
    /// The plan's dose per fraction differs from the protocol's when they differ by more than this, Gy.
    public var dosePerFractionToleranceGy: Double = 0.005
    public init() {}
    public static let `default` = GradingOptions()
}

/// Grades a plan against a protocol.
public enum ProtocolEvaluator {
    public static func evaluate(_ p: TreatmentProtocol, provider: MetricProvider, context: EvaluationContext) -> EvaluationResult {
        let matcher = StructureMatcher(roiNames: provider.structureNames)
        var results: [ConstraintResult] = []
        var skipped: [Constraint] = []
        var notes: [String] = []
        var used = Set<String>()
        var unmatched: [String] = []

        switch context.prescriptionSource {
        case .commandLine: notes.append("prescription \(fmt(context.prescriptionGy)) Gy from the command line")
        case .submission: notes.append("prescription \(fmt(context.prescriptionGy)) Gy as given with the submission")
        case .plan: notes.append("prescription \(fmt(context.prescriptionGy)) Gy from the plan")
        case .protocol: notes.append("prescription \(fmt(context.prescriptionGy)) Gy from the protocol (the plan gives none)")
        case .none: notes.append("no prescription known: percent-of-prescription limits are not evaluable")
        }
        for t in p.targetPrescriptions {
            if let v = context.targetPrescriptions[t.target] {
                notes.append("prescription of \(t.target): \(fmt(v.doseGy)) Gy from the \(sourceWords(v.source))")
            }
        }
        if Set(context.roiPrescriptions.values).count > 1 {
            let list = context.roiPrescriptions.sorted { $0.value < $1.value }.map { "\(fmt($0.value)) Gy (\($0.key))" }.joined(separator: ", ")
            notes.append("the plan prescribes \(list): percent limits on those ROIs use their own prescription, others \(fmt(context.prescriptionGy)) Gy")
        }
        if let n = context.fractions { notes.append("\(n) fractions from the \(sourceWords(context.fractionsSource))") }
        if let e = context.eqd2 {
            notes.append("the plan gives \(fmt(e.planDosePerFractionGy)) Gy per fraction in \(e.fractions) fractions, the protocol's limits assume \(fmt(e.protocolDosePerFractionGy)) Gy"
                         + (p.dosePerFractionStated ? "" : " (not stated: 2 Gy assumed)")
                         + ": limits in Gy are applied to the voxel-wise EQD2 (EQD2 = D (d + α/β) / (2 + α/β), d = D / \(e.fractions)), physical values shown beside")
        } else if context.fractions == nil && p.constraints.contains(where: { usesAbsoluteDose($0) }) {
            notes.append("number of fractions unknown: dose limits applied to the physical dose as if the plan were fractionated as the protocol assumes (\(fmt(p.dosePerFractionGy)) Gy per fraction)")
        }
        switch (context.ageYears, context.ageSource) {
        case (let a?, .commandLine): notes.append("age \(fmt(a)) years from the command line")
        case (let a?, .submission): notes.append("age \(fmt(a)) years as given with the submission")
        case (let a?, _): notes.append("age \(fmt(a)) years from Patient's Age (0010,1010)")
        default:
            let banded = p.constraints.filter { $0.ageBand != nil }.count
            if banded > 0 {
                notes.append("age unknown: only constraints without an age band were graded; \(banded) age-banded constraint(s) were not (give the age)")
            }
        }
        if let age = context.ageYears, let band = p.ageBand, !band.contains(age) {
            notes.append("protocol/age mismatch: the patient's age \(fmt(age)) years is outside the protocol's ages (\(band.text))")
        }
        if let age = context.ageYears {
            // A structure and metric graded only in age bands none of which holds the patient's age.
            var groups: [String: [Constraint]] = [:]
            var order: [String] = []
            for c in p.constraints where c.ageBand != nil {
                let key = "\(c.structure) \(c.metric)"
                if groups[key] == nil { order.append(key) }
                groups[key, default: []].append(c)
            }
            for key in order where !groups[key]!.contains(where: { $0.ageBand!.contains(age) }) {
                notes.append("protocol/age mismatch: no age band of \(key) (\(groups[key]!.map { $0.ageBand!.text }.joined(separator: "; "))) holds age \(fmt(age)) years: not graded")
            }
        }
        for problem in context.doseProblems { notes.append("not graded: \(problem)") }

        for c in p.constraints {
            if let band = c.ageBand {
                guard let age = context.ageYears, band.contains(age) else {
                    skipped.append(c)
                    continue
                }
            }
            let unit = c.perProtocol.unit.rawValue
            // A name with `*` grades every ROI it matches, each on its own row (e.g. every vertebral body).
            let patterns = ([c.structure] + c.aliases).filter { $0.contains("*") }
            let patternHits = patterns.flatMap { matcher.matchAll(pattern: $0) }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            if !patternHits.isEmpty {
                for roi in patternHits {
                    used.insert(roi)
                    let via = patterns.first { !matcher.matchAll(pattern: $0).filter { $0 == roi }.isEmpty } ?? patterns[0]
                    results.append(grade(c, roi: StructureMatcher.Match(roi: roi, via: via, level: .normalised, alsoMatching: []),
                                         provider: provider, protocol: p, context: context))
                }
                continue
            }
            guard let m = matcher.match(structure: c.structure, aliases: c.aliases.filter { !$0.contains("*") }) else {
                if let name = ([c.structure] + c.aliases).first(where: { provider.derivedDefinition(structure: $0) != nil }) {
                    var r = grade(c, roi: StructureMatcher.Match(roi: name, via: name, level: .exact, alsoMatching: []),
                                  provider: provider, protocol: p, context: context)
                    r.derivedFrom = provider.derivedDefinition(structure: name)
                    results.append(r)
                    continue
                }
                if !unmatched.contains(c.structure) { unmatched.append(c.structure) }
                let tried = ([c.structure] + c.aliases).joined(separator: ", ")
                results.append(ConstraintResult(constraint: c, match: nil, value: nil, unit: unit, valueGy: nil,
                                                grade: .notEvaluable, reason: "structure not found (tried \(tried))",
                                                excludedFromOverall: c.optional))
                continue
            }
            used.insert(m.roi)
            if !m.alsoMatching.isEmpty {
                notes.append("\(c.structure): matched '\(m.roi)'; also matching: \(m.alsoMatching.joined(separator: ", "))")
            }
            results.append(grade(c, roi: m, provider: provider, protocol: p, context: context))
        }
        let unused = provider.structureNames.filter { !used.contains($0) }
        return EvaluationResult(protocolDefinition: p, context: context, results: results, skippedForAge: skipped,
                                unmatchedStructures: unmatched, unusedROIs: unused, notes: notes)
    }

    static func fmt(_ v: Double?) -> String { v.map { String(format: "%g", $0) } ?? "?" }

    static func sourceWords(_ s: PrescriptionSource) -> String {
        switch s {
        case .commandLine: return "command line"
        case .submission: return "submission"
        case .plan: return "plan"
        case .protocol: return "protocol"
        case .none: return "(none)"
        }
    }

    /// True when the constraint compares an absolute dose (a Gy limit on a dose, or a VxGy threshold):
    /// the limits that depend on fractionation.
    public static func usesAbsoluteDose(_ c: Constraint) -> Bool {
        if case .volumeAtDoseGy = c.metric { return true }
        return c.metric.isDose && c.perProtocol.unit == .gy
    }

    /// True when the constraint's structure is a target: one of the protocol's prescription targets, or
    /// a TG-263 target name (PTV, CTV, GTV, ITV first).
    public static func isTarget(_ c: Constraint, protocol p: TreatmentProtocol) -> Bool {
        if p.targetPrescriptions.contains(where: { $0.target == c.structure }) { return true }
        let u = c.structure.uppercased()
        return ["PTV", "CTV", "GTV", "ITV"].contains { u.hasPrefix($0) }
    }

    /// The α/β used for a constraint's EQD2, Gy: its own, else 10 Gy for targets and 3 Gy for organs.
    public static func alphaBeta(_ c: Constraint, protocol p: TreatmentProtocol) -> Double {
        c.alphaBetaGy ?? (isTarget(c, protocol: p) ? EQD2.tumourAlphaBetaGy : EQD2.lateEffectsAlphaBetaGy)
    }

    /// The prescription a constraint's percent limits refer to: its named target's, else its own
    /// structure's when that is a named target, else the plan's.
    static func prescription(for c: Constraint, roi: String, protocol p: TreatmentProtocol, context: EvaluationContext) -> (Double, PrescriptionSource)? {
        let target = c.prescriptionTarget ?? (p.targetPrescriptions.contains { $0.target == c.structure } ? c.structure : nil)
        if let t = target {
            if let v = context.targetPrescriptions[t] { return (v.doseGy, v.source) }
            return nil
        }
        // A prescription given with the case wins; else the plan's own prescription to this ROI.
        if ![.commandLine, .submission].contains(context.prescriptionSource), let v = context.roiPrescriptions[roi] { return (v, .plan) }
        return context.prescriptionGy.map { ($0, context.prescriptionSource) }
    }

    /// Resolves the metric and limit to an absolute query, reads it, and grades it.
    static func grade(_ c: Constraint, roi m: StructureMatcher.Match, provider: MetricProvider, protocol p: TreatmentProtocol,
                      context: EvaluationContext) -> ConstraintResult {
        let limitUnit = c.perProtocol.unit
        let covered = provider.coveredFraction(structure: m.roi)
        let rxInfo = prescription(for: c, roi: m.roi, protocol: p, context: context)
        func notEvaluable(_ why: String) -> ConstraintResult {
            var r = ConstraintResult(constraint: c, match: m, value: nil, unit: limitUnit.rawValue, valueGy: nil,
                                     grade: .notEvaluable, reason: why, excludedFromOverall: false)
            r.coveredFraction = covered
            return r
        }
        if !context.doseProblems.isEmpty {
            return notEvaluable("the dose is not graded: " + context.doseProblems.joined(separator: "; "))
        }
        if let f = covered, f < context.minimumCoveredFraction {
            return notEvaluable(String(format: "only %.1f%% of '%@' is inside the dose grid (at least %g%% needed): its DVH would describe the covered part only",
                                       100 * f, m.roi, 100 * context.minimumCoveredFraction))
        }
        let needsRx = c.metric.needsPrescription || (c.metric.isDose && limitUnit == .percent)
        if needsRx && rxInfo == nil {
            if let t = c.prescriptionTarget ?? (p.targetPrescriptions.contains { $0.target == c.structure } ? c.structure : nil) {
                return notEvaluable("needs the prescription of \(t), which neither the plan nor the protocol gives")
            }
            return notEvaluable("needs a prescription dose (give --prescription, or prescription_gy in the protocol)")
        }
        let rx = rxInfo?.0 ?? 0
        let query: DoseVolumeQuery
        switch c.metric {
        case .doseAtVolumePercent(let v): query = .doseAtVolumePercent(v)
        case .doseAtVolumeCC(let v): query = .doseAtVolumeCC(v)
        case .meanDose: query = .meanDose
        case .maxDose: query = .maxDose
        case .minDose: query = .minDose
        case .volumeAtDoseGy(let g): query = limitUnit == .cc ? .volumeCCAtDose(g) : .volumePercentAtDose(g)
        case .volumeAtDosePercentOfPrescription(let pc):
            let g = pc / 100 * rx
            query = limitUnit == .cc ? .volumeCCAtDose(g) : .volumePercentAtDose(g)
        }
        let eqd2AlphaBeta: Double? = context.eqd2 != nil && usesAbsoluteDose(c) ? alphaBeta(c, protocol: p) : nil
        let raw: Double
        var physical: Double?
        do {
            if let ab = eqd2AlphaBeta {
                raw = try provider.value(query, structure: m.roi, eqd2AlphaBetaGy: ab)
                physical = try? provider.value(query, structure: m.roi)
            } else {
                raw = try provider.value(query, structure: m.roi)
            }
        } catch let e as QAError {
            return notEvaluable(e.message)
        } catch {
            return notEvaluable("\(error)")
        }
        guard raw.isFinite else { return notEvaluable("the value is not finite") }
        var value = raw
        var valueGy: Double?
        if c.metric.isDose && limitUnit == .percent {
            valueGy = raw
            value = 100 * raw / rx
        }
        let g: Grade
        if c.perProtocol.isSatisfied(by: value) {
            g = .perProtocol
        } else if let a = c.acceptable, a.isSatisfied(by: value) {
            g = .acceptableVariation
        } else {
            g = .unacceptableVariation
        }
        var r = ConstraintResult(constraint: c, match: m, value: value, unit: limitUnit.rawValue, valueGy: valueGy,
                                 grade: g, reason: nil, excludedFromOverall: false)
        if needsRx { r.prescriptionGy = rxInfo?.0; r.prescriptionSource = rxInfo?.1 }
        r.alphaBetaGy = eqd2AlphaBeta
        r.physicalValue = physical
        r.coveredFraction = covered
        return r
    }
}
