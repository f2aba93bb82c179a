import AnchorRT

/// The dose grid and structure set a DVH is computed from, chosen among the objects of one or more
/// loaded files, with what the reader should know about the choice.
///
/// Rules: a dose grid is needed, and a structure set. Among several doses, those with Dose Summation
/// Type PLAN or MULTI_PLAN are preferred (a plan sum over its beam doses), then those on the structure
/// set's frame of reference; among several structure sets, those on the dose's frame of reference. If
/// more than one candidate is left, the choice is the caller's (`ambiguousInput`, naming the files).
/// A dose and structure set on different frames of reference are not in one coordinate system unless a
/// registration relates them (PS3.3 C.7.4.1; Spatial Registration objects are not read): the mismatch is
/// kept in `frameOfReferenceMismatch`, and callers refuse the pair or flag every number computed from it.
public struct DVHInputs: Sendable {
    /// The dose grid chosen.
    public var dose: DoseGrid
    /// The structure set chosen.
    public var structureSet: StructureSet
    /// The plan the dose references (or the only plan given), for its prescription.
    public var plan: Plan?
    /// Doses given but not used, with why.
    public var dosesNotUsed: [(file: String, reason: String)]
    /// What the reader should know about the choice (frames of reference that differ, RELATIVE dose).
    public var warnings: [String]
    /// Set when the dose and the structure set are on different frames of reference: the sentence
    /// saying so. Their coordinates are then not known to be one system.
    public var frameOfReferenceMismatch: String?

    /// Inputs given directly.
    public init(dose: DoseGrid, structureSet: StructureSet, plan: Plan? = nil) {
        self.dose = dose
        self.structureSet = structureSet
        self.plan = plan
        dosesNotUsed = []
        warnings = []
    }

    /// Chooses the inputs among loaded objects. Throws `noDose`, `noStructureSet` or `ambiguousInput`.
    public static func select(from members: [Case.Member]) throws -> DVHInputs {
        var doses: [DoseGrid] = [], sets: [StructureSet] = [], plans: [Plan] = []
        for m in members {
            switch m.object {
            case .dose(let d): doses.append(d)
            case .structureSet(let s): sets.append(s)
            case .plan(let p): plans.append(p)
            default: break
            }
        }
        return try select(doses: doses, structureSets: sets, plans: plans)
    }

    /// Chooses among parsed objects (the rules above).
    public static func select(doses: [DoseGrid], structureSets: [StructureSet], plans: [Plan] = []) throws -> DVHInputs {
        guard !doses.isEmpty else { throw DosimetryError(.noDose, "no RT Dose with a dose grid among the inputs") }
        guard !structureSets.isEmpty else { throw DosimetryError(.noStructureSet, "no RT Structure Set among the inputs") }
        func name(_ d: DoseGrid) -> String { d.file ?? d.sopInstanceUID }
        func name(_ s: StructureSet) -> String { s.file ?? s.sopInstanceUID }
        var notUsed: [(String, String)] = []

        var candidates = doses
        let planSums = candidates.filter { ["PLAN", "MULTI_PLAN"].contains(($0.summationType ?? "").uppercased()) }
        if candidates.count > 1 && !planSums.isEmpty && planSums.count < candidates.count {
            for d in candidates where !planSums.contains(where: { $0.sopInstanceUID == d.sopInstanceUID }) {
                notUsed.append((name(d), "summation type \(d.summationType ?? "not given"); a PLAN dose was given"))
            }
            candidates = planSums
        }
        let setFORs = Set(structureSets.flatMap(\.frameOfReferenceUIDs))
        if candidates.count > 1 {
            let onFOR = candidates.filter { $0.frameOfReferenceUID.map(setFORs.contains) ?? false }
            if !onFOR.isEmpty && onFOR.count < candidates.count {
                for d in candidates where !onFOR.contains(where: { $0.sopInstanceUID == d.sopInstanceUID }) {
                    notUsed.append((name(d), "not on the structure set's frame of reference"))
                }
                candidates = onFOR
            }
        }
        guard candidates.count == 1 else {
            throw DosimetryError(.ambiguousInput, "\(candidates.count) RT Doses could be meant: \(candidates.map(name).joined(separator: ", ")); name one dose file")
        }
        let dose = candidates[0]

        var setCandidates = structureSets
        if setCandidates.count > 1, let f = dose.frameOfReferenceUID {
            let onFOR = setCandidates.filter { $0.frameOfReferenceUIDs.contains(f) }
            if !onFOR.isEmpty { setCandidates = onFOR }
        }
        guard setCandidates.count == 1 else {
            throw DosimetryError(.ambiguousInput, "\(setCandidates.count) RT Structure Sets could be meant: \(setCandidates.map(name).joined(separator: ", ")); name one structure set file")
        }
        let rs = setCandidates[0]

        var inputs = DVHInputs(dose: dose, structureSet: rs)
        inputs.dosesNotUsed = notUsed
        inputs.plan = plans.first { dose.referencedPlanUIDs.contains($0.sopInstanceUID) } ?? (plans.count == 1 ? plans[0] : nil)
        if let f = dose.frameOfReferenceUID, !rs.frameOfReferenceUIDs.isEmpty, !rs.frameOfReferenceUIDs.contains(f) {
            let why = "the dose is on frame of reference \(f), the structure set on \(rs.frameOfReferenceUIDs.joined(separator: ", ")): relating them needs a registration, which is out of scope"
            inputs.frameOfReferenceMismatch = why
            inputs.warnings.append(why)
        }
        if !dose.isGy {
            inputs.warnings.append("dose units are \(dose.units), not GY: doses and dose metrics are in those units")
        }
        inputs.warnings += dose.warnings.map { "dose: \($0)" }
        return inputs
    }
}
