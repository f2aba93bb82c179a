import AnchorDICOM
import AnchorQA
import AnchorRT
import ArgumentParser
import Foundation

/// `anchor check PATH --protocol ID|FILE [--age YEARS] [--prescription GY] [--json | --html FILE]`:
/// grades a case against a protocol.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Grade a case's plan against a protocol: per protocol, acceptable or unacceptable variation.",
        discussion: """
        Reads the DICOM files under PATH, picks the structure set and the plan-sum dose (summation type \
        PLAN preferred), computes the DVHs of the structures the protocol names (matched by TG-263 name, \
        aliases, case and punctuation), and grades every constraint. Prints a table (default), one JSON \
        document (--json), or writes a self-contained HTML report (--html FILE).

        Percent-of-prescription limits use --prescription, else the plan's prescription, else the \
        protocol's prescription_gy; a limit on a target the protocol gives its own prescription \
        (prescriptions: PTV_High: 54) uses the plan's prescription to that target's ROI, else the \
        protocol's. The number of fractions comes from --fractions, else the plan, else the protocol. When \
        the plan's dose per fraction differs from the one the protocol assumes (2 Gy unless stated), limits \
        in Gy are applied to the voxel-wise EQD2 dose. The output says where each of these came from. \
        Age-banded constraints use --age, else Patient's Age (0010,1010); with no age known only \
        constraints without an age band are graded, and the output says so.

        A constraint is not graded (not evaluable, with the reason) when its structure is less than \
        --minimum-coverage percent inside the dose grid, when the dose is not in Gy, not PHYSICAL or \
        EFFECTIVE, not a plan sum (BEAM doses making the plan's complete set of beams are summed first), \
        lacks Dose Units or Dose Grid Scaling, or is on another frame of reference than the structure set.

        Beside the grades (never as grades), each contoured organ that a late-effect model of the \
        library covers gets the model's risk estimate at its dose in EQD2 (fractions from the plan), \
        or "outside the model's range" with the reason: `late_effects` in --json, a section of the \
        report. --chemotherapy names the agents given (methotrexate shifts the IQ model, platinum takes \
        hearing outside its model ...); without it the estimates say what they assume.

        Exit status: 0 when the plan was graded (whatever the grades), 64 for an unknown protocol id \
        (the valid ids are listed), 65 for input that cannot be read or graded (including a malformed \
        protocol file: the error names the file, line and field), 66 when a path does not exist.
        """
    )

    @Argument(help: "A case folder (or DICOM files' folder) holding the structure set, dose and plan.")
    var path: String

    @Option(name: .customLong("protocol"), help: "A protocol id from `anchor protocols`, or a protocol YAML file.")
    var protocolName: String

    @Option(help: "Patient age at treatment in years, for age-banded constraints.")
    var age: Double?

    @Option(help: "Prescription dose in Gy for percent-of-prescription limits (overrides the plan and protocol).")
    var prescription: Double?

    @Option(name: .customLong("chemotherapy"),
            help: "Chemotherapy given, for the late-effect estimates (repeatable or comma-separated): \(LateEffectContext.knownAgents.sorted().joined(separator: ", ")).")
    var chemotherapy: [String] = []
    @Option(help: "Number of fractions of the plan (overrides the plan and protocol).")
    var fractions: Int?

    @Option(name: .customLong("minimum-coverage"), help: "Least percentage of a structure inside the dose grid for its constraints to be graded.")
    var minimumCoverage: Double = 100 * GradingOptions.default.minimumCoveredFraction

    @Flag(help: "Print one JSON document (snake_case keys) instead of text.")
    var json = false

    @Option(help: "Write the QA report as one self-contained HTML file.")
    var html: String?

    func validate() throws {
        if json && html != nil { throw ValidationError("--json and --html cannot be used together") }
        if let a = age, !(a >= 0 && a < 150) { throw ValidationError("--age must be a number of years between 0 and 150") }
        if let p = prescription, !(p > 0 && p.isFinite) { throw ValidationError("--prescription must be a positive dose in Gy") }
        for a in chemotherapyAgents ?? [] where !LateEffectContext.knownAgents.contains(a) {
            throw ValidationError("--chemotherapy '\(a)' is not known; valid: \(LateEffectContext.knownAgents.sorted().joined(separator: ", "))")
        }
        if let n = fractions, n < 1 { throw ValidationError("--fractions must be a whole number of at least 1") }
        if !(minimumCoverage > 0 && minimumCoverage <= 100) { throw ValidationError("--minimum-coverage must be a percentage above 0 and at most 100") }
    }

    func run() throws {
        let library = ProtocolLibrary.bundled()
        let definition: TreatmentProtocol
        do {
            definition = try library.resolve(protocolName)
        } catch let e as QAError {
            printError("error: \(e)")
            switch e.code {
            case .unknownProtocol: throw ExitCode(ExitStatus.usage)
            case .unreadableProtocol where !FileManager.default.fileExists(atPath: protocolName): throw ExitCode(ExitStatus.noInput)
            default: throw ExitCode(ExitStatus.dataError)
            }
        }
        guard FileManager.default.fileExists(atPath: path) else {
            printError("error: \(path): no such file or folder")
            throw ExitCode(ExitStatus.noInput)
        }
        let progress = ProgressLine("Reading files", enabled: !json)
        let loaded = DICOMLoader.load([path], progress: { progress.update($0, $1) })
        progress.finish()
        let cases = Case.assemble(loaded.members)
        // Objects under one path are one case even when their Patient IDs differ (a converter that
        // rewrote the dose's identity): grade them together and say so.
        var chosenCase = cases.first(where: { !$0.structureSets.isEmpty && !$0.doses.isEmpty })
        var mergedNote: String?
        if chosenCase == nil, cases.count > 1 {
            let all = Case(members: loaded.members)
            if !all.structureSets.isEmpty && !all.doses.isEmpty {
                chosenCase = all
                mergedNote = "the objects carry \(cases.count) different Patient IDs (\(cases.map { $0.patientID ?? "?" }.joined(separator: ", "))); graded together as one case"
            }
        }
        guard let chosen = chosenCase else {
            var why = "no case under \(path) has both an RT Structure Set and an RT Dose"
            if !loaded.failures.isEmpty { why += " (\(loaded.failures.count) files could not be read, first: \(loaded.failures[0].file): \(loaded.failures[0].message))" }
            printError("error: \(why)")
            throw ExitCode(ExitStatus.dataError)
        }
        let grading: CaseGrading
        do {
            grading = try CaseGrading(chosen)
        } catch let e as QAError {
            printError("error: \(e)")
            throw ExitCode(ExitStatus.dataError)
        }
        let caseFiles = mergedNote != nil ? loaded.files : loaded.members.filter { $0.file.dataSet.string(.patientID) == chosen.patientID }.map(\.file)
        var ageGiven: (years: Double, source: AgeSource)?
        if let a = age { ageGiven = (a, .commandLine) } else if let a = CaseGrading.patientAgeYears(caseFiles) { ageGiven = (a, .dicom) }
        var summary = grading.summary(path: path)
        if let m = mergedNote { summary.problems.insert(m, at: 0) }
        else if cases.count > 1 { summary.problems.append("\(cases.count) cases under the path; graded patient \(chosen.patientID ?? "?")") }
        for f in loaded.failures { summary.problems.append("\(f.file) could not be read: \(f.message)") }
        var options = GradingOptions()
        options.minimumCoveredFraction = minimumCoverage / 100
        let report: QAReport
        do {
            report = try CaseQA.grade(grading, protocol: definition, prescription: prescription.map { ($0, .commandLine) },
                                      fractions: fractions.map { ($0, .commandLine) }, age: ageGiven, summary: summary,
                                      generator: "Anchor \(AnchorCommand.configuration.version)", options: options,
                                      sex: LateEffectEvaluator.patientSex(caseFiles), chemotherapy: chemotherapyAgents)
        } catch let e as QAError {
            printError("error: \(e)")
            throw ExitCode(ExitStatus.dataError)
        }
        let evaluation = report.evaluation
        if json {
            print(report.json.serialized())
        } else if let out = html {
            do {
                try report.html.write(toFile: out, atomically: true, encoding: .utf8)
            } catch {
                printError("error: cannot write \(out): \(error.localizedDescription)")
                throw ExitCode(ExitStatus.noInput)
            }
            print("wrote \(out): \(evaluation.results.count) constraints, overall \(evaluation.overall.label)")
        } else {
            print(report.text, terminator: "")
        }
    }

    /// The agents of --chemotherapy, lowercase; nil when the option is not given (unknown).
    var chemotherapyAgents: Set<String>? {
        guard !chemotherapy.isEmpty else { return nil }
        return Set(chemotherapy.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty })
    }
}
