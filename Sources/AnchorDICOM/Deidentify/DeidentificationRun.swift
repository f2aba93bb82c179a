import Foundation

/// What a de-identification run did.
public struct DeidentificationReport: Sendable {
    public struct Written: Sendable {
        public var source: String
        public var output: String
        public var pseudonym: String
        public var modality: String
        /// The new SOP Instance UID.
        public var sopInstanceUID: String
        public var notes: [String]
    }
    public struct Refused: Sendable {
        public var file: String
        public var reason: String
    }
    public struct Patient: Sendable {
        public var pseudonym: String
        public var files: Int
        /// Files written per modality.
        public var modalities: [String: Int]
        public var dateOffsetDays: Int
        /// True when the run added the patient to the key file.
        public var newInKeyFile: Bool
    }

    public var written: [Written] = []
    public var refused: [Refused] = []
    public var patients: [Patient] = []
    /// Files inside folders that are not DICOM, and second copies of an object already written.
    public var skipped: [String] = []
    public var missingPaths: [String] = []
    /// What the content checks of `DeidentificationVerifier` still flag in written files: values that
    /// the profile keeps but look identifying (a date in a kept label, an institution in a beam name).
    public var warnings: [DeidentificationFinding] = []
    public var keyFile: String = ""
    public var keyEntriesAdded = 0
}

/// De-identifies files and folders into one folder per patient, named by pseudonym, and keeps the key.
///
/// Files are read twice: once to find the patients (so that every file of a patient gets the same
/// pseudonym and date offset), once to de-identify and write, so memory holds one file per thread.
/// A file that cannot be read or made safe is reported and not copied; nothing else stops. Outputs are
/// written atomically, named `MODALITY.NEW-SOP-INSTANCE-UID.dcm` (original file names may hold names).
public enum DeidentificationRun {
    public static func run(inputs: [String], outputDirectory: String, keyFile: String, deidentifier: Deidentifier,
                           today: String = DeidentificationRun.today(),
                           progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> DeidentificationReport {
        var report = DeidentificationReport()
        report.keyFile = keyFile
        let outAbs = absolute(outputDirectory)
        let keyAbs = absolute(keyFile)
        guard keyAbs != outAbs && !keyAbs.hasPrefix(outAbs + "/") else {
            throw DICOMError(.invalidValue, "the key file must not be inside the output folder, which is meant to leave the centre", file: keyFile)
        }
        let (files, missing) = expand(inputs, excluding: outAbs)
        report.missingPaths = missing
        let total = files.count * 2
        let counter = DeidCounter()

        // Pass 1: who is in each file.
        enum First { case identity(PatientIdentity), failure(String), skipped }
        let first = parallelMap(files) { item -> First in
            defer { progress?(counter.increment(), total) }
            do {
                return .identity(PatientIdentity(try DICOMFile.read(path: item.path).dataSet))
            } catch let e as DICOMError where e.code == .notDICOM && !item.named {
                return .skipped
            } catch {
                return .failure(describe(error))
            }
        }
        var identities: [PatientIdentity] = []
        var readable: [Int] = []
        for (n, r) in first.enumerated() {
            switch r {
            case .identity(let id): identities.append(id); readable.append(n)
            case .failure(let reason): report.refused.append(.init(file: files[n].path, reason: reason))
            case .skipped: report.skipped.append(files[n].path)
            }
        }
        let grouping = PatientGrouping.group(identities, secret: deidentifier.secret, prefix: deidentifier.options.pseudonymPrefix)
        var jobs: [(file: String, patient: Int, identity: PatientIdentity)] = []
        for (k, n) in readable.enumerated() {
            switch grouping.placements[k] {
            case .patient(let p): jobs.append((files[n].path, p, identities[k]))
            case .ambiguous(let reason): report.refused.append(.init(file: files[n].path, reason: reason))
            }
        }
        let patientsInUse = Set(jobs.map(\.patient)).sorted()

        // The key first: a pseudonym is never written without its way back.
        var key = try DeidentificationKeyFile.read(path: keyFile)
        let before = Set(key.entries.map(\.pseudonym))
        let hadFingerprint = key.fingerprint != nil
        report.keyEntriesAdded = try key.merge(patientsInUse.map { grouping.patients[$0] }, fingerprint: deidentifier.secret.fingerprint, today: today)
        if report.keyEntriesAdded > 0 || (!hadFingerprint && !key.entries.isEmpty) {
            try key.write(path: keyFile)
        }

        // Pass 2: de-identify and write.
        let claims = DeidClaims()
        enum Second { case written(DeidentificationReport.Written, [DeidentificationFinding]), refused(String), duplicate }
        let second = parallelMap(jobs) { job -> Second in
            defer { progress?(counter.increment(), total) }
            let patient = grouping.patients[job.patient]
            do {
                let input = try DICOMFile.read(path: job.file)
                guard PatientIdentity(input.dataSet) == job.identity else {
                    return .refused("the file changed while it was being de-identified")
                }
                let result = try deidentifier.deidentify(input, patient: patient)
                guard let uid = result.file.dataSet.string(.sopInstanceUID) else {
                    return .refused("no SOP Instance UID: not an object that can join a case")
                }
                let modality = (result.file.dataSet.string(.modality) ?? "OT").uppercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber) }
                let folder = outAbs + "/" + patient.pseudonym
                let output = folder + "/" + (modality.isEmpty ? "OT" : modality) + "." + uid + ".dcm"
                let bytes = try DICOMWriter.encode(result.file)
                switch claims.claim(output, digest: SHA256Digest.hash(bytes), source: job.file) {
                case .first: break
                case .sameAs: return .duplicate
                case .conflict(let other):
                    return .refused("another input (\(other)) has the same SOP Instance UID with other content")
                }
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                try writeAtomically(bytes, to: output)
                let warnings = DeidentificationVerifier.findings(in: result.file.dataSet, file: output, patientNames: patient.names,
                                                                 safeTextAttributes: deidentifier.options.safeTextAttributes)
                return .written(.init(source: job.file, output: output, pseudonym: patient.pseudonym, modality: modality,
                                      sopInstanceUID: uid, notes: result.notes), warnings)
            } catch {
                return .refused(describe(error))
            }
        }
        for (n, r) in second.enumerated() {
            switch r {
            case .written(let w, let warnings): report.written.append(w); report.warnings += warnings
            case .refused(let reason): report.refused.append(.init(file: jobs[n].file, reason: reason))
            case .duplicate: report.skipped.append(jobs[n].file)
            }
        }
        report.refused.sort { $0.file < $1.file }
        for p in patientsInUse {
            let patient = grouping.patients[p]
            let mine = report.written.filter { $0.pseudonym == patient.pseudonym }
            guard !mine.isEmpty else { continue }
            report.patients.append(.init(pseudonym: patient.pseudonym, files: mine.count,
                                         modalities: Dictionary(grouping: mine, by: \.modality).mapValues(\.count),
                                         dateOffsetDays: patient.dateOffsetDays, newInKeyFile: !before.contains(patient.pseudonym)))
        }
        return report
    }

    /// Today as `YYYY-MM-DD` (UTC), for the key file.
    public static func today() -> String {
        let days = Int(Date().timeIntervalSince1970 / 86400)
        let d = DateShift.civil(days)
        let s = DateShift.format(d)
        return String(s.prefix(4)) + "-" + String(s.dropFirst(4).prefix(2)) + "-" + String(s.suffix(2))
    }

    /// Files as given and folders walked recursively (hidden entries skipped), sorted, leaving out
    /// anything inside `excluding` (the output folder, so a second run never reads its own output).
    public static func expand(_ paths: [String], excluding: String?) -> (files: [(path: String, named: Bool)], missing: [String]) {
        var out: [(String, Bool)] = []
        var missing: [String] = []
        let fm = FileManager.default
        func inside(_ p: String) -> Bool {
            guard let ex = excluding else { return false }
            let a = absolute(p)
            return a == ex || a.hasPrefix(ex + "/")
        }
        for p in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir) else { missing.append(p); continue }
            if !isDir.boolValue { if !inside(p) { out.append((p, true)) }; continue }
            var found: [String] = []
            if let e = fm.enumerator(atPath: p) {
                while let rel = e.nextObject() as? String {
                    let full = (p as NSString).appendingPathComponent(rel)
                    if (rel as NSString).lastPathComponent.hasPrefix(".") || inside(full) { e.skipDescendants(); continue }
                    var d: ObjCBool = false
                    if fm.fileExists(atPath: full, isDirectory: &d), !d.boolValue { found.append(full) }
                }
            }
            out += found.sorted().map { ($0, false) }
        }
        return (out, missing)
    }

    static func absolute(_ p: String) -> String {
        let url = URL(fileURLWithPath: p).standardizedFileURL.resolvingSymlinksInPath()
        var s = url.path
        while s.count > 1 && s.hasSuffix("/") { s.removeLast() }
        return s
    }

    /// A one-line reason for an error, with byte offset and tag when a DICOM error has them.
    public static func describe(_ error: Error) -> String {
        if let e = error as? DICOMError {
            var s = e.message
            if let o = e.offset { s += " (byte \(o)" + (e.tag.map { ", tag \($0)" } ?? "") + ")" } else if let t = e.tag { s += " (tag \(t))" }
            return s
        }
        return "\(error)"
    }

    /// Runs `body` over the items on all cores, keeping the order.
    static func parallelMap<T: Sendable, R>(_ items: [T], _ body: @Sendable (T) -> R) -> [R] {
        var results = [R?](repeating: nil, count: items.count)
        results.withUnsafeMutableBufferPointer { buf in
            nonisolated(unsafe) let out = buf
            DispatchQueue.concurrentPerform(iterations: items.count) { n in out[n] = body(items[n]) }
        }
        return results.map { $0! }
    }
}

final class DeidCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() -> Int { lock.lock(); defer { lock.unlock() }; value += 1; return value }
}

/// Output paths claimed by the inputs of one run, so that one object given twice is written once.
final class DeidClaims: @unchecked Sendable {
    enum Outcome { case first, sameAs, conflict(String) }
    private let lock = NSLock()
    private var claimed: [String: (digest: [UInt8], source: String)] = [:]
    func claim(_ path: String, digest: [UInt8], source: String) -> Outcome {
        lock.lock(); defer { lock.unlock() }
        if let c = claimed[path] { return c.digest == digest ? .sameAs : .conflict(c.source) }
        claimed[path] = (digest, source)
        return .first
    }
}
