import AnchorDICOM
import AnchorDosimetry
import AnchorRT
import Foundation

/// Grades a DICOM-RT case: picks its structure set, dose and plan, computes the DVHs of the structures
/// the protocol names (and only those), and evaluates the protocol on them.
public struct CaseGrading: Sendable {
    public var structureSet: StructureSet
    public var dose: DoseGrid
    public var plan: Plan?
    /// Choices made when the case held more than one candidate, and what was wrong with it.
    public var remarks: [String]
    /// Why the dose cannot be graded (empty when it can): not in Gy, Dose Type not PHYSICAL or
    /// EFFECTIVE, not a plan sum, missing Dose Units or Dose Grid Scaling, another frame of reference.
    public var doseProblems: [String]
    /// How the dose graded was made when it is not one file (a sum of BEAM or FRACTION doses), and
    /// what the reader must know about its type (EFFECTIVE: RBE-weighted).
    public var doseStatements: [String]
    /// ROI names used by more than one ROI, with their ROI numbers.
    public var duplicateROINames: [String: [Int]]
    public var source: Case

    /// Picks the objects to grade. Doses: a PLAN or MULTI_PLAN sum first (PS3.3 C.8.8.3 Dose Summation
    /// Type); else the BEAM doses (or FRACTION doses) of one plan, summed when together they hold each of
    /// its beams (fraction groups) once; else the one dose given, not graded. The structure set on the
    /// dose's frame of reference; the plan the dose references (or the only plan, when the dose references
    /// none). Throws `notGradable` when the case has no structure set or no dose, or when the choice is
    /// ambiguous. Every reason the dose cannot be graded is kept in `doseProblems`.
    public init(_ c: Case) throws {
        source = c
        var remarks: [String] = []
        var doseProblems: [String] = []
        var statements: [String] = []
        var doses = c.doses
        let isPlanSum: (DoseGrid) -> Bool = { ["PLAN", "MULTI_PLAN"].contains(($0.summationType ?? "").uppercased()) }
        if !doses.contains(where: isPlanSum), doses.count >= 1 {
            if let (summed, note, used) = try CaseGrading.planSum(of: doses, plans: c.plans) {
                doses = [summed]
                statements.append(note)
                if used.count < c.doses.count { remarks.append("\(c.doses.count - used.count) other dose(s) not used") }
            }
        }
        let inputs: DVHInputs
        do {
            inputs = try DVHInputs.select(doses: doses, structureSets: c.structureSets, plans: c.plans)
        } catch let e as DosimetryError {
            throw QAError(.notGradable, e.message)
        }
        for w in inputs.warnings where w != inputs.frameOfReferenceMismatch { remarks.append(w) }
        for (file, reason) in inputs.dosesNotUsed {
            remarks.append("dose \((file as NSString).lastPathComponent) not used: \(reason)")
        }
        let d = inputs.dose
        if let why = inputs.frameOfReferenceMismatch { doseProblems.append(why) }
        if !d.unitsStated { doseProblems.append("Dose Units (3004,0002) is missing, so the unit of the dose is not known") }
        else if !d.isGy { doseProblems.append("Dose Units is \(d.units), not GY: limits in Gy cannot be applied") }
        if !d.scalingStated { doseProblems.append("Dose Grid Scaling (3004,000E) is missing, so the stored values cannot be turned into dose") }
        switch (d.doseType ?? "").uppercased() {
        case "PHYSICAL": break
        case "EFFECTIVE":
            statements.append("Dose Type is EFFECTIVE: the dose is graded as given, an effective (for ions RBE-weighted) dose, against the protocol's limits")
        case "": doseProblems.append("Dose Type (3004,0004) is missing: PHYSICAL or EFFECTIVE dose is needed")
        default: doseProblems.append("Dose Type is \(d.doseType!), not PHYSICAL or EFFECTIVE")
        }
        if !isPlanSum(d) {
            doseProblems.append("Dose Summation Type is \(d.summationType ?? "missing"), not PLAN, and the case's doses do not make one plan's complete set of beams")
        }
        // The plan: the one the dose references; the only plan only when the dose references none.
        var plan = inputs.plan
        if !d.referencedPlanUIDs.isEmpty, !c.plans.contains(where: { d.referencedPlanUIDs.contains($0.sopInstanceUID) }) {
            plan = nil
            if !c.plans.isEmpty {
                remarks.append("the dose references plan \(d.referencedPlanUIDs.joined(separator: ", ")), which is not in the case; the case's plan(s) \(c.plans.map { $0.label ?? $0.sopInstanceUID }.joined(separator: ", ")) not used for the prescription or fractions")
            }
        } else if d.referencedPlanUIDs.isEmpty && c.plans.count > 1 {
            plan = nil
            remarks.append("\(c.plans.count) plans in the case (\(c.plans.map { $0.label ?? $0.sopInstanceUID }.joined(separator: ", "))) and the dose references none: no plan prescription or fractions used")
        } else if c.plans.count > 1, let p = plan {
            remarks.append("\(c.plans.count) plans in the case; the one the dose references (\(p.label ?? p.sopInstanceUID)) used")
        }
        var duplicates: [String: [Int]] = [:]
        for r in inputs.structureSet.rois { duplicates[r.name, default: []].append(r.number) }
        duplicates = duplicates.filter { $0.value.count > 1 }
        for (name, numbers) in duplicates.sorted(by: { $0.key < $1.key }) {
            remarks.append("\(numbers.count) ROIs are named '\(name)' (ROI numbers \(numbers.map(String.init).joined(separator: ", "))): constraints on that name are not graded")
        }
        structureSet = inputs.structureSet
        dose = d
        self.plan = plan
        self.remarks = remarks
        self.doseProblems = doseProblems
        self.doseStatements = statements
        self.duplicateROINames = duplicates
    }

    /// The plan dose made of a plan's BEAM doses (each beam of its fraction groups once) or FRACTION doses
    /// (each fraction group once), when the case's doses hold such a set; nil otherwise.
    static func planSum(of doses: [DoseGrid], plans: [Plan]) throws -> (DoseGrid, String, [DoseGrid])? {
        for plan in plans {
            let mine = doses.filter { $0.referencedPlanUIDs.contains(plan.sopInstanceUID) }
            let groups = plan.fractionGroups.compactMap(\.number)
            let beamNumbers = plan.fractionGroups.flatMap { $0.beams.map(\.number) }
            let planBeams = (beamNumbers.isEmpty ? plan.beams.map(\.number) : beamNumbers).sorted()
            let beamDoses = mine.filter { ($0.summationType ?? "").uppercased() == "BEAM" }
            let fractionDoses = mine.filter { ($0.summationType ?? "").uppercased() == "FRACTION" }
            var chosen: [DoseGrid] = []
            var what = ""
            if !beamDoses.isEmpty {
                let referenced = beamDoses.flatMap(\.referencedBeamNumbers).sorted()
                if !planBeams.isEmpty && referenced == planBeams && beamDoses.allSatisfy({ !$0.referencedBeamNumbers.isEmpty }) {
                    chosen = beamDoses
                    what = "beams \(planBeams.map(String.init).joined(separator: ", "))"
                }
            } else if !fractionDoses.isEmpty {
                // A FRACTION dose is the whole delivery of one fraction group (PS3.3 C.8.8.3, Dose Summation Type); one of a
                // one-group plan is the plan dose; a per-beam FRACTION dose must name its beams.
                let perBeam = fractionDoses.allSatisfy { !$0.referencedBeamNumbers.isEmpty }
                if perBeam {
                    let referenced = fractionDoses.flatMap(\.referencedBeamNumbers).sorted()
                    if !planBeams.isEmpty && referenced == planBeams {
                        chosen = fractionDoses
                        what = "beams \(planBeams.map(String.init).joined(separator: ", "))"
                    }
                } else {
                    var referenced = fractionDoses.flatMap(\.referencedFractionGroupNumbers).sorted()
                    if referenced.isEmpty && fractionDoses.count == 1 && groups.count == 1 { referenced = groups }
                    if !groups.isEmpty && referenced == groups.sorted() && referenced.count == fractionDoses.count {
                        chosen = fractionDoses
                        what = "fraction group(s) \(groups.map(String.init).joined(separator: ", "))"
                    }
                }
            }
            guard !chosen.isEmpty else { continue }
            let type = chosen[0].summationType ?? ""
            if chosen.count == 1 {
                var d = chosen[0]
                d.summationType = "PLAN"
                return (d, "the \(type) dose \(d.file.map { ($0 as NSString).lastPathComponent } ?? d.sopInstanceUID) holds all of plan \(plan.label ?? plan.sopInstanceUID) (\(what)): graded as the plan dose", chosen)
            }
            let (sum, how) = try {
                do { return try DoseSummation.sum(chosen, sopInstanceUID: chosen[0].sopInstanceUID + ".sum") }
                catch let e as DosimetryError { throw QAError(.notGradable, "the \(type) doses of plan \(plan.label ?? plan.sopInstanceUID) cannot be summed: \(e.message)") }
            }()
            return (sum, "graded dose: \(how), making plan \(plan.label ?? plan.sopInstanceUID) (\(what))", chosen)
        }
        return nil
    }

    /// Patient's Age (0010,1010) in years from any file of the case: PS3.5 AS value `nnnD`, `nnnW`,
    /// `nnnM` or `nnnY`.
    public static func patientAgeYears(_ files: [DICOMFile]) -> Double? {
        for f in files {
            if let s = f.dataSet.string(.patientAge), let y = parseAge(s) { return y }
        }
        return nil
    }

    /// Parses an AS value (PS3.5 Table 6.2-1): three digits and D, W, M or Y.
    public static func parseAge(_ s: String) -> Double? {
        let t = s.trimmingCharacters(in: .whitespaces).uppercased()
        guard let unit = t.last, let n = Double(t.dropLast()) else { return nil }
        switch unit {
        case "Y": return n
        case "M": return n / 12
        case "W": return n * 7 / 365.25
        case "D": return n / 365.25
        default: return nil
        }
    }

    /// The ROIs the protocol's constraints match, by name or `*` pattern (each once, in structure-set order).
    public func matchedROIs(for p: TreatmentProtocol) -> [StructureSet.ROI] {
        let matcher = StructureMatcher(roiNames: structureSet.rois.map(\.name))
        var names = Set<String>()
        for c in p.constraints {
            if let m = matcher.match(structure: c.structure, aliases: c.aliases.filter { !$0.contains("*") }) { names.insert(m.roi) }
            for pattern in ([c.structure] + c.aliases) where pattern.contains("*") { names.formUnion(matcher.matchAll(pattern: pattern)) }
        }
        return structureSet.rois.filter { names.contains($0.name) }
    }

    /// Computes the DVHs of the matched ROIs (and their EQD2 DVHs when `eqd2` is set) and returns a
    /// provider over them. ROIs whose name is used twice get no DVH (the reason says so).
    public func provider(for p: TreatmentProtocol, options: DVHOptions = .default,
                         eqd2: EvaluationContext.EQD2Conversion? = nil) throws -> DVHMetricProvider {
        let calc: DVHCalculator
        do { calc = try DVHCalculator(dose: dose, options: options) }
        catch let e as DosimetryError { throw QAError(.notGradable, "the dose grid cannot be used: \(e.message)") }
        let rois = matchedROIs(for: p).filter { duplicateROINames[$0.name] == nil }
        let (derived, derivedFailures, definitions) = derivedStructures(for: p)
        let (structures, skipped) = calc.compute(rois, derived: derived, in: structureSet)
        var dvhs: [String: DVH] = [:]
        var covered: [String: Double] = [:]
        for s in structures where dvhs[s.name] == nil { dvhs[s.name] = s.dvh; covered[s.name] = s.coveredFraction }
        var failures: [String: String] = [:]
        for s in skipped { failures[s.name] = s.error.message }
        for (name, why) in derivedFailures { failures[name] = why }
        for (name, numbers) in duplicateROINames {
            failures[name] = "\(numbers.count) ROIs are named '\(name)' (ROI numbers \(numbers.map(String.init).joined(separator: ", "))): which one is meant cannot be told"
        }
        var eqd2DVHs: [String: [Double: DVH]] = [:]
        if let e = eqd2 {
            // One EQD2 grid per α/β the protocol's dose limits use, on the ROIs those constraints match.
            var byAlphaBeta: [Double: Set<String>] = [:]
            let matcher = StructureMatcher(roiNames: structureSet.rois.map(\.name))
            for c in p.constraints where ProtocolEvaluator.usesAbsoluteDose(c) {
                var names = Set<String>(([c.structure] + c.aliases).filter { definitions[$0] != nil })
                if let m = matcher.match(structure: c.structure, aliases: c.aliases.filter { !$0.contains("*") }) { names.insert(m.roi) }
                for pattern in ([c.structure] + c.aliases) where pattern.contains("*") { names.formUnion(matcher.matchAll(pattern: pattern)) }
                byAlphaBeta[ProtocolEvaluator.alphaBeta(c, protocol: p), default: []].formUnion(names)
            }
            for (ab, names) in byAlphaBeta.sorted(by: { $0.key < $1.key }) {
                let converted: DVHCalculator
                do { converted = try DVHCalculator(dose: try EQD2.grid(dose, fractions: e.fractions, alphaBetaGy: ab), options: options) }
                catch let err as DosimetryError { throw QAError(.notGradable, "the EQD2 dose cannot be computed: \(err.message)") }
                let (eq, _) = converted.compute(rois.filter { names.contains($0.name) }, derived: derived.filter { names.contains($0.name) }, in: structureSet)
                for s in eq where eqd2DVHs[s.name]?[ab] == nil { eqd2DVHs[s.name, default: [:]][ab] = s.dvh }
            }
        }
        var provider = DVHMetricProvider(structureNames: structureSet.rois.map(\.name), dvhs: dvhs, failures: failures,
                                         coveredFractions: covered, eqd2DVHs: eqd2DVHs)
        provider.derived = definitions
        return provider
    }

    /// The protocol's derived structures a constraint needs because no ROI matches its name (or its
    /// aliases): each with the ROIs its operands match; those whose operands are missing or ambiguous,
    /// with why; and the definition of each (with the ROIs used) for the report.
    func derivedStructures(for p: TreatmentProtocol) -> (computable: [(name: String, expression: StructureExpression, operands: [StructureSet.ROI])],
                                                        failures: [String: String], definitions: [String: String]) {
        let matcher = StructureMatcher(roiNames: structureSet.rois.map(\.name))
        var computable: [(String, StructureExpression, [StructureSet.ROI])] = []
        var failures: [String: String] = [:]
        var definitions: [String: String] = [:]
        for d in p.derivedStructures where definitions[d.name] == nil {
            let needed = p.constraints.contains { c in
                ([c.structure] + c.aliases).contains(d.name)
                    && matcher.match(structure: c.structure, aliases: c.aliases.filter { !$0.contains("*") }) == nil
                    && !([c.structure] + c.aliases).contains { $0.contains("*") && !matcher.matchAll(pattern: $0).isEmpty }
            }
            guard needed else { continue }
            var rois: [StructureSet.ROI] = []
            var problems: [String] = []
            for o in d.operands {
                guard let m = matcher.match(structure: o) else { problems.append("no ROI matches \(o)"); continue }
                if let numbers = duplicateROINames[m.roi] { problems.append("\(numbers.count) ROIs are named '\(m.roi)'"); continue }
                rois.append(structureSet.rois.first { $0.name == m.roi }!)
            }
            let used = rois.map { "'\($0.name)'" }.joined(separator: ", ")
            definitions[d.name] = d.definition + (problems.isEmpty ? " (ROIs \(used))" : "")
            if problems.isEmpty {
                computable.append((d.name, d.expression, rois))
            } else {
                failures[d.name] = "derived structure \(d.name) = \(d.definition) cannot be made: " + problems.joined(separator: "; ")
            }
        }
        return (computable, failures, definitions)
    }

    /// The case summary for the report.
    public func summary(path: String?) -> CaseSummary {
        CaseSummary(path: path, patientID: source.patientID, planLabel: plan?.label, planName: plan?.name,
                    radiationType: plan?.radiationType, fractions: plan?.fractionCount, planPrescriptionGy: plan?.prescriptionGy,
                    structureSetLabel: structureSet.label, roiCount: structureSet.rois.count, doseFile: dose.file,
                    doseSummationType: dose.summationType, doseMaxGy: dose.maxValue,
                    problems: source.problems + remarks + doseProblems.map { "dose not graded: \($0)" } + doseStatements)
    }
}
