import AnchorRT
import Foundation

extension QAReport {
    /// The JSON document of `anchor check --json`: `protocol` (id, version, name, source, kind), `results`
    /// (structure, matched_structure, metric, value, unit, grade, limit, source, locator, confidence,
    /// objective, ...), `overall` (the worst grade), the prescription and age used and where they came
    /// from, the case, what was not matched, and `late_effects` (estimates beside the grades).
    public var json: JSON {
        let report = self
        let e = report.evaluation
        let p = e.protocolDefinition
        let s = report.caseSummary
        let results: [JSON] = e.results.map { r in
            .object([
                ("structure", .string(r.constraint.structure)),
                ("matched_structure", .from(r.matchedStructure)),
                ("metric", .string(r.constraint.metric.description)),
                ("value", .from(r.value)),
                ("unit", .string(r.unit)),
                ("grade", .string(r.grade.rawValue)),
                ("limit", .string(r.constraint.perProtocol.text)),
                ("source", .from(r.constraint.source)),
                ("acceptable_limit", .from(r.constraint.acceptable?.text)),
                ("value_gy", .from(r.valueGy)),
                ("age_band", .from(r.constraint.ageBand?.text)),
                ("optional", .bool(r.constraint.optional)),
                ("counts_in_overall", .bool(!r.excludedFromOverall)),
                ("reason", .from(r.reason)),
                ("note", .from(r.constraint.note)),
                ("locator", .from(r.constraint.locator)),
                ("confidence", .from(r.constraint.confidence)),
                ("objective", .bool(r.constraint.isObjective)),
                ("prescription_gy", .from(r.prescriptionGy)),
                ("prescription_source", .from(r.prescriptionSource?.rawValue)),
                ("eqd2", .bool(r.isEQD2)),
                ("alpha_beta_gy", .from(r.alphaBetaGy)),
                ("physical_value", .from(r.physicalValue)),
                ("covered_fraction", .from(r.coveredFraction)),
                ("derived_from", .from(r.derivedFrom)),
            ])
        }
        return .object([
            ("protocol", .object([("id", .string(p.id)), ("version", .string(p.version)), ("name", .string(p.name)),
                                  ("source", .string(p.source)), ("kind", .string(p.kind.rawValue))])),
            ("results", .array(results)),
            ("overall", .string(e.overall.rawValue)),
            ("prescription_gy", .from(e.context.prescriptionGy)),
            ("prescription_source", .string(e.context.prescriptionSource.rawValue)),
            ("target_prescriptions", .array(p.targetPrescriptions.compactMap { t in
                e.context.targetPrescriptions[t.target].map { v in
                    .object([("target", .string(t.target)), ("prescription_gy", .number(v.doseGy)), ("source", .string(v.source.rawValue))])
                }
            })),
            ("fractions", .from(e.context.fractions)),
            ("fractions_source", .string(e.context.fractionsSource.rawValue)),
            ("protocol_dose_per_fraction_gy", .number(p.dosePerFractionGy)),
            ("eqd2_applied", .bool(e.context.eqd2 != nil)),
            ("plan_dose_per_fraction_gy", .from(e.context.eqd2?.planDosePerFractionGy)),
            ("minimum_covered_fraction", .number(e.context.minimumCoveredFraction)),
            ("dose_problems", .array(e.context.doseProblems.map { .string($0) })),
            ("age_years", .from(e.context.ageYears)),
            ("age_source", .string(e.context.ageSource.rawValue)),
            ("case", .object([
                ("path", .from(s.path)), ("patient_id", .from(s.patientID)), ("plan_label", .from(s.planLabel)),
                ("plan_prescription_gy", .from(s.planPrescriptionGy)), ("fractions", .from(s.fractions)),
                ("structure_set_label", .from(s.structureSetLabel)), ("dose_file", .from(s.doseFile)),
                ("dose_summation_type", .from(s.doseSummationType)), ("dose_max_gy", .from(s.doseMaxGy)),
            ])),
            ("unmatched_structures", .array(e.unmatchedStructures.map { .string($0) })),
            ("unused_rois", .array(e.unusedROIs.map { .string($0) })),
            ("skipped_for_age", .array(e.skippedForAge.map { c in
                .object([("structure", .string(c.structure)), ("metric", .string(c.metric.description)), ("age_band", .from(c.ageBand?.text))])
            })),
            ("notes", .array(e.notes.map { .string($0) })),
            ("problems", .array(s.problems.map { .string($0) })),
            ("late_effects", LateEffectEstimate.json(report.lateEffects)),
            ("tps_dvh_comparison", .array(report.tpsComparison.map { c in
                .object([("structure", .string(c.structure)), ("roi_number", .int(c.roiNumber)), ("flagged", .bool(c.flagged)),
                         ("rows", .array(c.rows.map { r in
                             .object([("quantity", .string(r.quantity)), ("unit", .string(r.unit)), ("anchor", .from(r.anchor)),
                                      ("tps", .from(r.tps)), ("flagged", .bool(r.flagged))])
                         })),
                         ("remarks", .array(c.remarks.map { .string($0) }))])
            })),
        ])
    }
}
