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

    /// Tag to first VR of every fixed (non-repeating) attribute, read straight from the table's bytes.
    /// Reading an implicit VR file needs only this; building every `Entry` (names, keywords, UIDs) took
    /// 17.5 % of `anchor dvh` on eclipse-prostate (perf, bench/dvh), this a fraction of that.
    static let implicitVRs: [UInt32: VR] = {
        var table: [UInt32: VR] = [:]
        table.reserveCapacity(5300)
        var text = generatedAttributes
        text.withUTF8 { b in
            var i = 0
            let n = b.count
            while i + 12 <= n {
                // A line: 8 hex digits (lowercase x in repeaters), TAB, VR alternatives, TAB ...
                var tag: UInt32 = 0
                var fixed = true
                for k in 0..<8 {
                    let c = b[i + k]
                    switch c {
                    case UInt8(ascii: "0")...UInt8(ascii: "9"): tag = tag << 4 | UInt32(c - UInt8(ascii: "0"))
                    case UInt8(ascii: "A")...UInt8(ascii: "F"): tag = tag << 4 | UInt32(c - UInt8(ascii: "A") + 10)
                    default: fixed = false
                    }
                }
                if fixed, b[i + 8] == 0x09, let vr = VR(byte0: b[i + 9], byte1: b[i + 10]) { table[tag] = vr }
                while i < n && b[i] != 0x0A { i += 1 }
                i += 1
            }
        }
        return table
    }()

    /// The VR implicit VR data has for a tag (PS3.5 A.1): the dictionary's first alternative; repeating
    /// groups through the full entry; nil when unknown.
    public static func implicitVR(for tag: Tag) -> VR? {
        if let vr = implicitVRs[tag.rawValue] { return vr }
        return entry(for: tag)?.vr
    }

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
