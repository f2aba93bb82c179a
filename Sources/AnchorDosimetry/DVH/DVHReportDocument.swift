import Foundation

/// The `anchor dvh --json` document read back as a type: what consumers of a stored analysis (the
/// server's viewer and pages) need of it. Keys that are absent decode as nil; other keys are ignored.
public struct DVHReportDocument: Decodable, Sendable, Equatable {
    /// One structure's DVH summary.
    public struct Structure: Decodable, Sendable, Equatable {
        public var name: String
        public var number: Int?
        public var type: String?
        public var volumeCC: Double?
        public var coveredFraction: Double?
        public var minGy: Double?
        public var maxGy: Double?
        public var meanGy: Double?

        enum CodingKeys: String, CodingKey {
            case name, number, type
            case volumeCC = "volume_cc"
            case coveredFraction = "covered_fraction"
            case minGy = "min_gy"
            case maxGy = "max_gy"
            case meanGy = "mean_gy"
        }
    }

    public var prescriptionGy: Double?
    public var prescriptionSource: String?
    public var structures: [Structure]

    enum CodingKeys: String, CodingKey {
        case structures
        case prescriptionGy = "prescription_gy"
        case prescriptionSource = "prescription_source"
    }

    /// Reads a stored or printed `anchor dvh --json` document.
    public static func decode(_ text: String) throws -> DVHReportDocument {
        try JSONDecoder().decode(DVHReportDocument.self, from: Data(text.utf8))
    }

    /// Reads a stored document, nil when there is none or it cannot be read.
    public static func decodeIfPresent(_ text: String?) -> DVHReportDocument? {
        guard let text else { return nil }
        return try? decode(text)
    }
}
