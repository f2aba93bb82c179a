import AnchorDosimetry
import AnchorRT
import Foundation

/// The planning system's DVH of one structure (from the RT Dose's DVH Sequence, PS3.3 C.8.8.4) beside
/// Anchor's: volume, mean, maximum and the graded metrics, with the differences over the tolerances of
/// `GradingOptions` flagged. Both can be right by their own conventions (sampling at voxel centres or
/// by interpolation, end caps); a reviewer must see when they differ.
public struct TPSDVHComparison: Sendable {
    /// One quantity on both DVHs.
    public struct Row: Sendable {
        /// `volume`, `Dmean`, `Dmax`, or a graded metric (`D98%`, `V20Gy[%]` ...).
        public var quantity: String
        public var unit: String
        public var anchor: Double?
        public var tps: Double?
        /// True when the difference is over the tolerance.
        public var flagged: Bool
    }

    public var structure: String
    public var roiNumber: Int
    public var rows: [Row]
    /// Why a difference is flagged, or why the stored DVH could not be read.
    public var remarks: [String]
    public var flagged: Bool { rows.contains(where: \.flagged) || !remarks.isEmpty && rows.isEmpty }

    /// Compares the stored DVHs of the structures the evaluation graded.
    public static func compare(grading: CaseGrading, provider: DVHMetricProvider, evaluation: EvaluationResult,
                               options: GradingOptions) -> [TPSDVHComparison] {
        let stored = grading.dose.storedDVHs
        guard !stored.isEmpty else { return [] }
        var out: [TPSDVHComparison] = []
        var seen = Set<String>()
        let rx = evaluation.context.prescriptionGy
        for r in evaluation.results {
            guard let name = r.matchedStructure, !seen.contains(name),
                  let roi = grading.structureSet.rois.first(where: { $0.name == name }),
                  let s = stored.first(where: { $0.referencedROINumbers.contains(roi.number) }),
                  let anchor = provider.dvh(structure: name) else { continue }
            seen.insert(name)
            let queries = evaluation.results.filter { $0.matchedStructure == name && !$0.isEQD2 && $0.value != nil }
            out.append(compare(structure: name, roiNumber: roi.number, anchor: anchor, stored: s, graded: queries,
                               prescriptionGy: rx, options: options))
        }
        return out
    }

    /// Compares one structure. Volume differences are flagged over `tpsVolumeTolerancePercent` of Anchor's
    /// volume; dose differences over `tpsDoseTolerancePercentOfPrescription` of the prescription (of
    /// Anchor's maximum dose when no prescription is known, said in `remarks`).
    public static func compare(structure: String, roiNumber: Int, anchor: DVH, stored: DoseGrid.StoredDVH, graded: [ConstraintResult],
                               prescriptionGy: Double?, options: GradingOptions) -> TPSDVHComparison {
        var c = TPSDVHComparison(structure: structure, roiNumber: roiNumber, rows: [], remarks: [])
        let tps: DVH
        do { tps = try stored.dvh(structureVolumeCC: anchor.volumeCC) }
        catch let e as DosimetryError { c.remarks.append("the planning system's DVH cannot be read: \(e.message)"); return c }
        catch { c.remarks.append("the planning system's DVH cannot be read: \(error)"); return c }
        let doseReference = prescriptionGy ?? anchor.maxGy
        if prescriptionGy == nil { c.remarks.append("no prescription: dose differences judged against 1% of Anchor's maximum dose") }
        let doseTol = options.tpsDoseTolerancePercentOfPrescription / 100 * doseReference
        let volTolPercent = options.tpsVolumeTolerancePercent
        func doseRow(_ q: String, _ a: Double?, _ t: Double?) -> Row {
            Row(quantity: q, unit: "Gy", anchor: a, tps: t, flagged: a != nil && t != nil && abs(a! - t!) > doseTol)
        }
        let volFlag = abs(anchor.volumeCC - tps.volumeCC) > volTolPercent / 100 * anchor.volumeCC
        c.rows.append(Row(quantity: "volume", unit: "cc", anchor: anchor.volumeCC, tps: tps.volumeCC, flagged: volFlag))
        c.rows.append(doseRow("Dmean", anchor.meanGy, tps.meanGy))
        c.rows.append(doseRow("Dmax", anchor.maxGy, tps.maxGy))
        for r in graded {
            let m = r.constraint.metric
            let rx = r.prescriptionGy ?? prescriptionGy ?? 0
            let query: DoseVolumeQuery
            switch m {
            case .doseAtVolumePercent(let v): query = .doseAtVolumePercent(v)
            case .doseAtVolumeCC(let v): query = .doseAtVolumeCC(v)
            case .meanDose, .maxDose: continue
            case .minDose: query = .minDose
            case .volumeAtDoseGy(let g): query = r.unit == "cc" ? .volumeCCAtDose(g) : .volumePercentAtDose(g)
            case .volumeAtDosePercentOfPrescription(let p): query = r.unit == "cc" ? .volumeCCAtDose(p / 100 * rx) : .volumePercentAtDose(p / 100 * rx)
            }
            let a = try? DVHMetricProvider.read(query, from: anchor, structure: structure)
            let t = try? DVHMetricProvider.read(query, from: tps, structure: structure)
            if query.unit == "Gy" {
                c.rows.append(doseRow(query.description, a, t))
            } else {
                // Volumes: percent of the structure, or cc judged as a share of Anchor's volume.
                let tol = query.unit == "%" ? volTolPercent : volTolPercent / 100 * anchor.volumeCC
                c.rows.append(Row(quantity: query.description, unit: query.unit, anchor: a, tps: t,
                                  flagged: a != nil && t != nil && abs(a! - t!) > tol))
            }
        }
        for row in c.rows where row.flagged {
            c.remarks.append(String(format: "%@ differs: Anchor %.3f %@, planning system %.3f %@", row.quantity, row.anchor ?? .nan, row.unit, row.tps ?? .nan, row.unit))
        }
        return c
    }
}
