import Foundation

/// Where the prescription used for percent-of-prescription limits came from.
public enum PrescriptionSource: String, Sendable {
    case commandLine = "command_line"
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
    /// Not known: every age band is evaluated.
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

    public init(prescriptionGy: Double? = nil, prescriptionSource: PrescriptionSource = .none,
                ageYears: Double? = nil, ageSource: AgeSource = .unknown) {
        self.prescriptionGy = prescriptionGy
        self.prescriptionSource = prescriptionSource
        self.ageYears = ageYears
        self.ageSource = ageSource
    }

    /// The prescription by precedence: the command line, then the plan, then the protocol.
    public static func resolvePrescription(commandLine: Double?, plan: Double?, protocol p: Double?) -> (Double?, PrescriptionSource) {
        if let c = commandLine { return (c, .commandLine) }
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

    public var matchedStructure: String? { match?.roi }
}

/// The graded plan.
public struct EvaluationResult: Sendable {
    public var protocolDefinition: TreatmentProtocol
    public var context: EvaluationContext
    public var results: [ConstraintResult]
    /// Constraints left out because the patient's age is outside their band.
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
        case .plan: notes.append("prescription \(fmt(context.prescriptionGy)) Gy from the plan")
        case .protocol: notes.append("prescription \(fmt(context.prescriptionGy)) Gy from the protocol (the plan gives none)")
        case .none: notes.append("no prescription known: percent-of-prescription limits are not evaluable")
        }
        switch (context.ageYears, context.ageSource) {
        case (let a?, .commandLine): notes.append("age \(fmt(a)) years from the command line")
        case (let a?, .submission): notes.append("age \(fmt(a)) years as given with the submission")
        case (let a?, _): notes.append("age \(fmt(a)) years from Patient's Age (0010,1010)")
        default:
            if p.constraints.contains(where: { $0.ageBand != nil }) {
                notes.append("age unknown: constraints of every age band were evaluated")
            }
        }

        for c in p.constraints {
            if let band = c.ageBand, let age = context.ageYears, !band.contains(age) {
                skipped.append(c)
                continue
            }
            let unit = c.perProtocol.unit.rawValue
            // A name with `*` grades every ROI it matches, each on its own row (e.g. every vertebral body).
            let patterns = ([c.structure] + c.aliases).filter { $0.contains("*") }
            let patternHits = patterns.flatMap { matcher.matchAll(pattern: $0) }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            if !patternHits.isEmpty {
                for roi in patternHits {
                    used.insert(roi)
                    results.append(grade(c, roi: StructureMatcher.Match(roi: roi, via: patterns[0], level: .normalised, alsoMatching: []),
                                         provider: provider, prescriptionGy: context.prescriptionGy))
                }
                continue
            }
            guard let m = matcher.match(structure: c.structure, aliases: c.aliases.filter { !$0.contains("*") }) else {
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
            results.append(grade(c, roi: m, provider: provider, prescriptionGy: context.prescriptionGy))
        }
        let unused = provider.structureNames.filter { !used.contains($0) }
        return EvaluationResult(protocolDefinition: p, context: context, results: results, skippedForAge: skipped,
                                unmatchedStructures: unmatched, unusedROIs: unused, notes: notes)
    }

    static func fmt(_ v: Double?) -> String { v.map { String(format: "%g", $0) } ?? "?" }

    /// Resolves the metric and limit to an absolute query, reads it, and grades it.
    static func grade(_ c: Constraint, roi m: StructureMatcher.Match, provider: MetricProvider, prescriptionGy: Double?) -> ConstraintResult {
        let limitUnit = c.perProtocol.unit
        func notEvaluable(_ why: String) -> ConstraintResult {
            ConstraintResult(constraint: c, match: m, value: nil, unit: limitUnit.rawValue, valueGy: nil,
                             grade: .notEvaluable, reason: why, excludedFromOverall: false)
        }
        let needsRx = c.metric.needsPrescription || (c.metric.isDose && limitUnit == .percent)
        if needsRx && prescriptionGy == nil {
            return notEvaluable("needs a prescription dose (give --prescription, or prescription_gy in the protocol)")
        }
        let rx = prescriptionGy ?? 0
        let query: DoseVolumeQuery
        switch c.metric {
        case .doseAtVolumePercent(let v): query = .doseAtVolumePercent(v)
        case .doseAtVolumeCC(let v): query = .doseAtVolumeCC(v)
        case .meanDose: query = .meanDose
        case .maxDose: query = .maxDose
        case .minDose: query = .minDose
        case .volumeAtDoseGy(let g): query = limitUnit == .cc ? .volumeCCAtDose(g) : .volumePercentAtDose(g)
        case .volumeAtDosePercentOfPrescription(let p):
            let g = p / 100 * rx
            query = limitUnit == .cc ? .volumeCCAtDose(g) : .volumePercentAtDose(g)
        }
        let raw: Double
        do {
            raw = try provider.value(query, structure: m.roi)
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
        return ConstraintResult(constraint: c, match: m, value: value, unit: limitUnit.rawValue, valueGy: valueGy,
                                grade: g, reason: nil, excludedFromOverall: false)
    }
}
