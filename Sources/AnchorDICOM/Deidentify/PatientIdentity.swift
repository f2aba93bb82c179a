/// The attributes that identify a patient in one file, read before de-identification.
public struct PatientIdentity: Sendable, Hashable {
    public var patientID: String
    public var issuerOfPatientID: String
    public var name: String
    public var birthDate: String
    public var studyInstanceUID: String
    /// Other Patient IDs (0010,1000, retired) and the IDs of Other Patient IDs Sequence (0010,1002).
    public var otherIDs: [String]

    public init(_ ds: DataSet) {
        patientID = ds.string(.patientID) ?? ""
        issuerOfPatientID = ds.string(Tag(0x0010_0021)) ?? ""
        name = (ds.rawText(.patientName) ?? "").trimmingDICOMPadding()
        birthDate = ds.string(.patientBirthDate) ?? ""
        studyInstanceUID = ds.string(.studyInstanceUID) ?? ""
        otherIDs = ds.strings(Tag(0x0010_1000)).filter { !$0.isEmpty }
            + ds.sequence(Tag(0x0010_1002)).compactMap { $0.string(.patientID) }
    }

    /// The name compared across files: upper case, components trimmed, empty trailing components dropped,
    /// so `Doe^John` and `DOE^JOHN^^^` are one name (PS3.5 6.2.1: trailing empty components may be omitted).
    public var normalisedName: String {
        var groups = name.uppercased().split(separator: "=", omittingEmptySubsequences: false).map { group in
            var parts = group.split(separator: "^", omittingEmptySubsequences: false).map { $0.trimmed(" ") }
            while parts.last == "" { parts.removeLast() }
            return parts.joined(separator: "^")
        }
        while groups.last == "" { groups.removeLast() }
        return groups.joined(separator: "=")
    }
}

extension Substring {
    func trimmed(_ c: Character) -> String {
        var s = self
        while s.first == c { s.removeFirst() }
        while s.last == c { s.removeLast() }
        return String(s)
    }
}

/// One patient found among the inputs, with the values derived from the centre secret.
public struct PseudonymisedPatient: Sendable {
    public var pseudonym: String
    /// The string the derivations are computed from (patient ID and issuer, plus name and birth date when
    /// the ID alone is shared by different patients).
    public var identityKey: String
    public var dateOffsetDays: Int
    public var patientID: String
    public var issuerOfPatientID: String
    /// Names and birth dates as found in the files (all variants).
    public var names: [String]
    public var birthDates: [String]
    public var otherIDs: [String]

    /// Values that must not survive in any text of a de-identified file: the IDs, and each name
    /// component of three letters or more (shorter ones match too much ordinary text).
    /// Name components of exactly two letters (upper case): too short for `textNeedles`' substring
    /// use elsewhere, but a child's given name often is one (Jo, Li, Bo), so they are looked for as whole words.
    var shortNameParts: [String] {
        Set(names.flatMap { DeidentificationVerifier.nameParts($0) }.filter { $0.count == 2 }).sorted()
    }

    var textNeedles: [String] {
        var out = Set<String>()
        for id in [patientID] + otherIDs where id.count >= 3 { out.insert(id.uppercased()) }
        for n in names {
            for part in n.uppercased().split(whereSeparator: { $0 == "^" || $0 == "=" || $0 == " " || $0 == "," }) where part.count >= 3 {
                out.insert(String(part))
            }
        }
        return out.sorted()
    }
}

/// Groups files by patient. Files are one patient when their Patient ID and Issuer of Patient ID agree;
/// when one ID carries different names or birth dates, the files are split by those (mixed patients are
/// separated, never merged), and a file that lacks the value that would place it is refused as ambiguous.
/// Without a Patient ID, name and birth date identify the patient, and without those the study does.
public enum PatientGrouping {
    public enum Placement: Sendable, Equatable {
        case patient(Int)
        case ambiguous(String)
    }

    /// For each identity, the index of its patient in the returned list, or why it could not be placed.
    public static func group(_ identities: [PatientIdentity], secret: CentreSecret, prefix: String)
        -> (patients: [PseudonymisedPatient], placements: [Placement]) {
        var byKey: [String: [Int]] = [:]
        var order: [String] = []
        for (n, id) in identities.enumerated() {
            let key: String
            if !id.patientID.isEmpty {
                key = "id\u{1}" + id.issuerOfPatientID + "\u{1}" + id.patientID
            } else if !id.normalisedName.isEmpty || !id.birthDate.isEmpty {
                key = "name\u{1}" + id.normalisedName + "\u{1}" + id.birthDate
            } else {
                key = "study\u{1}" + id.studyInstanceUID
            }
            if byKey[key] == nil { order.append(key) }
            byKey[key, default: []].append(n)
        }

        var patients: [PseudonymisedPatient] = []
        var placements = [Placement](repeating: .ambiguous("not grouped"), count: identities.count)
        func add(_ key: String, _ members: [Int]) {
            let ids = members.map { identities[$0] }
            let p = PseudonymisedPatient(
                pseudonym: secret.pseudonym(for: key, prefix: prefix), identityKey: key,
                dateOffsetDays: secret.dateOffsetDays(for: key),
                patientID: ids.first?.patientID ?? "", issuerOfPatientID: ids.first?.issuerOfPatientID ?? "",
                names: unique(ids.map(\.name)), birthDates: unique(ids.map(\.birthDate)),
                otherIDs: unique(ids.flatMap(\.otherIDs)))
            for m in members { placements[m] = .patient(patients.count) }
            patients.append(p)
        }

        for key in order {
            let members = byKey[key]!
            let names = Set(members.map { identities[$0].normalisedName }.filter { !$0.isEmpty })
            let births = Set(members.map { identities[$0].birthDate }.filter { !$0.isEmpty })
            let splitName = names.count > 1, splitBirth = births.count > 1
            if !key.hasPrefix("id\u{1}") || (!splitName && !splitBirth) {
                add(key, members)
                continue
            }
            // One ID, several people: split on the values that differ.
            func subKey(_ id: PatientIdentity) -> String? {
                if splitName && id.normalisedName.isEmpty { return nil }
                if splitBirth && id.birthDate.isEmpty { return nil }
                return key + "\u{1}" + (splitName ? id.normalisedName : "") + "\u{1}" + (splitBirth ? id.birthDate : "")
            }
            var subs: [String: [Int]] = [:]
            var subOrder: [String] = []
            var unplaced: [Int] = []
            for m in members {
                if let k = subKey(identities[m]) {
                    if subs[k] == nil { subOrder.append(k) }
                    subs[k, default: []].append(m)
                } else {
                    unplaced.append(m)
                }
            }
            for m in unplaced {
                let id = identities[m]
                let fits = subOrder.filter { k in
                    let sample = identities[subs[k]![0]]
                    return (!splitName || id.normalisedName.isEmpty || id.normalisedName == sample.normalisedName)
                        && (!splitBirth || id.birthDate.isEmpty || id.birthDate == sample.birthDate)
                }
                if fits.count == 1 {
                    subs[fits[0]]!.append(m)
                } else {
                    placements[m] = .ambiguous("patient ID '\(id.patientID)' belongs to \(subOrder.count) different patients (by name or birth date) and this file does not say which")
                }
            }
            for k in subOrder { add(k, subs[k]!) }
        }
        return (patients, placements)
    }

    static func unique(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.filter { !$0.isEmpty && seen.insert($0).inserted }
    }
}
