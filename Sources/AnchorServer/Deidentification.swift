import AnchorDICOM
import Foundation
import Vapor

/// De-identification on arrival. Every file goes through the PS3.15 Annex E rules of `anchor deid`,
/// keyed by the centre's secret (kept on the server), whatever it says about itself: a Patient Identity
/// Removed (0012,0062) of YES is a claim, not a proof. The pseudonym is derived from the patient's
/// identity as found in the files (for files de-identified before, from the pseudonym they carry), never
/// copied, so a resubmission of the same patient maps to the same pseudonym and UIDs. The result is then
/// checked by `DeidentificationVerifier`: a file that still holds anything that looks identifying is
/// refused, naming the file and the attribute (never the value). Images that may show text burned into
/// their pixels (PS3.15 E.3.1) are refused unless they state Burned In Annotation (0028,0301) NO.
/// An upload is one patient.
enum Deidentification {
    struct Output { var files: [(String, DICOMFile)]; var pseudonym: String }

    static let burnedIn = Tag(0x0028_0301)

    /// Modalities and SOP classes whose pixels often carry text (PS3.4 B.5: Secondary Capture; RT Image).
    static func mayShowBurnedInText(_ f: DICOMFile) -> Bool {
        guard f.dataSet.contains(.pixelData) else { return false }
        if let c = f.sopClassUID, c.hasPrefix("1.2.840.10008.5.1.4.1.1.7") { return true }
        return ["RTIMAGE", "OT", "SC", "US", "XC", "ES", "GM", "DOC", "SM", "XA", "RF"].contains(f.modality?.uppercased() ?? "")
    }

    static func apply(_ files: [(String, DICOMFile)], secret: String) throws -> Output {
        let deidentifier = try Deidentifier(secret: try CentreSecret(bytes: Array(secret.utf8)))
        let identities = files.map { PatientIdentity($0.1.dataSet) }
        let grouping = PatientGrouping.group(identities, secret: deidentifier.secret, prefix: deidentifier.options.pseudonymPrefix)
        guard grouping.patients.count == 1, let patient = grouping.patients.first else {
            throw Abort(.unprocessableEntity, reason: "The files hold \(grouping.patients.count) patients; a case is one patient.")
        }
        var out: [(String, DICOMFile)] = []
        var problems: [String] = []
        for (n, (name, file)) in files.enumerated() {
            guard case .patient = grouping.placements[n] else {
                problems.append("\(name): the patient of this file cannot be told apart from another")
                continue
            }
            if mayShowBurnedInText(file), file.dataSet.string(burnedIn)?.uppercased() != "NO" {
                problems.append("\(name): \(file.modality ?? "this image") may show identifying text burned into its pixels and does not state Burned In Annotation (0028,0301) NO; leave it out of the case")
                continue
            }
            let result: Deidentifier.Result
            do {
                result = try deidentifier.deidentify(file, patient: patient)
            } catch let e as DICOMError {
                problems.append("\(name): \(e.tag.map { "\($0) " } ?? "")\(e.message)")
                continue
            }
            let findings = DeidentificationVerifier.findings(in: result.file.dataSet, file: name)
            if !findings.isEmpty {
                let listed = findings.prefix(5).map { "\($0.tagPath)\($0.keyword.isEmpty ? "" : " " + $0.keyword): \($0.reason)" }
                problems.append("\(name): still identifying after de-identification: " + listed.joined(separator: "; ")
                                + (findings.count > 5 ? " (and \(findings.count - 5) more)" : ""))
                continue
            }
            out.append((name, result.file))
        }
        if !problems.isEmpty {
            throw Abort(.unprocessableEntity, reason: "The case was not accepted, so nothing identifying reaches the reviewing centre: "
                        + problems.prefix(20).joined(separator: " | ") + (problems.count > 20 ? " (and \(problems.count - 20) more files)" : ""))
        }
        return Output(files: out, pseudonym: patient.pseudonym)
    }
}
