import Foundation
import Vapor

/// The diagnosis given with a submission is seen at the anchor centre, so it must describe the disease
/// and nothing else: a short phrase (histology, site, stage, an ICD-O code such as `9391/3`), no
/// dates, no long numbers, no e-mail addresses, no titles before a name.
enum Diagnosis {
    static let maxLength = 120

    static func validate(_ raw: String) throws -> String {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: #"\s+"#, with: " ", options: .regularExpression)
        guard !text.isEmpty, text.count <= maxLength else {
            throw Abort(.badRequest, reason: "diagnosis must have 1 to \(maxLength) characters.")
        }
        guard text.range(of: #"^[\p{L}\p{N} ,.;:()'/+\-–]+$"#, options: .regularExpression) != nil else {
            throw Abort(.badRequest, reason: "diagnosis may hold letters, digits, spaces and , . ; : ( ) ' / + - only.")
        }
        let refused: [(String, String)] = [
            (#"\d[\d ./-]{5,}\d"#, "a long number or a date"),
            (#"\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b"#, "a date"),
            (#"\b(19|20)\d\d\b"#, "a year"),
            (#"(?i)\b(dr|mr|mrs|ms|miss|mx|prof|born|dob|mrn|nhs|patient)\b\.?"#, "a title, a birth or record reference"),
        ]
        for (pattern, what) in refused where text.range(of: pattern, options: .regularExpression) != nil {
            throw Abort(.badRequest, reason: "diagnosis looks like it holds \(what); give the disease only (for example 'Medulloblastoma, posterior fossa').")
        }
        return text
    }
}
