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
}

/// One uploaded file, as received.
struct UploadedFile: Sendable {
    var name: String
    var bytes: [UInt8]
}

/// Takes an upload to a stored, queued case version: expands zips, reads every file as DICOM,
/// de-identifies what is not yet de-identified (the `anchor deid` rules with the centre's secret),
/// stores the files content-addressed, then commits the rows and the analysis job in one transaction,
/// so the case exists only when all its files are stored.
enum Ingest {
    struct Outcome: Sendable { var caseID: UUID; var versionNumber: Int; var status: String; var files: Int; var skipped: [String] }

    /// Expands zips and keeps DICOM files; non-DICOM entries of a zip are skipped (listed), a named file
    /// that is not DICOM or is damaged refuses the whole upload with its name and the problem.
    static func readFiles(_ uploads: [UploadedFile]) throws -> (files: [(String, DICOMFile, [UInt8])], skipped: [String]) {
        var out: [(String, DICOMFile, [UInt8])] = []
        var skipped: [String] = []
        var problems: [String] = []
        for u in uploads {
            if ZipReader.isZip(u.bytes) {
                let entries: [ZipReader.Entry]
                do { entries = try ZipReader.entries(u.bytes) } catch { problems.append("\(u.name): \(error)"); continue }
                for e in entries {
                    let base = (e.name as NSString).lastPathComponent
                    if base.hasPrefix(".") || base.isEmpty { skipped.append("\(u.name)/\(e.name)"); continue }
                    do { out.append(("\(u.name)/\(e.name)", try DICOMFile(bytes: e.bytes, path: "\(u.name)/\(e.name)"), e.bytes)) } catch let err as DICOMError {
                        if err.code == .notDICOM { skipped.append("\(u.name)/\(e.name)") } else { problems.append(err.description) }
                    }
                }
            } else {
                do { out.append((u.name, try DICOMFile(bytes: u.bytes, path: u.name), u.bytes)) } catch {
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
        // Parsing, de-identification and hashing are CPU work: off the event loop.
        let prepared: (stored: [(name: String, hash: String, size: Int, modality: String?, sopClass: String?)], skipped: [String], pseudonym: String?) =
            try await app.threadPool.runIfActive {
                let (files, skipped) = try readFiles(uploads)
                let deidentified = try Deidentification.apply(files.map { ($0.0, $0.1) }, secret: centre.deidSecret)
                var stored: [(String, String, Int, String?, String?)] = []
                for (name, file) in deidentified.files {
                    let bytes = try DICOMWriter.encode(file)
                    let hash = try store.put(bytes)
                    stored.append((name, hash, bytes.count, file.modality, file.sopClassUID))
                }
                return (stored, skipped, deidentified.pseudonym)
            }
        let outcome = try await db.transaction { tx -> Outcome in
            let c: ReviewCase
            if let existing {
                c = existing
                c.currentVersion += 1
                c.status = ReviewCase.Status.resubmitted.rawValue
            } else {
                c = ReviewCase(centreID: try centre.requireID(), submitterID: try user.requireID(), protocolID: submission.protocolID,
                               ageYears: submission.ageYears, diagnosis: submission.diagnosis, plannedStart: submission.plannedStart)
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
