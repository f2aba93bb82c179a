import AnchorDICOM
import AnchorRT
import ArgumentParser
import Foundation

/// `anchor inspect PATH... [--json]`: what each DICOM file is, and the cases the files make.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Read DICOM files or folders (recursively) and describe every object and the cases they form.",
        discussion: """
        For each object: file, SOP class, modality, transfer syntax, UIDs, and by type the image series \
        geometry and stored pixel range, the structure set's ROIs, the dose grid, or the plan's beams and \
        prescription. Then the cases found (files grouped by patient and linked by UID and frame of \
        reference) and what is missing or inconsistent in each.

        Files inside folders that are not DICOM at all are listed as skipped. Exit status: 0 when every \
        input was read, 65 when an input was not DICOM or was damaged (the others are still reported), \
        66 when a path does not exist.
        """
    )

    @Argument(help: "DICOM files or folders.")
    var paths: [String]

    @Flag(help: "Print one JSON document (snake_case keys) instead of text.")
    var json = false

    func run() throws {
        let progress = ProgressLine("Reading files", enabled: !json)
        let loaded = DICOMLoader.load(paths, progress: { progress.update($0, $1) })
        progress.finish()
        let report = InspectReport(loaded)
        if json {
            print(report.json.serialized())
        } else {
            print(report.text, terminator: "")
        }
        if !loaded.missingPaths.isEmpty { throw ExitCode(ExitStatus.noInput) }
        if !loaded.failures.isEmpty { throw ExitCode(ExitStatus.dataError) }
    }
}

/// The content of `anchor inspect`, as JSON and as text.
struct InspectReport {
    let loaded: LoadResult
    let cases: [Case]
    /// (series, stored min, stored max) or the error that stopped decoding.
    let seriesRanges: [String: Result<(Double, Double), Error>]

    init(_ loaded: LoadResult) {
        self.loaded = loaded
        cases = Case.assemble(loaded.members)
        var ranges: [String: Result<(Double, Double), Error>] = [:]
        for c in cases {
            for s in c.series {
                ranges[s.seriesInstanceUID] = Result { let v = try ImageVolume(series: s); return (v.minStoredValue, v.maxStoredValue) }
            }
        }
        seriesRanges = ranges
    }

    var json: JSON {
        var objects: [JSON] = []
        for m in loaded.members { objects.append(.object(objectFields(m))) }
        for f in loaded.failures {
            objects.append(.object([
                ("file", .string(f.file)),
                ("error", .object([("code", .string(f.code)), ("message", .string(f.message)),
                                   ("offset", .from(f.offset)), ("tag", .from(f.tag?.description))])),
            ]))
        }
        let series: [JSON] = cases.flatMap(\.series).map { .object(seriesFields($0)) }
        let caseList: [JSON] = cases.map { c in
            .object([
                ("patient_id", .from(c.patientID)),
                ("study_instance_uids", .array(c.studyInstanceUIDs.map { .string($0) })),
                ("image_series", .array(c.series.map { .string($0.seriesInstanceUID) })),
                ("structure_sets", .array(c.structureSets.map { .string($0.sopInstanceUID) })),
                ("plans", .array(c.plans.map { .string($0.sopInstanceUID) })),
                ("doses", .array(c.doses.map { .string($0.sopInstanceUID) })),
                ("other_objects", .array(c.others.map { .string($0) })),
                ("problems", .array(c.problems.map { .string($0) })),
            ])
        }
        return .object([
            ("objects", .array(objects)),
            ("series", .array(series)),
            ("cases", .array(caseList)),
            ("skipped", .array(loaded.skipped.map { .string($0) })),
            ("missing_paths", .array(loaded.missingPaths.map { .string($0) })),
        ])
    }

    func objectFields(_ m: Case.Member) -> [(String, JSON)] {
        let f = m.file, ds = f.dataSet
        var o: [(String, JSON)] = [
            ("file", .from(f.path)),
            ("sop_class_uid", .from(f.sopClassUID)),
            ("sop_class_name", .from(f.sopClassUID.flatMap(DataDictionary.uidName))),
            ("modality", .from(f.modality)),
            ("transfer_syntax_uid", .string(f.transferSyntax.uid)),
            ("transfer_syntax_name", .string(f.transferSyntax.name)),
            ("patient_id", .from(ds.string(.patientID))),
            ("study_instance_uid", .from(ds.string(.studyInstanceUID))),
            ("series_instance_uid", .from(ds.string(.seriesInstanceUID))),
            ("sop_instance_uid", .from(f.sopInstanceUID)),
            ("frame_of_reference_uid", .from(ds.string(.frameOfReferenceUID))),
        ]
        switch m.object {
        case .image(let s):
            o += [("type", .string("image")), ("rows", .int(s.rows)), ("columns", .int(s.columns)),
                  ("image_position", .numbers(s.position.array))]
        case .structureSet(let rs):
            o += [("type", .string("structure_set")), ("label", .from(rs.label)),
                  ("referenced_frame_of_reference_uids", .array(rs.frameOfReferenceUIDs.map { .string($0) })),
                  ("referenced_series_uids", .array(rs.referencedSeriesUIDs.map { .string($0) })),
                  ("rois", .array(rs.rois.map { r in
                      .object([("number", .int(r.number)), ("name", .string(r.name)), ("type", .from(r.interpretedType)),
                               ("contour_count", .int(r.contours.count)), ("point_count", .int(r.pointCount)),
                               ("color", r.color.map { .array([.int($0.r), .int($0.g), .int($0.b)]) } ?? .null)])
                  }))]
        case .dose(let d):
            let sp = d.grid.spacing
            o += [("type", .string("dose")),
                  ("grid_size", .array([.int(d.grid.columns), .int(d.grid.rows), .int(d.grid.frames)])),
                  ("spacing_mm", .numbers([sp.i, sp.j, sp.k])),
                  ("origin_mm", .numbers(d.grid.origin.array)),
                  ("orientation", .numbers(d.grid.rowDirection.array + d.grid.columnDirection.array)),
                  ("units", .string(d.units)), ("dose_type", .from(d.doseType)), ("summation_type", .from(d.summationType)),
                  ("dose_grid_scaling", .number(d.doseGridScaling)),
                  ("max_dose_gy", .number(d.maxValue)),
                  ("referenced_plan_uids", .array(d.referencedPlanUIDs.map { .string($0) })),
                  ("stored_dvh_count", .int(d.storedDVHs.count))]
            if !d.warnings.isEmpty { o.append(("dose_warnings", .array(d.warnings.map { .string($0) }))) }
        case .plan(let p):
            o += [("type", .string(p.isIon ? "ion_plan" : "plan")), ("label", .from(p.label)), ("name", .from(p.name)),
                  ("intent", .from(p.intent)), ("radiation_type", .from(p.radiationType)), ("beam_count", .int(p.beams.count)),
                  ("fraction_count", .from(p.fractionCount)), ("prescription_gy", .from(p.prescriptionGy)),
                  ("referenced_structure_set_uids", .array(p.referencedStructureSetUIDs.map { .string($0) })),
                  ("beams", .array(p.beams.map { b in
                      .object([("number", .int(b.number)), ("name", .from(b.name)), ("radiation_type", .from(b.radiationType)),
                               ("type", .from(b.type)), ("machine", .from(b.machine)), ("nominal_energy", .from(b.nominalEnergy)),
                               ("gantry_angle", .from(b.gantryAngle)), ("arc", .bool(b.isArc)),
                               ("isocenter_mm", b.isocenter.map { .numbers($0.array) } ?? .null),
                               ("control_point_count", .int(b.controlPoints.count))])
                  }))]
        case .other:
            o += [("type", .string("other"))]
        }
        if !f.warnings.isEmpty { o.append(("warnings", .array(f.warnings.map { .string($0) }))) }
        return o
    }

    func seriesFields(_ s: ImageSeries) -> [(String, JSON)] {
        let sp = s.grid.spacing
        var o: [(String, JSON)] = [
            ("series_instance_uid", .string(s.seriesInstanceUID)),
            ("frame_of_reference_uid", .from(s.frameOfReferenceUID)),
            ("modality", .from(s.modality)),
            ("files", .array(s.files.map { .string($0) })),
            ("rows", .int(s.grid.rows)), ("columns", .int(s.grid.columns)), ("slices", .int(s.slices.count)),
            ("spacing_mm", .numbers([sp.i, sp.j, s.sliceSpacing ?? sp.k])),
            ("uniform_slice_spacing", .bool(s.sliceSpacing != nil || s.slices.count < 2)),
            ("orientation", .numbers(s.grid.rowDirection.array + s.grid.columnDirection.array)),
            ("origin_mm", .numbers(s.grid.origin.array)),
        ]
        switch seriesRanges[s.seriesInstanceUID] {
        case .success(let (lo, hi))?: o += [("min_value", .number(lo)), ("max_value", .number(hi))]
        case .failure(let e)?: o += [("min_value", .null), ("max_value", .null), ("pixel_error", .string("\(e)"))]
        case nil: break
        }
        o.append(("problems", .array(s.problems.map { .string($0) })))
        return o
    }

    var text: String {
        var out = ""
        func fmt(_ v: Double) -> String { String(format: "%g", v) }
        func vec(_ v: [Double]) -> String { v.map(fmt).joined(separator: " x ") }
        var seriesShown = Set<String>()
        for m in loaded.members {
            let f = m.file
            switch m.object {
            case .image(let s):
                // Images are described once per series below.
                if seriesShown.contains(s.seriesInstanceUID) { continue }
                seriesShown.insert(s.seriesInstanceUID)
                continue
            default: break
            }
            out += "\(f.path ?? "?")\n"
            out += "  \(f.sopClassUID.flatMap(DataDictionary.uidName) ?? f.sopClassUID ?? "unknown SOP class") [\(f.modality ?? "?")], \(f.transferSyntax.name)\n"
            out += "  SOP instance \(f.sopInstanceUID ?? "?"), series \(f.dataSet.string(.seriesInstanceUID) ?? "?")\n"
            switch m.object {
            case .structureSet(let rs):
                out += "  \(rs.rois.count) ROIs:\n"
                for r in rs.rois {
                    out += "    \(r.number)  \(r.name)  \(r.interpretedType ?? "-")  \(r.contours.count) contours, \(r.pointCount) points\n"
                }
            case .dose(let d):
                let sp = d.grid.spacing
                out += "  grid \(d.grid.columns) x \(d.grid.rows) x \(d.grid.frames), spacing \(vec([sp.i, sp.j, sp.k])) mm, origin \(vec(d.grid.origin.array)) mm\n"
                out += "  units \(d.units), type \(d.doseType ?? "-"), summation \(d.summationType ?? "-"), max \(String(format: "%.4f", d.maxValue)) \(d.isGy ? "Gy" : d.units)\n"
            case .plan(let p):
                out += "  plan '\(p.label ?? "")', \(p.radiationType ?? "?"), \(p.beams.count) beams, \(p.fractionCount.map(String.init) ?? "?") fractions, prescription \(p.prescriptionGy.map { fmt($0) + " Gy" } ?? "not given")\n"
            default: break
            }
            for w in f.warnings { out += "  warning: \(w)\n" }
        }
        for c in cases {
            for s in c.series {
                let sp = s.grid.spacing
                out += "image series \(s.seriesInstanceUID) [\(s.modality ?? "?")]\n"
                out += "  \(s.slices.count) slices of \(s.grid.columns) x \(s.grid.rows), spacing \(vec([sp.i, sp.j, s.sliceSpacing ?? sp.k])) mm\(s.sliceSpacing == nil && s.slices.count > 2 ? " (uneven)" : "")\n"
                out += "  orientation \(vec(s.grid.rowDirection.array + s.grid.columnDirection.array)), origin \(vec(s.grid.origin.array)) mm\n"
                switch seriesRanges[s.seriesInstanceUID] {
                case .success(let (lo, hi))?: out += "  stored pixel values \(fmt(lo)) to \(fmt(hi))\n"
                case .failure(let e)?: out += "  pixel data could not be decoded: \(e)\n"
                case nil: break
                }
            }
        }
        for f in loaded.failures {
            out += "\(f.file)\n  ERROR: \(f.message)"
            if let o = f.offset { out += " (byte \(o)" + (f.tag.map { ", tag \($0)" } ?? "") + ")" }
            else if let t = f.tag { out += " (tag \(t))" }
            out += "\n"
        }
        for (n, c) in cases.enumerated() {
            out += "case \(n + 1): patient \(c.patientID ?? "?"): \(c.series.count) image series, \(c.structureSets.count) structure sets, \(c.plans.count) plans, \(c.doses.count) doses\n"
            for p in c.problems { out += "  problem: \(p)\n" }
        }
        if !loaded.skipped.isEmpty { out += "skipped \(loaded.skipped.count) files that are not DICOM\n" }
        for p in loaded.missingPaths { out += "\(p): no such file or folder\n" }
        return out
    }
}
