/// The DICOM data dictionary (PS3.6 section 6 and Annex A), parsed on first use from the table that
/// `Scripts/generate-dictionary.py` generates into `DataDictionary+Generated.swift`.
public enum DataDictionary {
    /// One attribute of PS3.6.
    public struct Entry: Sendable {
        public let tag: Tag
        /// VR alternatives, e.g. `[.US, .SS]` for `US or SS`; `[.UN]` when the standard gives none.
        public let vrs: [VR]
        public let vm: String
        public let keyword: String
        public let name: String
        public let isRetired: Bool
        /// The VR used when the file does not say (implicit VR): the first alternative (OW for pixel data, PS3.5 A.1).
        public var vr: VR { vrs.first ?? .UN }
    }

    /// One UID of PS3.6 Annex A.
    public struct UIDEntry: Sendable {
        public let uid: String
        public let name: String
        public let type: String
        public let keyword: String
        public let isRetired: Bool
    }

    struct Tables: Sendable {
        var exact: [UInt32: Entry] = [:]
        /// Repeating-group entries: (mask of fixed bits, value of fixed bits, entry).
        var repeaters: [(mask: UInt32, value: UInt32, entry: Entry)] = []
        var byKeyword: [String: Entry] = [:]
        var uids: [String: UIDEntry] = [:]
    }

    static let tables: Tables = {
        var t = Tables()
        for line in generatedAttributes.split(separator: "\n") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count >= 6 else { continue }
            let tagText = f[0]
            var mask: UInt32 = 0, value: UInt32 = 0
            for ch in tagText.utf8 {
                mask <<= 4; value <<= 4
                if ch != UInt8(ascii: "x") {
                    mask |= 0xF
                    value |= UInt32(Character(Unicode.Scalar(ch)).hexDigitValue ?? 0)
                }
            }
            let vrs = f[1].split(separator: "|").compactMap { VR(rawValue: String($0)) }
            let entry = Entry(tag: Tag(value), vrs: vrs.isEmpty ? [.UN] : vrs, vm: String(f[2]),
                              keyword: String(f[3]), name: String(f[5]), isRetired: f[4] == "R")
            if mask == 0xFFFF_FFFF { t.exact[value] = entry } else { t.repeaters.append((mask, value, entry)) }
            if !entry.keyword.isEmpty { t.byKeyword[entry.keyword] = entry }
        }
        for line in generatedUIDs.split(separator: "\n") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count >= 5 else { continue }
            t.uids[String(f[0])] = UIDEntry(uid: String(f[0]), name: String(f[1]), type: String(f[2]),
                                            keyword: String(f[3]), isRetired: f[4] == "R")
        }
        return t
    }()

    /// The entry for a tag, including repeating groups (50xx, 60xx ...). Private tags return nil,
    /// except private creator elements (gggg,0010-00FF), which are LO (PS3.5 section 7.8.1).
    public static func entry(for tag: Tag) -> Entry? {
        if let e = tables.exact[tag.rawValue] { return e }
        if tag.isPrivate {
            if tag.element >= 0x10 && tag.element <= 0xFF {
                return Entry(tag: tag, vrs: [.LO], vm: "1", keyword: "PrivateCreator", name: "Private Creator", isRetired: false)
            }
            return nil
        }
        if tag.isGroupLength {
            return Entry(tag: tag, vrs: [.UL], vm: "1", keyword: "GroupLength", name: "Group Length", isRetired: true)
        }
        for r in tables.repeaters where tag.rawValue & r.mask == r.value { return r.entry }
        return nil
    }

    /// The entry for a keyword such as `PatientName`.
    public static func entry(keyword: String) -> Entry? { tables.byKeyword[keyword] }

    /// The name of a UID (SOP class, transfer syntax, ...), or nil when the standard does not list it.
    public static func uidName(_ uid: String) -> String? { tables.uids[uid]?.name }

    public static func uidEntry(_ uid: String) -> UIDEntry? { tables.uids[uid] }
}
