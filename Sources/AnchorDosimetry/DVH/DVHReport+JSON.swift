import AnchorRT
import Foundation

extension DVHReport {
    /// Metric values of one structure, in order; a metric that cannot be had is nil with its reason.
    public static func evaluate(_ metrics: [DVHMetric], for s: StructureDose, prescription: PrescriptionContext?) -> [(metric: DVHMetric, value: Double?, note: String?)] {
        metrics.map { m in
            do { return (m, try s.value(of: m, prescription: prescription), nil) }
            catch let e as DosimetryError { return (m, nil, e.message) }
            catch { return (m, nil, "\(error)") }
        }
    }

    /// The report as `anchor dvh --json` prints it (snake_case keys, in this order): `dose`,
    /// `structure_set`, `prescription_gy` and its source, `convention`, `options`, `structures` (name,
    /// number, type, volume_cc, covered_volume_cc, covered_fraction, min_gy, max_gy, mean_gy, metrics,
    /// metric_notes, warnings, sampling, dvh), `skipped` (name, number, code, reason), `warnings`,
    /// `doses_not_used`. `dvh` is cumulative: `volume_cc[i]` is the volume receiving at least
    /// `dose_gy[i]`, every `dvhStepGy` from 0 to just above the maximum (omitted when `dvhStepGy` is nil).
    ///
    /// `tps_dvh` (per structure, when the RT Dose holds the planning system's DVH of that ROI, PS3.3
    /// C.8.8.4): its type, units, volume_cc, min_gy, mean_gy, max_gy and the same metrics read from it.
    /// `frame_of_reference_mismatch` says when the dose and structure set are on different frames of
    /// reference; `extra` adds top-level fields (the EQD2 conversion used).
    public func json(inputs: DVHInputs, metricsFor: (StructureDose) -> [DVHMetric], prescription: PrescriptionContext?,
                     prescriptionSource: String?, dvhStepGy: Double?, extraWarnings: [String] = [],
                     extra: [(String, JSON)] = []) -> JSON {
        let d = inputs.dose
        let sp = d.grid.spacing
        let doseJSON: JSON = .object([
            ("file", .from(d.file)),
            ("sop_instance_uid", .string(d.sopInstanceUID)),
            ("units", .string(d.units)),
            ("dose_type", .from(d.doseType)),
            ("summation_type", .from(d.summationType)),
            ("frame_of_reference_uid", .from(d.frameOfReferenceUID)),
            ("grid_size", .array([.int(d.grid.columns), .int(d.grid.rows), .int(d.grid.frames)])),
            ("spacing_mm", .numbers([sp.i, sp.j, d.grid.uniformFrameSpacing ?? sp.k])),
            ("orientation", .numbers(d.grid.rowDirection.array + d.grid.columnDirection.array)),
            ("max_gy", .number(d.maxValue)),
        ])
        let rs = inputs.structureSet
        let rsJSON: JSON = .object([
            ("file", .from(rs.file)),
            ("sop_instance_uid", .string(rs.sopInstanceUID)),
            ("label", .from(rs.label)),
            ("frame_of_reference_uids", .array(rs.frameOfReferenceUIDs.map { .string($0) })),
        ])
        let o = options
        let optionsJSON: JSON = .object([
            ("bin_width_gy", .number(structures.first?.dvh.binWidthGy ?? o.binWidthGy)),
            ("target_samples_per_structure", .int(o.targetSamplesPerStructure)),
            ("minimum_sample_spacing_mm", .number(o.minimumSampleSpacingMM)),
            ("end_cap", .string(o.endCap.rawValue)),
            ("grid_extent", .string(o.gridExtent.rawValue)),
            ("gap_factor", .number(o.gapFactor)),
            ("contour_spacing_mm", .from(o.contourSpacingMM)),
            ("single_plane_spacing_mm", .from(o.singlePlaneSpacingMM)),
            ("dvh_step_gy", .from(dvhStepGy)),
        ])
        let structureJSON: [JSON] = structures.map { s in
            let values = Self.evaluate(metricsFor(s), for: s, prescription: prescription)
            var fields: [(String, JSON)] = [
                ("name", .string(s.name)),
                ("number", .int(s.roiNumber)),
                ("type", .from(s.interpretedType)),
                ("volume_cc", .number(round6(s.volumeCC))),
                ("covered_volume_cc", .number(round6(s.coveredVolumeCC))),
                ("covered_fraction", .number(round6(s.coveredFraction))),
                ("min_gy", .number(round6(s.minGy))),
                ("max_gy", .number(round6(s.maxGy))),
                ("mean_gy", .number(round6(s.meanGy))),
                ("metrics", .object(values.map { ($0.metric.name, JSON.from($0.value.map(round6))) })),
            ]
            let notes = values.compactMap { v in v.note.map { (v.metric.name, JSON.string($0)) } }
            if !notes.isEmpty { fields.append(("metric_notes", .object(notes))) }
            fields.append(("warnings", .array(s.warnings.map { .string($0) })))
            if let stored = d.storedDVHs.first(where: { $0.referencedROINumbers.contains(s.roiNumber) }) {
                fields.append(("tps_dvh", Self.tpsJSON(stored, structure: s, metrics: metricsFor(s), prescription: prescription)))
            }
            let l = s.sampling.lattice
            fields.append(("sampling", .object([
                ("aligned_with_dose_grid", .bool(s.sampling.alignedWithDoseGrid)),
                ("contour_planes", .int(s.sampling.contourPlanes)),
                ("contour_spacing_mm", .number(round6(s.sampling.nominalSpacingMM))),
                ("contour_spacing_source", .string(s.sampling.spacingSource)),
                ("sample_spacing_mm", .numbers([l.spacingUMM, l.spacingVMM, l.spacingWMM].map(round6))),
                ("subdivisions_per_voxel", .array([.int(l.subdivisionsI), .int(l.subdivisionsJ)])),
                ("samples", .int(s.sampling.sampleCount)),
            ])))
            if let step = dvhStepGy {
                let c = s.dvh.cumulative(stepGy: step)
                fields.append(("dvh", .object([("dose_gy", .numbers(c.doseGy)), ("volume_cc", .numbers(c.volumeCC.map(round6)))])))
            }
            return .object(fields)
        }
        let skippedJSON: [JSON] = skipped.map { k in
            .object([("name", .string(k.name)), ("number", .from(k.roiNumber)), ("code", .string(k.error.code.rawValue)), ("reason", .string(k.reason))])
        }
        return .object([
            ("dose", doseJSON),
            ("structure_set", rsJSON),
            ("prescription_gy", .from(prescription?.prescriptionGy)),
            ("prescription_source", .from(prescriptionSource)),
            ("prescription_isodose_volume_cc", .from(prescription.map { round6($0.prescriptionIsodoseVolumeCC) })),
            ("convention", .string(convention)),
            ("options", optionsJSON),
            ("structures", .array(structureJSON)),
            ("skipped", .array(skippedJSON)),
            ("warnings", .array((inputs.warnings + extraWarnings).map { .string($0) })),
            ("doses_not_used", .array(inputs.dosesNotUsed.map { .object([("file", .string($0.file)), ("reason", .string($0.reason))]) })),
            ("frame_of_reference_mismatch", .from(inputs.frameOfReferenceMismatch)),
        ] + extra)
    }

    /// The planning system's stored DVH of a structure as JSON, with the same metrics read from it.
    static func tpsJSON(_ stored: DoseGrid.StoredDVH, structure s: StructureDose, metrics: [DVHMetric], prescription: PrescriptionContext?) -> JSON {
        var fields: [(String, JSON)] = [("type", .from(stored.type)), ("dose_units", .from(stored.doseUnits)), ("volume_units", .from(stored.volumeUnits))]
        do {
            let t = try stored.dvh(structureVolumeCC: s.volumeCC)
            fields += [("volume_cc", .number(round6(t.volumeCC))), ("min_gy", .number(round6(t.minGy))), ("mean_gy", .number(round6(t.meanGy))),
                       ("max_gy", .number(round6(t.maxGy)))]
            // CI and GI need the whole dose grid, which a stored DVH does not have.
            let values: [(String, JSON)] = metrics.filter { !$0.needsPrescription }.map { m in
                (m.name, JSON.from((try? t.value(of: m, prescription: prescription, structure: s.name)).map(round6)))
            }
            fields.append(("metrics", .object(values)))
        } catch let e as DosimetryError {
            fields.append(("error", .string(e.message)))
        } catch {
            fields.append(("error", .string("\(error)")))
        }
        return .object(fields)
    }
}

/// Rounds to 6 decimals (µGy, mm³/1000): keeps the output readable without hiding anything measurable.
func round6(_ x: Double) -> Double {
    guard x.isFinite, abs(x) < 1e12 else { return x }
    return (x * 1e6).rounded() / 1e6
}
