import Foundation

/// The key from pseudonyms back to patients: a tab-separated text file that stays at the centre and is
/// never uploaded (the review networks' model: de-identify at the site and keep the key there).
///
/// Entries are only ever added: a pseudonym already in the file keeps its line as it is. The file records
/// a fingerprint of the centre secret, so a run with another secret (which would give the same patients
/// other pseudonyms) is refused before anything is written.
public struct DeidentificationKeyFile: Sendable {
    public struct Entry: Sendable, Equatable {
        public var pseudonym: String
        public var patientID: String
        public var issuerOfPatientID: String
        /// The names found, joined with ` | ` when the files spelled the name in more than one way.
        public var patientNames: String
        public var birthDates: String
        /// Days added to every date of the patient under the Modified Dates Option (negative: earlier).
        public var dateOffsetDays: Int
        /// Day of the run that added the entry, `YYYY-MM-DD`.
        public var firstWritten: String
    }

    public var fingerprint: String?
    public var entries: [Entry]

    static let columns = ["pseudonym", "patient_id", "issuer_of_patient_id", "patient_names", "birth_dates", "date_offset_days", "first_written"]
    static let fingerprintPrefix = "# centre-secret-fingerprint: "

    public init(fingerprint: String? = nil, entries: [Entry] = []) {
        self.fingerprint = fingerprint
        self.entries = entries
    }

    /// Reads a key file; a file that does not exist yet reads as empty.
    public static func read(path: String) throws -> DeidentificationKeyFile {
        guard FileManager.default.fileExists(atPath: path) else { return DeidentificationKeyFile() }
        let text = String(decoding: try readFileBytes(path), as: UTF8.self)
        var key = DeidentificationKeyFile()
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : String(raw)
            if line.hasPrefix(fingerprintPrefix) { key.fingerprint = String(line.dropFirst(fingerprintPrefix.count)); continue }
            if line.hasPrefix("#") || line == columns.joined(separator: "\t") { continue }
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count == columns.count, let offset = Int(f[5]) else {
                throw DICOMError(.invalidValue, "line \(n + 1) of the key file does not have the \(columns.count) columns \(columns.joined(separator: ", "))", file: path)
            }
            key.entries.append(Entry(pseudonym: f[0], patientID: f[1], issuerOfPatientID: f[2], patientNames: f[3],
                                     birthDates: f[4], dateOffsetDays: offset, firstWritten: f[6]))
        }
        return key
    }

    /// Adds the patients not yet in the file; returns how many were added. Throws when the file was made
    /// with another secret, or when a pseudonym in the file stands for another patient ID (a collision).
    @discardableResult
    public mutating func merge(_ patients: [PseudonymisedPatient], fingerprint: String, today: String) throws -> Int {
        if let existing = self.fingerprint, existing != fingerprint {
            throw DICOMError(.invalidValue, "the key file was written with another centre secret (fingerprint \(existing), this secret \(fingerprint)); use the secret it was made with, or another key file")
        }
        self.fingerprint = fingerprint
        var index = Dictionary(entries.enumerated().map { ($1.pseudonym, $0) }, uniquingKeysWith: { a, _ in a })
        var added = 0
        for p in patients {
            if let i = index[p.pseudonym] {
                if entries[i].patientID != p.patientID || entries[i].issuerOfPatientID != p.issuerOfPatientID {
                    throw DICOMError(.invalidValue, "pseudonym \(p.pseudonym) already stands for another patient in the key file")
                }
                continue
            }
            index[p.pseudonym] = entries.count
            entries.append(Entry(pseudonym: p.pseudonym, patientID: p.patientID, issuerOfPatientID: p.issuerOfPatientID,
                                 patientNames: p.names.joined(separator: " | "), birthDates: p.birthDates.joined(separator: " | "),
                                 dateOffsetDays: p.dateOffsetDays, firstWritten: today))
            added += 1
        }
        return added
    }

    /// The file's text.
    public var text: String {
        func clean(_ s: String) -> String { String(s.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 }) }
        var out = "# Anchor de-identification key: pseudonym to patient. Keep it at the centre; never upload it.\n"
        if let fingerprint { out += DeidentificationKeyFile.fingerprintPrefix + fingerprint + "\n" }
        out += DeidentificationKeyFile.columns.joined(separator: "\t") + "\n"
        for e in entries {
            out += [e.pseudonym, e.patientID, e.issuerOfPatientID, e.patientNames, e.birthDates, String(e.dateOffsetDays), e.firstWritten]
                .map(clean).joined(separator: "\t") + "\n"
        }
        return out
    }

    /// Writes the file through a temporary file and a rename, readable by its owner only (mode 0600).
    public func write(path: String) throws {
        try writeAtomically(Array(text.utf8), to: path, mode: 0o600)
    }
}
