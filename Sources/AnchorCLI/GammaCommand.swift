import AnchorDICOM
import AnchorDosimetry
import AnchorRT
import ArgumentParser
import Foundation

/// `anchor gamma REFERENCE EVALUATED`: the gamma index of one RT Dose against another.
struct GammaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gamma",
        abstract: "Compare two RT Doses with the gamma index (Low et al. 1998; AAPM TG-218 criteria).",
        discussion: """
        REFERENCE and EVALUATED are RT Dose files. Every reference point at or above the cut-off is \
        compared with the evaluated dose around it, interpolated trilinearly in patient coordinates, so \
        the grids may differ in size, spacing, origin and orientation; two single planes give a 2D \
        comparison. Defaults follow TG-218: 3% global, 2 mm, 10% cut-off. The search (steps of \
        DTA / interpolation fraction, up to maximum gamma x DTA) is pymedphys' and gives its pass rates.

        A point passes when gamma <= 1. Points evaluated are the reference points at or above the \
        cut-off that have evaluated dose within the search radius. Gammas above --max-gamma are \
        reported as --max-gamma.

        --gamma-out writes the gamma of every reference voxel: FILE.raw as little-endian float32 (NaN \
        where not evaluated; column fastest, then row, then frame) with its geometry in FILE.raw.json; \
        any other name as an RT Dose on the reference geometry with Dose Units RELATIVE, the gamma \
        values as the dose (0 where not evaluated), and Dose Comment and Series Description starting \
        with GAMMA and giving the criteria.

        Exit status: 0 when the comparison was computed (whatever the pass rate), 65 when an input is \
        not a readable RT Dose or the doses cannot be compared, 66 when a path does not exist, 73 when \
        the --gamma-out file cannot be written.
        """
    )

    @Argument(help: "The reference RT Dose (for example the plan).")
    var reference: String

    @Argument(help: "The evaluated RT Dose (for example the recalculation or the measurement).")
    var evaluated: String

    @Option(name: .customLong("dd"), help: "Dose-difference criterion, percent.")
    var doseDifference: Double = 3

    @Option(name: .customLong("dta"), help: "Distance to agreement, mm.")
    var distanceToAgreement: Double = 2

    @Flag(help: "Local normalisation: the dose difference is a percentage of the local reference dose.")
    var local = false

    @Option(help: "Lower dose cut-off, percent of the normalisation dose.")
    var cutoff: Double = 10

    @Option(name: .customLong("normalisation-dose"), help: "Dose that percentages are taken of, Gy (default: the reference maximum).")
    var normalisationDose: Double?

    @Option(name: .customLong("max-gamma"), help: "Largest gamma searched for; the search radius is this times the DTA.")
    var maxGamma: Double = 2

    @Option(name: .customLong("interp-fraction"), help: "Search steps per DTA (the step is DTA / this).")
    var interpFraction: Double = 10

    @Option(name: .customLong("gamma-out"), help: "Write the gamma grid: FILE.raw (float32 + FILE.raw.json) or an RT Dose.")
    var gammaOut: String?

    @Option(name: .customLong("list-failing"), help: "How many of the worst failing points to list.")
    var listFailing: Int = 10

    @Flag(help: "Print one JSON document (snake_case keys) instead of text.")
    var json = false

    var criteria: GammaCriteria {
        GammaCriteria(doseDifferencePercent: doseDifference, distanceToAgreementMM: distanceToAgreement,
                      normalisation: local ? .local : .global, normalisationDose: normalisationDose,
                      lowerDoseCutoffPercent: cutoff, interpolationFraction: interpFraction, maximumGamma: maxGamma)
    }

    func validate() throws {
        do { try criteria.validate() } catch let e as DosimetryError { throw ValidationError(e.message) }
        guard listFailing >= 0 else { throw ValidationError("--list-failing must be 0 or more") }
    }

    func run() throws {
        let missing = [reference, evaluated].filter { !FileManager.default.fileExists(atPath: $0) }
        if !missing.isEmpty {
            for p in missing { printError("\(p): no such file") }
            throw ExitCode(ExitStatus.noInput)
        }
        let ref: DoseGrid, ev: DoseGrid, context: RTWriter.Context
        do {
            (ref, context) = try GammaCommand.readDose(reference)
            (ev, _) = try GammaCommand.readDose(evaluated)
        } catch {
            printError("\(error)")
            throw ExitCode(ExitStatus.dataError)
        }
        let progress = ProgressLine("Gamma: reference frames", enabled: !json)
        let started = Date()
        let result: GammaResult
        do {
            result = try GammaCalculator(criteria: criteria).compare(reference: ref, evaluated: ev) { progress.update($0, $1) }
        } catch let e as DosimetryError {
            progress.finish()
            printError("cannot compare \(reference) with \(evaluated): \(e.message)")
            throw ExitCode(ExitStatus.dataError)
        }
        progress.finish()
        let seconds = Date().timeIntervalSince(started)
        if let out = gammaOut {
            do { try GammaCommand.writeGamma(result, reference: ref, context: context, to: out) } catch {
                printError("\(out): \(error)")
                throw ExitCode(73) // EX_CANTCREAT (sysexits.h): an output file cannot be created
            }
        }
        let report = GammaReport(result: result, reference: (reference, ref), evaluated: (evaluated, ev),
                                 seconds: seconds, listFailing: listFailing, gammaOut: gammaOut)
        if json { print(report.json.serialized()) } else { print(report.text, terminator: "") }
    }

    /// The dose of an RT Dose file, and the patient and study it belongs to (for the gamma file).
    static func readDose(_ path: String) throws -> (DoseGrid, RTWriter.Context) {
        let file = try DICOMFile.read(path: path)
        guard file.sopClassUID == SOPClass.rtDose else {
            let name = file.sopClassUID.flatMap(DataDictionary.uidName) ?? file.sopClassUID ?? "no SOP class"
            throw RTError(.unsupported, "not an RT Dose (\(name))", file: path)
        }
        let dose = try DoseGrid(file: file)
        let ds = file.dataSet
        let context = RTWriter.Context(patientID: ds.string(.patientID) ?? "", patientName: ds.string(.patientName) ?? "",
                                       patientSex: ds.string(.patientSex), studyInstanceUID: ds.string(.studyInstanceUID) ?? UIDFactory.make(),
                                       frameOfReferenceUID: dose.frameOfReferenceUID ?? UIDFactory.make(),
                                       studyDate: ds.string(.studyDate) ?? "", manufacturer: "Anchor")
        return (dose, context)
    }

    /// Writes the gamma grid by the conventions in the discussion above.
    static func writeGamma(_ r: GammaResult, reference: DoseGrid, context: RTWriter.Context, to path: String) throws {
        if path.lowercased().hasSuffix(".raw") {
            try writeAtomically(r.rawFloat32LittleEndian(), to: path)
            let g = r.grid
            let header = JSON.object([
                ("format", .string("float32 little-endian, column fastest, then row, then frame; NaN where not evaluated")),
                ("content", .string("GAMMA")),
                ("criteria", .string(r.criteria.description)),
                ("size", .array([.int(g.columns), .int(g.rows), .int(g.frames)])),
                ("origin_mm", .numbers(g.origin.array)),
                ("row_direction", .numbers(g.rowDirection.array)),
                ("column_direction", .numbers(g.columnDirection.array)),
                ("spacing_mm", .numbers([g.spacingI, g.spacingJ])),
                ("frame_offsets_mm", .numbers(g.frameOffsets)),
                ("frame_of_reference_uid", .from(reference.frameOfReferenceUID)),
            ])
            try writeAtomically(Array((header.serialized() + "\n").utf8), to: path + ".json")
            return
        }
        // The reference's patient, study and frame of reference, so the map lands beside it in a viewer.
        let dose = r.gammaDoseGrid(sopInstanceUID: UIDFactory.make(), frameOfReferenceUID: context.frameOfReferenceUID)
        var file = RTWriter.doseFile(dose, context: context)
        let label = String("GAMMA \(r.criteria.description)".prefix(64))
        file.dataSet.set(Tag(0x3004_0006), .LO, label)   // Dose Comment
        file.dataSet.set(.seriesDescription, .LO, label)
        try DICOMWriter.write(file, to: path)
    }
}

/// The content of `anchor gamma`, as JSON and as text.
struct GammaReport {
    let result: GammaResult
    let reference: (path: String, dose: DoseGrid)
    let evaluated: (path: String, dose: DoseGrid)
    let seconds: Double
    let listFailing: Int
    let gammaOut: String?

    var normalisationSource: String { result.criteria.normalisationDose == nil ? "reference_maximum" : "given" }

    var json: JSON {
        let c = result.criteria
        func grid(_ x: (path: String, dose: DoseGrid)) -> JSON {
            let g = x.dose.grid, s = g.spacing
            return .object([("file", .string(x.path)), ("grid_size", .array([.int(g.columns), .int(g.rows), .int(g.frames)])),
                            ("spacing_mm", .numbers([s.i, s.j, s.k])), ("origin_mm", .numbers(g.origin.array)),
                            ("units", .string(x.dose.units)), ("max_dose", .number(x.dose.maxValue))])
        }
        return .object([
            ("pass_rate_percent", .from(result.passRatePercent)),
            ("points_evaluated", .int(result.pointsEvaluated)),
            ("mean_gamma", .from(result.meanGamma)),
            ("gamma_p95", .from(result.gammaPercentile(95))),
            ("gamma_p50", .from(result.gammaPercentile(50))),
            ("gamma_p99", .from(result.gammaPercentile(99))),
            ("gamma_max", .from(result.maximumGammaFound)),
            ("points_failing", .int(result.pointsFailing)),
            ("points_above_cutoff", .int(result.pointsAboveCutoff)),
            ("criteria", .object([
                ("dose_difference_percent", .number(c.doseDifferencePercent)),
                ("distance_to_agreement_mm", .number(c.distanceToAgreementMM)),
                ("normalisation", .string(c.normalisation.rawValue)),
                ("normalisation_dose", .number(result.normalisationDose)),
                ("normalisation_dose_source", .string(normalisationSource)),
                ("lower_dose_cutoff_percent", .number(c.lowerDoseCutoffPercent)),
                ("cutoff_dose", .number(result.cutoffDose)),
                ("interpolation_fraction", .number(c.interpolationFraction)),
                ("search_step_mm", .number(c.searchStepMM)),
                ("maximum_gamma", .number(c.maximumGamma)),
                ("dimensions", .int(result.dimensions)),
                ("pass_condition", .string("gamma <= 1")),
            ])),
            ("reference", grid(reference)),
            ("evaluated", grid(evaluated)),
            ("failing_points", .array(result.failingPoints.prefix(listFailing).map { p in
                .object([("index", .array([.int(p.i), .int(p.j), .int(p.k)])), ("position_mm", .numbers(p.position.array)),
                         ("gamma", .number(p.gamma)), ("reference_dose", .number(p.referenceDose))])
            })),
            ("gamma_out", .from(gammaOut)),
            ("warnings", .array(result.warnings.map { .string($0) })),
            ("compute_seconds", .number((seconds * 1000).rounded() / 1000)),
        ])
    }

    var text: String {
        let r = result, c = r.criteria
        func f(_ v: Double?, _ digits: Int = 4) -> String { v.map { String(format: "%.\(digits)f", $0) } ?? "-" }
        func describe(_ x: (path: String, dose: DoseGrid)) -> String {
            let g = x.dose.grid, s = g.spacing
            return "\(x.path): \(g.columns) x \(g.rows) x \(g.frames), spacing \(String(format: "%g x %g x %g", s.i, s.j, s.k)) mm, max \(f(x.dose.maxValue)) \(x.dose.units)"
        }
        var out = "gamma \(c) (\(r.dimensions)D)\n"
        out += "  reference  \(describe(reference))\n"
        out += "  evaluated  \(describe(evaluated))\n"
        out += "  normalisation dose \(f(r.normalisationDose)) \(reference.dose.units) (\(c.normalisationDose == nil ? "reference maximum" : "given")), cut-off dose \(f(r.cutoffDose))\n"
        out += "  search step \(String(format: "%g", c.searchStepMM)) mm up to \(String(format: "%g", c.searchRadiusMM)) mm (maximum gamma \(String(format: "%g", c.maximumGamma)))\n"
        out += "points evaluated  \(r.pointsEvaluated) of \(r.pointsAboveCutoff) above the cut-off\n"
        out += "pass rate         \(r.passRatePercent.map { String(format: "%.2f%%", $0) } ?? "-") (gamma <= 1)\n"
        out += "gamma             mean \(f(r.meanGamma)), p95 \(f(r.gammaPercentile(95))), max \(f(r.maximumGammaFound))\n"
        out += "failing points    \(r.pointsFailing)\n"
        for p in r.failingPoints.prefix(listFailing) {
            out += String(format: "  gamma %.3f at (%.1f, %.1f, %.1f) mm, voxel (%d, %d, %d), reference dose %.4f\n",
                          p.gamma, p.position.x, p.position.y, p.position.z, p.i, p.j, p.k, p.referenceDose)
        }
        if r.failingPoints.count > listFailing { out += "  ... \(r.failingPoints.count - listFailing) more\n" }
        for w in r.warnings { out += "warning: \(w)\n" }
        if let g = gammaOut { out += "gamma grid written to \(g)\n" }
        out += String(format: "computed in %.2f s\n", seconds)
        return out
    }
}
