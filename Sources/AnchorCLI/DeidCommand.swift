import AnchorDICOM
import AnchorRT
import ArgumentParser
import Foundation

/// `anchor deid IN... --out DIR --centre-secret FILE [--key-file FILE] [--keep-dates]`, and
/// `anchor deid --verify DIR...`: de-identification by DICOM PS3.15 Annex E that keeps a case whole.
struct DeidCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deid",
        abstract: "De-identify DICOM-RT cases (PS3.15 Annex E) so that every reference still resolves, or check files for what still looks identifying.",
        discussion: """
        Applies the Basic Application Level Confidentiality Profile of DICOM PS3.15 Annex E, attribute by \
        attribute (Table E.1-1), with the Retain Patient Characteristics Option (sex, age, size, weight; the \
        age computed from the birth date before it goes) and the Clean Descriptors Option (descriptors \
        removed, except ROI Name, ROI Observation Label, Structure Set Label and RT Plan Label, and those \
        named with --keep-descriptor). Private attributes, curves and overlays are removed. Pixel data, \
        dose grids, contours and plan geometry are written unchanged.

        Every instance UID (study, series, SOP instance, frame of reference, and every reference to them in \
        the RT Structure Set, Plan and Dose) is replaced by a UID derived from the centre secret, so all files \
        of a case still point at each other and a resubmission gets the same UIDs. Patient's Name and ID \
        become a pseudonym derived from the secret; the pseudonym-to-patient key is added to the key file \
        (default: anchor-deid-key.tsv beside the secret), which stays at the centre. Make a secret once with \
        `head -c 32 /dev/urandom | base64 > centre.secret` and keep it: another secret gives other pseudonyms.

        Output: OUT/PSEUDONYM/MODALITY.UID.dcm, one folder per patient; patients mixed in the input are \
        separated. A file that cannot be read or made safe (burned-in annotation, the patient's name in a \
        kept label) is reported and not written.

        --verify lists every attribute of the given files that still looks identifying: attributes the \
        profile removes or empties, private attributes, UIDs not replaced, person names, dates (unless \
        declared modified), long numbers, addresses, e-mail and institution names in any text, inside \
        sequences too.

        Exit status: 0 when every input was de-identified (with --verify: nothing identifying found), 65 \
        when an input was unreadable or refused (with --verify: something was found), 66 when a path does \
        not exist.
        """
    )

    @Argument(help: "DICOM files or folders (recursively); with --verify, the files or folders to check.")
    var inputs: [String] = []

    @Option(help: "Folder to write the de-identified files into, one subfolder per pseudonym.")
    var out: String?

    @Option(name: .customLong("centre-secret"), help: "File holding the centre's secret (16 bytes or more).")
    var centreSecret: String?

    @Option(name: .customLong("key-file"), help: "Key file (pseudonym to patient) to add to; kept at the centre, never inside --out.")
    var keyFile: String?

    @Flag(name: .customLong("keep-dates"), help: "Retain Longitudinal Temporal Information with Modified Dates: move every date of a patient by the same number of days.")
    var keepDates = false

    @Flag(name: .customLong("keep-device-identity"), help: "Retain Device Identity: keep serial numbers, station and treatment machine names.")
    var keepDeviceIdentity = false

    @Flag(name: .customLong("drop-patient-characteristics"), help: "Do not retain sex, age, size and weight.")
    var dropPatientCharacteristics = false

    @Option(name: .customLong("keep-descriptor"), help: "Also keep this descriptor (keyword, e.g. SeriesDescription); repeatable.")
    var keepDescriptors: [String] = []

    @Flag(name: .customLong("clean-all-descriptors"), help: "Keep no descriptor, not even ROI names and plan labels.")
    var cleanAllDescriptors = false

    @Flag(name: .customLong("accept-burned-in"), help: "Write files whose Burned In Annotation is YES (pixel data are never changed).")
    var acceptBurnedIn = false

    @Option(name: .customLong("pseudonym-prefix"), help: "Prefix of the pseudonyms (uppercase letters and digits).")
    var pseudonymPrefix = "ANON"

    @Flag(help: "Check the given files instead of de-identifying them.")
    var verify = false

    @Flag(help: "Print one JSON document (snake_case keys) instead of text.")
    var json = false

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("give the DICOM files or folders to \(verify ? "check" : "de-identify")") }
        if verify {
            if out != nil || centreSecret != nil || keyFile != nil {
                throw ValidationError("--verify only reads: --out, --centre-secret and --key-file do not apply")
            }
            return
        }
        if out == nil { throw ValidationError("--out DIR is required") }
        if centreSecret == nil { throw ValidationError("--centre-secret FILE is required") }
    }

    func run() throws {
        if verify { try runVerify() } else { try runDeidentify() }
    }

    // MARK: De-identify

    func runDeidentify() throws {
        guard let out, let centreSecret else { return }
        guard FileManager.default.fileExists(atPath: centreSecret) else {
            printError("\(centreSecret): no such file (the centre secret)")
            throw ExitCode(ExitStatus.noInput)
        }
        var options = DeidentificationOptions()
        options.retainModifiedDates = keepDates
        options.retainDeviceIdentity = keepDeviceIdentity
        options.retainPatientCharacteristics = !dropPatientCharacteristics
        options.acceptBurnedInAnnotation = acceptBurnedIn
        options.pseudonymPrefix = pseudonymPrefix
        if cleanAllDescriptors { options.keptDescriptors = [] }
        for keyword in keepDescriptors {
            guard let tag = DeidentificationOptions.descriptorTag(keyword: keyword) else {
                throw ValidationError("--keep-descriptor \(keyword): no such attribute keyword in PS3.6")
            }
            options.keptDescriptors.insert(tag)
        }
        let deidentifier: Deidentifier
        let report: DeidentificationReport
        do {
            deidentifier = try Deidentifier(secret: try CentreSecret.read(path: centreSecret), options: options)
        } catch let e as DICOMError {
            throw ValidationError(e.description)
        }
        let key = keyFile ?? ((centreSecret as NSString).deletingLastPathComponent.isEmpty ? "." : (centreSecret as NSString).deletingLastPathComponent) + "/anchor-deid-key.tsv"
        let progress = ProgressLine("De-identifying", enabled: !json)
        do {
            report = try DeidentificationRun.run(inputs: inputs, outputDirectory: out, keyFile: key, deidentifier: deidentifier,
                                                 progress: { progress.update($0, $1) })
        } catch let e as DICOMError {
            progress.finish()
            printError("error: \(e.description)")
            throw ExitCode(e.code == .writeFailed ? 74 : ExitStatus.dataError) // 74: EX_IOERR
        }
        progress.finish()
        if json {
            print(DeidCommand.reportJSON(report, out: out).serialized())
        } else {
            print(DeidCommand.text(report, out: out), terminator: "")
        }
        if !report.missingPaths.isEmpty { throw ExitCode(ExitStatus.noInput) }
        if !report.refused.isEmpty { throw ExitCode(ExitStatus.dataError) }
    }

    static func findingJSON(_ f: DeidentificationFinding) -> JSON {
        .object([("file", .from(f.file)), ("tag_path", .string(f.tagPath)), ("keyword", .string(f.keyword)),
                 ("vr", .string(f.vr.rawValue)), ("reason", .string(f.reason))])
    }

    static func reportJSON(_ r: DeidentificationReport, out: String) -> JSON {
        .object([
            ("output_directory", .string(out)),
            ("key_file", .string(r.keyFile)),
            ("key_entries_added", .int(r.keyEntriesAdded)),
            ("patients", .array(r.patients.map { p in
                .object([("pseudonym", .string(p.pseudonym)), ("files", .int(p.files)),
                         ("modalities", .object(p.modalities.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })),
                         ("new_in_key_file", .bool(p.newInKeyFile))])
            })),
            ("written", .array(r.written.map { w in
                .object([("source", .string(w.source)), ("output", .string(w.output)), ("pseudonym", .string(w.pseudonym)),
                         ("modality", .string(w.modality)), ("sop_instance_uid", .string(w.sopInstanceUID)),
                         ("notes", .array(w.notes.map { .string($0) }))])
            })),
            ("refused", .array(r.refused.map { .object([("file", .string($0.file)), ("reason", .string($0.reason))]) })),
            ("skipped", .array(r.skipped.map { .string($0) })),
            ("missing_paths", .array(r.missingPaths.map { .string($0) })),
            ("warnings", .array(r.warnings.map(findingJSON))),
        ])
    }

    static func text(_ r: DeidentificationReport, out: String) -> String {
        var s = "Wrote \(r.written.count) file\(r.written.count == 1 ? "" : "s") of \(r.patients.count) patient\(r.patients.count == 1 ? "" : "s") to \(out)\n"
        for p in r.patients {
            let mods = p.modalities.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            s += "  \(p.pseudonym): \(p.files) file\(p.files == 1 ? "" : "s") (\(mods))\(p.newInKeyFile ? ", new in the key file" : "")\n"
        }
        if !r.refused.isEmpty {
            s += "Refused \(r.refused.count) file\(r.refused.count == 1 ? "" : "s") (not written):\n"
            for f in r.refused { s += "  \(f.file): \(f.reason)\n" }
        }
        if !r.skipped.isEmpty {
            s += "Skipped \(r.skipped.count) file\(r.skipped.count == 1 ? "" : "s") (not DICOM, or a second copy of an object)\n"
        }
        var noteCounts: [String: Int] = [:]
        for w in r.written { for n in w.notes { noteCounts[n, default: 0] += 1 } }
        if !noteCounts.isEmpty {
            s += "Notes:\n"
            for (n, c) in noteCounts.sorted(by: { $0.key < $1.key }) { s += "  \(n): \(c) file\(c == 1 ? "" : "s")\n" }
        }
        if !r.warnings.isEmpty {
            s += "Kept values that look identifying (check them; add --clean-all-descriptors or fix at the source):\n"
            for w in r.warnings { s += "  \(w.file ?? "?"): \(w.tagPath) \(w.keyword) \(w.vr.rawValue): \(w.reason)\n" }
        }
        for p in r.missingPaths { s += "\(p): no such file or folder\n" }
        s += "Key file: \(r.keyFile) (\(r.keyEntriesAdded) patient\(r.keyEntriesAdded == 1 ? "" : "s") added). Keep it at the centre; never upload it.\n"
        return s
    }

    // MARK: Verify

    func runVerify() throws {
        let (files, missing) = DeidentificationRun.expand(inputs, excluding: nil)
        var findings: [DeidentificationFinding] = []
        var unreadable: [(String, String)] = []
        var checked = 0
        let progress = ProgressLine("Checking", enabled: !json)
        for (n, item) in files.enumerated() {
            progress.update(n + 1, files.count)
            do {
                let file = try DICOMFile.read(path: item.path)
                checked += 1
                findings += DeidentificationVerifier.findings(in: file)
            } catch let e as DICOMError where e.code == .notDICOM && !item.named {
                continue
            } catch {
                unreadable.append((item.path, DeidentificationRun.describe(error)))
            }
        }
        progress.finish()
        if json {
            print(JSON.object([
                ("files_checked", .int(checked)),
                ("findings", .array(findings.map(DeidCommand.findingJSON))),
                ("unreadable", .array(unreadable.map { .object([("file", .string($0.0)), ("reason", .string($0.1))]) })),
                ("missing_paths", .array(missing.map { .string($0) })),
            ]).serialized())
        } else {
            var s = ""
            var last: String?
            for f in findings {
                if f.file != last { s += "\(f.file ?? "?")\n"; last = f.file }
                s += "  \(f.tagPath) \(f.keyword) \(f.vr.rawValue): \(f.reason)\n"
            }
            for (file, reason) in unreadable { s += "\(file)\n  ERROR: \(reason)\n" }
            for p in missing { s += "\(p): no such file or folder\n" }
            let filesWith = Set(findings.compactMap(\.file)).count
            s += findings.isEmpty
                ? "Nothing identifying found in \(checked) file\(checked == 1 ? "" : "s")\n"
                : "\(findings.count) finding\(findings.count == 1 ? "" : "s") in \(filesWith) of \(checked) file\(checked == 1 ? "" : "s")\n"
            print(s, terminator: "")
        }
        if !missing.isEmpty { throw ExitCode(ExitStatus.noInput) }
        if !findings.isEmpty || !unreadable.isEmpty { throw ExitCode(ExitStatus.dataError) }
    }
}
