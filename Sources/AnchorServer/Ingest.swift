import AnchorDICOM
import AnchorRT
import Fluent
import Vapor

/// What a submitter sends with the files.
struct CaseSubmission: Sendable {
    var protocolID: String
    var ageYears: Double
    var diagnosis: String
    var plannedStart: String
    /// Prescription (Gy) and number of fractions given with the submission (optional).
    var prescriptionGy: Double? = nil
    var fractions: Int? = nil
}

/// One uploaded file, as received: spooled to disk (`path`) or in memory (`bytes`, the demo).
struct UploadedFile: Sendable {
    var name: String
    var path: String?
    var bytes: [UInt8]?
    var size: Int

    init(name: String, bytes: [UInt8]) { self.name = name; self.bytes = bytes; self.path = nil; self.size = bytes.count }
    init(name: String, path: String, size: Int) { self.name = name; self.path = path; self.bytes = nil; self.size = size }

    func load() throws -> [UInt8] {
        if let bytes { return bytes }
        return try readFileBytes(path ?? "")
    }
}

/// The limits of one upload (`ServerConfig`).
struct UploadLimits: Sendable {
    var maxExpandedBytes: Int
    var maxFiles: Int
    var preflight: Preflight.Limits
    init(_ c: ServerConfig) {
        maxExpandedBytes = c.maxExpandedBytes
        maxFiles = c.maxFilesPerUpload
        preflight = Preflight.Limits(c)
    }
}

/// Takes an upload to a stored, queued case version: expands zips, reads every file as DICOM,
/// de-identifies what is not yet de-identified (the `anchor deid` rules with the centre's secret),
/// stores the files content-addressed, then commits the rows and the analysis job in one transaction,
/// so the case exists only when all its files are stored.
enum Ingest {
    struct Outcome: Sendable { var caseID: UUID; var versionNumber: Int; var status: String; var files: Int; var skipped: [String] }

    /// Expands zips and keeps DICOM files; non-DICOM entries of a zip are skipped (listed), a named file
    /// that is not DICOM or is damaged refuses the whole upload with its name and the problem.
    static func readFiles(_ uploads: [UploadedFile], limits: UploadLimits) throws -> (files: [(String, DICOMFile, [UInt8])], skipped: [String]) {
        var out: [(String, DICOMFile, [UInt8])] = []
        var skipped: [String] = []
        var problems: [String] = []
        var total = 0
        for upload in uploads {
            // Sizes are checked before anything is read or expanded.
            total += upload.size
            guard total <= limits.maxExpandedBytes else {
                throw Abort(.payloadTooLarge, reason: "The files of the upload are larger than the limit of \(limits.maxExpandedBytes) bytes.")
            }
            let u = (name: upload.name, bytes: try upload.load())
            if ZipReader.isZip(u.bytes) {
                total -= upload.size
                if let problem = ZipPrecheck.problem(u.bytes, maxExpandedBytes: max(0, limits.maxExpandedBytes - total)) {
                    problems.append("\(u.name): \(problem)")
                    continue
                }
                let entries: [ZipReader.Entry]
                do { entries = try ZipReader.entries(u.bytes, maxTotal: max(0, limits.maxExpandedBytes - total)) } catch { problems.append("\(u.name): \(error)"); continue }
                total += entries.reduce(0) { $0 + $1.bytes.count }
                guard out.count + entries.count <= limits.maxFiles else {
                    throw Abort(.payloadTooLarge, reason: "The upload holds more than \(limits.maxFiles) files.")
                }
                for e in entries {
                    let base = (e.name as NSString).lastPathComponent
                    if base.hasPrefix(".") || base.isEmpty { skipped.append("\(u.name)/\(e.name)"); continue }
                    do {
                        let f = try DICOMFile(bytes: e.bytes, path: "\(u.name)/\(e.name)")
                        if let p = Preflight.problem(f, name: "\(u.name)/\(e.name)", limits: limits.preflight) { problems.append(p); continue }
                        out.append(("\(u.name)/\(e.name)", f, e.bytes))
                    } catch let err as DICOMError {
                        if err.code == .notDICOM { skipped.append("\(u.name)/\(e.name)") } else { problems.append(err.description) }
                    } catch {
                        problems.append("\(u.name)/\(e.name): \(error)")
                    }
                }
            } else {
                do {
                    let f = try DICOMFile(bytes: u.bytes, path: u.name)
                    if let p = Preflight.problem(f, name: u.name, limits: limits.preflight) { problems.append(p); continue }
                    out.append((u.name, f, u.bytes))
                } catch {
                    problems.append("\(error)")
                }
            }
        }
        if !problems.isEmpty {
            throw Abort(.unprocessableEntity, reason: "These files could not be read, so the case was not accepted: " + problems.joined(separator: "; "))
        }
        guard !out.isEmpty else { throw Abort(.badRequest, reason: "No DICOM files in the upload (field 'files').") }
        return (out, skipped)
    }

    /// Stores a new case (or a new version of `existing`) and queues its analysis.
    static func submit(_ uploads: [UploadedFile], submission: CaseSubmission, by user: User, existing: ReviewCase? = nil,
                       app: Application, db: Database) async throws -> Outcome {
        let centre = try await Centre.find(user.$centre.id, on: db)
        guard let centre else { throw Abort(.internalServerError, reason: "user has no centre") }
        let store = app.objectStore
        let limits = UploadLimits(app.anchorConfig)
        // Parsing, de-identification and hashing are CPU work: off the event loop.
        let prepared: (stored: [(name: String, hash: String, size: Int, modality: String?, sopClass: String?)], skipped: [String], pseudonym: String?) =
            try await app.threadPool.runIfActive {
                let (files, skipped) = try readFiles(uploads, limits: limits)
                let deidentified = try Deidentification.apply(files.map { ($0.0, $0.1) }, secret: centre.deidSecret)
                var stored: [(String, String, Int, String?, String?)] = []
                for (name, file) in deidentified.files {
                    let bytes = try DICOMWriter.encode(file)
                    let hash = try store.put(bytes)
                    stored.append((name, hash, bytes.count, file.modality, file.sopClassUID))
                }
                return (stored, skipped, deidentified.pseudonym)
            }
        // A new version must be the same patient: the pseudonyms are derived with the same centre secret.
        if let existing, let before = existing.pseudonym, before != prepared.pseudonym {
            throw Abort(.unprocessableEntity, reason: "These files are of another patient than the case (pseudonym \(prepared.pseudonym ?? "none") instead of \(before)); a new version must be the same patient.")
        }
        let outcome = try await db.transaction { tx -> Outcome in
            let c: ReviewCase
            if let existing {
                c = existing
                c.currentVersion += 1
                c.status = ReviewCase.Status.resubmitted.rawValue
            } else {
                c = ReviewCase(centreID: try centre.requireID(), submitterID: try user.requireID(), protocolID: submission.protocolID,
                               ageYears: submission.ageYears, diagnosis: submission.diagnosis, plannedStart: submission.plannedStart,
                               prescriptionGy: submission.prescriptionGy, fractions: submission.fractions)
                c.pseudonym = prepared.pseudonym
            }
            c.worstGrade = nil
            try await c.save(on: tx)
            let version = CaseVersion(caseID: try c.requireID(), number: c.currentVersion)
            try await version.save(on: tx)
            for s in prepared.stored {
                try await StoredFile(versionID: try version.requireID(), sha256: s.hash, size: s.size, originalName: s.name,
                                     modality: s.modality, sopClassUID: s.sopClass).save(on: tx)
            }
            try await Job(kind: "analyse", versionID: try version.requireID()).save(on: tx)
            return Outcome(caseID: try c.requireID(), versionNumber: c.currentVersion, status: c.status, files: prepared.stored.count, skipped: prepared.skipped)
        }
        return outcome
    }
}
