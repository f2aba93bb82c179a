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
    public var source: Case

    /// Picks the objects to grade with the DVH engine's own rule (`DVHInputs.select`, shared with
    /// `anchor dvh`): a dose of summation type PLAN or MULTI_PLAN first (the whole plan's dose, PS3.3
    /// C.8.8.3 Dose Summation Type), then one on the structure set's frame of reference; the structure
    /// set on the dose's frame of reference; the plan the dose references. Throws `notGradable` when the
    /// case has no structure set or no dose, or when the choice is ambiguous.
    public init(_ c: Case) throws {
        source = c
        let inputs: DVHInputs
        do {
            inputs = try DVHInputs.select(doses: c.doses, structureSets: c.structureSets, plans: c.plans)
        } catch let e as DosimetryError {
            throw QAError(.notGradable, e.message)
        }
        var remarks = inputs.warnings
        for (file, reason) in inputs.dosesNotUsed {
            remarks.append("dose \((file as NSString).lastPathComponent) not used: \(reason)")
        }
        if let s = inputs.dose.summationType, !["PLAN", "MULTI_PLAN"].contains(s.uppercased()) {
            remarks.append("the dose graded has summation type \(s), not PLAN: grades describe that dose only")
        }
        structureSet = inputs.structureSet
        dose = inputs.dose
        plan = inputs.plan
        self.remarks = remarks
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

    /// The ROIs the protocol's constraints match (each once, in structure-set order).
    public func matchedROIs(for p: TreatmentProtocol) -> [StructureSet.ROI] {
        let matcher = StructureMatcher(roiNames: structureSet.rois.map(\.name))
        var names = Set(p.constraints.compactMap { matcher.match(structure: $0.structure, aliases: $0.aliases)?.roi })
        // Names with `*` (every vertebral body, `VB_*`) grade every ROI they match, so each needs a DVH.
        for c in p.constraints { for n in [c.structure] + c.aliases where n.contains("*") { names.formUnion(matcher.matchAll(pattern: n)) } }
        return structureSet.rois.filter { names.contains($0.name) }
    }

    /// Computes the DVHs of the matched ROIs and returns a provider over them.
    public func provider(for p: TreatmentProtocol, options: DVHOptions = .default) throws -> DVHMetricProvider {
        let calc: DVHCalculator
        do { calc = try DVHCalculator(dose: dose, options: options) }
        catch let e as DosimetryError { throw QAError(.notGradable, "the dose grid cannot be used: \(e.message)") }
        let rois = matchedROIs(for: p)
        let (structures, skipped) = calc.compute(rois, in: structureSet)
        var dvhs: [String: DVH] = [:]
        for s in structures where dvhs[s.name] == nil { dvhs[s.name] = s.dvh }
        var failures: [String: String] = [:]
        for s in skipped { failures[s.name] = s.error.message }
        return DVHMetricProvider(structureNames: structureSet.rois.map(\.name), dvhs: dvhs, failures: failures)
    }

    /// The case summary for the report.
    public func summary(path: String?) -> CaseSummary {
        CaseSummary(path: path, patientID: source.patientID, planLabel: plan?.label, planName: plan?.name,
                    radiationType: plan?.radiationType, fractions: plan?.fractionCount, planPrescriptionGy: plan?.prescriptionGy,
                    structureSetLabel: structureSet.label, roiCount: structureSet.rois.count, doseFile: dose.file,
                    doseSummationType: dose.summationType, doseMaxGy: dose.maxValue, problems: source.problems + remarks)
    }
}
