import AnchorDICOM
import Foundation
import Vapor

/// De-identification on arrival: files that do not say they are de-identified (Patient Identity
/// Removed (0012,0062) = YES, PS3.15 E.1) go through the same rules as `anchor deid`, keyed by the
/// centre's secret (kept on the server), so a resubmission maps to the same pseudonym and UIDs.
/// An upload is one patient: files of several patients, or a mix of de-identified and identified
/// files (whose UIDs could no longer be linked), refuse the upload.
enum Deidentification {
    struct Output { var files: [(String, DICOMFile)]; var pseudonym: String? }

    static let identityRemoved = Tag(0x0012_0062)

    static func isDeidentified(_ f: DICOMFile) -> Bool { f.dataSet.string(identityRemoved)?.uppercased() == "YES" }

    static func apply(_ files: [(String, DICOMFile)], secret: String) throws -> Output {
        let done = files.filter { isDeidentified($0.1) }
        if done.count == files.count {
            let ids = Set(done.compactMap { $0.1.dataSet.string(.patientID) })
            guard ids.count <= 1 else { throw Abort(.unprocessableEntity, reason: "The files hold \(ids.count) patients; a case is one patient.") }
            return Output(files: files, pseudonym: ids.first)
        }
        guard done.isEmpty else {
            throw Abort(.unprocessableEntity, reason: "\(done.count) of \(files.count) files are de-identified and the others are not (for example \(files.first { !isDeidentified($0.1) }!.0)); send all of them de-identified, or none.")
        }
        let deidentifier = try Deidentifier(secret: try CentreSecret(bytes: Array(secret.utf8)))
        let identities = files.map { PatientIdentity($0.1.dataSet) }
        let grouping = PatientGrouping.group(identities, secret: deidentifier.secret, prefix: deidentifier.options.pseudonymPrefix)
        guard grouping.patients.count == 1 else {
            throw Abort(.unprocessableEntity, reason: "The files hold \(grouping.patients.count) patients; a case is one patient.")
        }
        var out: [(String, DICOMFile)] = []
        for (n, (name, file)) in files.enumerated() {
            guard case .patient(let p) = grouping.placements[n] else {
                throw Abort(.unprocessableEntity, reason: "\(name): the patient of this file cannot be told apart from another.")
            }
            do {
                out.append((name, try deidentifier.deidentify(file, patient: grouping.patients[p]).file))
            } catch {
                throw Abort(.unprocessableEntity, reason: "\(name) could not be de-identified: \(error)")
            }
        }
        return Output(files: out, pseudonym: grouping.patients.first?.pseudonym)
    }
}
