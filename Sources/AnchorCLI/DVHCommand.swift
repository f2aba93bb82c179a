import AnchorDosimetry
import AnchorRT
import ArgumentParser
import Foundation

/// `anchor dvh PATH... [--structure NAME]... [--metric M]... [--prescription GY] [--json | --csv]`:
/// dose-volume histograms and metrics of a case's structures.
struct DVHCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dvh",
        abstract: "Dose-volume histograms and metrics of the structures of a case.",
        discussion: """
        PATH is a case folder (read recursively) or the RT Structure Set and RT Dose files. Among several \
        doses a PLAN (or MULTI_PLAN) sum is used; name the dose file when more than one could be meant.

        Geometry: each contour plane stands for a slab centred on it, reaching half-way to its neighbouring \
        planes (the first and last reach out half the contour spacing); contours on one plane combine by the \
        even-odd rule (nested contours are holes, disjoint ones are parts of one structure), as in PS3.3 \
        C.8.8.6. Dose is sampled by trilinear interpolation of the grid on a sub-voxel lattice that is finer \
        for smaller structures. A structure partly outside the dose grid gets the DVH of its covered part and \
        its covered fraction; a structure without contours or outside the grid is listed as skipped, with why.

        Metrics (--metric, repeatable; default D98% D95% D50% D2% D0.03cc HI, and CI GI for targets when a \
        prescription is known):
          Dx%        minimum dose (Gy) to the hottest x % of the volume, e.g. D95%, D2%
          Dxcc       minimum dose (Gy) to the hottest x cc, e.g. D0.03cc, D2cc
          VxGy       volume receiving at least x Gy, % of the structure (also VxGy[%])
          VxGy[cc]   the same in cc
          Dmean Dmin Dmax volume
          HI         (D2% - D98%) / D50% (ICRU 83)
          CI         Paddick conformity TV_PIV^2 / (TV x PIV), with a prescription
          GI         Paddick gradient PIV_half / PIV, with a prescription
        The prescription comes from --prescription, else from the plan among the inputs.

        --eqd2 ALPHA_BETA --fractions N gives EQD2 DVHs: every voxel's dose D becomes \
        D (D/N + ALPHA_BETA) / (2 + ALPHA_BETA) before sampling (linear-quadratic model, Withers 1983). \
        --dose-sampling voxel-centre takes the dose at the dose grid's voxel centres inside each contour \
        plane (the convention of many planning systems and dicompyler-core) instead of trilinear \
        interpolation on a sub-voxel lattice. When the RT Dose holds the planning system's DVHs (DVH \
        Sequence), --json adds them per structure as tps_dvh. A dose on another frame of reference than \
        the structure set is flagged: their coordinates are not known to be one system.

        Output: a table, or --json (one document, snake_case keys; each structure's "dvh" is cumulative: \
        volume_cc[i] is the volume receiving at least dose_gy[i]), or --csv (one row per structure).

        Exit status: 0 when the DVHs were computed, 64 for a usage error (unknown metric, several doses \
        that could be meant), 65 when an input was damaged or not DICOM (the rest is still computed), 66 \
        when a path does not exist or the inputs hold no RT Dose or no RT Structure Set.
        """
    )

    @Argument(help: "A case folder, or the RT Structure Set and RT Dose files.")
    var paths: [String]

    @Option(name: .customLong("structure"), help: "A structure to compute, by ROI name (repeatable; default all).")
    var structures: [String] = []

    @Option(name: .customLong("metric"), help: "A metric to report, e.g. D95%, D0.03cc, V20Gy, V20Gy[cc], HI, CI, GI (repeatable).")
    var metrics: [String] = []

    @Option(help: "Prescription dose in Gy, for CI and GI (default: the plan's).")
    var prescription: Double?

    @Option(help: "α/β in Gy: compute EQD2 DVHs (with --fractions).")
    var eqd2: Double?

    @Option(help: "Number of fractions, for --eqd2.")
    var fractions: Int?

    @Option(name: .customLong("dose-sampling"), help: "How dose is sampled: trilinear (default) or voxel-centre.")
    var doseSampling: String = DVHOptions.DoseSampling.trilinear.rawValue

    @Flag(help: "Print one JSON document instead of a table.")
    var json = false

    @Flag(help: "Print one CSV row per structure instead of a table.")
    var csv = false

    @Option(name: .customLong("dvh-step"), help: "Dose step of the cumulative DVH in --json output, Gy (0 leaves the DVH out).")
    var dvhStep: Double = 0.01

    @Option(name: .customLong("bin-width"), help: "Width of the DVH bins, Gy.")
    var binWidth: Double = DVHOptions.default.binWidthGy

    @Option(name: .customLong("end-cap"), help: "How the first and last contour plane end a structure: half-spacing or flat.")
    var endCap: String = DVHOptions.EndCap.halfSpacing.rawValue.replacingOccurrences(of: "_", with: "-")

    @Option(name: .customLong("grid-extent"), help: "Space the dose grid covers: voxel-centres or voxel-edges.")
    var gridExtent: String = DVHOptions.GridExtent.voxelCentres.rawValue.replacingOccurrences(of: "_", with: "-")

    func validate() throws {
        if json && csv { throw ValidationError("--json and --csv are exclusive") }
        for m in metrics {
            do { _ = try DVHMetric(parsing: m) } catch let e as DosimetryError { throw ValidationError(e.message) }
        }
        if let p = prescription, !(p > 0 && p.isFinite) { throw ValidationError("--prescription must be a positive dose in Gy") }
        if !(dvhStep >= 0 && dvhStep.isFinite) { throw ValidationError("--dvh-step must be 0 or a positive dose in Gy") }
        if !(binWidth > 0 && binWidth.isFinite) { throw ValidationError("--bin-width must be a positive dose in Gy") }
        if let ab = eqd2 {
            guard ab > 0 && ab.isFinite else { throw ValidationError("--eqd2 must be a positive α/β in Gy") }
            guard let n = fractions, n >= 1 else { throw ValidationError("--eqd2 needs --fractions N (at least 1)") }
        } else if fractions != nil {
            throw ValidationError("--fractions is used with --eqd2 ALPHA_BETA")
        }
        _ = try parsedOptions()
    }

    func parsedOptions() throws -> DVHOptions {
        var o = DVHOptions()
        o.binWidthGy = binWidth
        guard let e = DVHOptions.EndCap(rawValue: endCap.replacingOccurrences(of: "-", with: "_")) else {
            throw ValidationError("--end-cap is half-spacing or flat, not '\(endCap)'")
        }
        guard let g = DVHOptions.GridExtent(rawValue: gridExtent.replacingOccurrences(of: "-", with: "_")) else {
            throw ValidationError("--grid-extent is voxel-centres or voxel-edges, not '\(gridExtent)'")
        }
        guard let d = DVHOptions.DoseSampling(rawValue: doseSampling.replacingOccurrences(of: "_", with: "-")) else {
            throw ValidationError("--dose-sampling is trilinear or voxel-centre, not '\(doseSampling)'")
        }
        o.endCap = e
        o.gridExtent = g
        o.doseSampling = d
        return o
    }

    func run() throws {
        let requested = try metrics.map { try DVHMetric(parsing: $0) }
        let progress = ProgressLine("Reading files", enabled: !json && !csv)
        let loaded = DICOMLoader.load(paths, progress: { progress.update($0, $1) })
        progress.finish()
        for p in loaded.missingPaths { printError("\(p): no such file or folder") }
        if !loaded.missingPaths.isEmpty { throw ExitCode(ExitStatus.noInput) }
        for f in loaded.failures { printError("\(f.file): \(f.message)") }

        var inputs: DVHInputs
        do {
            inputs = try DVHInputs.select(from: loaded.members)
        } catch let e as DosimetryError {
            printError("anchor dvh: \(e.message)")
            switch e.code {
            case .ambiguousInput: throw ExitCode(ExitStatus.usage)
            default: throw ExitCode(loaded.failures.isEmpty ? ExitStatus.noInput : ExitStatus.dataError)
            }
        }

        if let ab = eqd2, let n = fractions {
            do { inputs.dose = try EQD2.grid(inputs.dose, fractions: n, alphaBetaGy: ab) } catch let e as DosimetryError {
                printError("anchor dvh: \(e.message)")
                throw ExitCode(ExitStatus.usage)
            }
            inputs.warnings.append("EQD2 DVHs (α/β \(ab) Gy, \(n) fractions): every dose below is an EQD2 in Gy")
        }
        let calculator: DVHCalculator
        do { calculator = try DVHCalculator(dose: inputs.dose, options: try parsedOptions()) } catch let e as DosimetryError {
            printError("anchor dvh: \(inputs.dose.file ?? "dose"): \(e.message)")
            throw ExitCode(ExitStatus.dataError)
        }
        let computing = ProgressLine("Computing DVHs of structures", enabled: !json && !csv)
        computing.update(0, structures.isEmpty ? inputs.structureSet.rois.count : structures.count)
        let report = calculator.compute(structureSet: inputs.structureSet, names: structures.isEmpty ? nil : structures)
        computing.finish()

        var prescriptionGy = prescription
        var source: String? = prescription == nil ? nil : "option"
        if prescriptionGy == nil, let p = inputs.plan?.prescriptionGy, p > 0 {
            prescriptionGy = p
            source = "plan \(inputs.plan?.label ?? inputs.plan?.sopInstanceUID ?? "")"
        }
        let needsPIV = prescriptionGy != nil && (requested.isEmpty || requested.contains { $0.needsPrescription })
        let context = needsPIV ? prescriptionGy.map { calculator.prescriptionContext(prescriptionGy: $0) } : nil
        let metricsFor: (StructureDose) -> [DVHMetric] = { s in
            if !requested.isEmpty { return requested }
            let isTarget = ["PTV", "CTV", "GTV"].contains((s.interpretedType ?? "").uppercased())
            return DVHMetric.defaults + (isTarget && context != nil ? [.paddickConformityIndex, .gradientIndex] : [])
        }
        var warnings: [String] = []
        if requested.contains(where: \.needsPrescription) && prescriptionGy == nil {
            warnings.append("CI and GI need a prescription: give --prescription GY or a plan with one")
        }

        if json {
            var eqd2JSON = JSON.null
            if let ab = eqd2 { eqd2JSON = .object([("alpha_beta_gy", .number(ab)), ("fractions", JSON.from(fractions))]) }
            let extraJSON: [(String, JSON)] = [("eqd2", eqd2JSON), ("dose_sampling", .string(doseSampling))]
            let doc = report.json(inputs: inputs, metricsFor: metricsFor, prescription: context, prescriptionSource: source,
                                  dvhStepGy: dvhStep > 0 ? dvhStep : nil, extraWarnings: warnings + loaded.failures.map { "\($0.file): \($0.message)" },
                                  extra: extraJSON)
            print(doc.serialized())
        } else if csv {
            print(Self.csv(report, metricsFor: metricsFor, requested: requested, prescription: context), terminator: "")
        } else {
            print(Self.text(report, inputs: inputs, metricsFor: metricsFor, prescription: context, source: source, warnings: warnings), terminator: "")
        }
        if !loaded.failures.isEmpty { throw ExitCode(ExitStatus.dataError) }
    }

    // MARK: CSV and text

    static func csv(_ report: DVHReport, metricsFor: (StructureDose) -> [DVHMetric], requested: [DVHMetric], prescription: PrescriptionContext?) -> String {
        // Columns: the requested metrics, or the union of the per-structure defaults in order.
        var columns: [DVHMetric] = requested
        if columns.isEmpty {
            for s in report.structures { for m in metricsFor(s) where !columns.contains(m) { columns.append(m) } }
            if columns.isEmpty { columns = DVHMetric.defaults }
        }
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        func num(_ v: Double?) -> String { v.map { String(($0 * 1e6).rounded() / 1e6) } ?? "" }
        var out = (["name", "number", "type", "volume_cc", "covered_fraction", "min_gy", "max_gy", "mean_gy"] + columns.map(\.name) + ["note"])
            .map(field).joined(separator: ",") + "\n"
        for s in report.structures {
            let values = DVHReport.evaluate(columns, for: s, prescription: prescription)
            let notes = s.warnings + values.compactMap { v in v.note.map { "\(v.metric.name): \($0)" } }
            let row = [field(s.name), String(s.roiNumber), field(s.interpretedType ?? ""), num(s.volumeCC), num(s.coveredFraction),
                       num(s.minGy), num(s.maxGy), num(s.meanGy)] + values.map { num($0.value) } + [field(notes.joined(separator: "; "))]
            out += row.joined(separator: ",") + "\n"
        }
        for k in report.skipped {
            let row = [field(k.name), k.roiNumber.map(String.init) ?? "", "", "", "", "", "", ""] + columns.map { _ in "" } + [field("skipped: " + k.reason)]
            out += row.joined(separator: ",") + "\n"
        }
        return out
    }

    static func text(_ report: DVHReport, inputs: DVHInputs, metricsFor: (StructureDose) -> [DVHMetric], prescription: PrescriptionContext?,
                     source: String?, warnings: [String]) -> String {
        let d = inputs.dose
        let sp = d.grid.spacing
        func f(_ v: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", v) }
        var out = "dose: \(d.file ?? d.sopInstanceUID) (\(d.units), \(d.doseType ?? "-"), \(d.summationType ?? "-")), grid \(d.grid.columns) x \(d.grid.rows) x \(d.grid.frames) at \(f(sp.i, 3)) x \(f(sp.j, 3)) x \(f(d.grid.uniformFrameSpacing ?? sp.k, 3)) mm\n"
        out += "structure set: \(inputs.structureSet.file ?? inputs.structureSet.sopInstanceUID)\n"
        if let p = prescription { out += "prescription: \(f(p.prescriptionGy)) Gy (\(source ?? "")), prescription isodose volume \(f(p.prescriptionIsodoseVolumeCC, 3)) cc\n" }
        out += "convention: \(report.convention)\n\n"
        let nameWidth = max(9, report.structures.map(\.name.count).max() ?? 0)
        for s in report.structures {
            let values = DVHReport.evaluate(metricsFor(s), for: s, prescription: prescription)
            var line = s.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
            line += "  \(f(s.volumeCC, 3)) cc"
            if s.isPartiallyCovered { line += " (\(f(100 * s.coveredFraction, 1))% in grid)" }
            line += "  min \(f(s.minGy)) mean \(f(s.meanGy)) max \(f(s.maxGy)) Gy"
            for v in values {
                let unit = v.metric.unit.isEmpty ? "" : " " + v.metric.unit
                line += "  \(v.metric.name) " + (v.value.map { f($0, v.metric.unit.isEmpty ? 3 : 2) + unit } ?? "n/a")
            }
            out += line + "\n"
            for w in s.warnings { out += "    warning: \(w)\n" }
            for v in values { if let n = v.note { out += "    \(v.metric.name): \(n)\n" } }
        }
        for k in report.skipped { out += "skipped \(k.name)\(k.roiNumber.map { " (ROI \($0))" } ?? ""): \(k.reason)\n" }
        for w in inputs.warnings + warnings { out += "warning: \(w)\n" }
        for n in inputs.dosesNotUsed { out += "dose not used: \(n.file): \(n.reason)\n" }
        return out
    }
}
