import Foundation

/// One attribute that still looks identifying.
public struct DeidentificationFinding: Sendable, Equatable {
    public var file: String?
    /// Where the attribute is: `(300A,00B0)[0](0008,0080)` is Institution Name in the first item of Beam Sequence.
    public var tagPath: String
    public var tag: Tag
    public var vr: VR
    /// The attribute's keyword, or `private` / empty when the dictionary does not know it.
    public var keyword: String
    public var reason: String
}

/// Checks a de-identified data set for anything that still looks identifying, in every element,
/// inside sequences and private attributes alike.
///
/// Structural checks follow Table E.1-1 (PS3.15 Annex E) with the options the file declares in
/// De-identification Method Code Sequence (0012,0064): attributes that should be gone or empty, private
/// attributes, curves and overlays, instance UIDs that were not replaced (a UID often embeds a date, a
/// device serial or a patient number), and Patient Identity Removed (0012,0062). Content checks look at
/// every text value for person names, dates, long numbers (phone numbers, record numbers), e-mail and
/// postal addresses and institution names; dates are accepted when the file says they were modified
/// (Longitudinal Temporal Information Modified (0028,0303) MODIFIED).
public enum DeidentificationVerifier {
    /// All findings for a data set.
    /// - Parameters:
    ///   - patientNames: the patient's names as they were before de-identification (Patient's Name values,
    ///     `Family^Given^Middle`), when the caller has them: every part of two letters or more is then
    ///     looked for as a whole word in every free-text value (an ROI named after the child).
    ///   - safeTextAttributes: free text outside Table E.1-1 that may hold a value (see
    ///     `DeidentificationOptions.safeTextAttributes`); any other such free text is a finding.
    public static func findings(in ds: DataSet, file: String? = nil, patientNames: [String] = [],
                                safeTextAttributes: Set<Tag> = DeidentificationOptions.defaultSafeTextAttributes) -> [DeidentificationFinding] {
        let options = declaredOptions(ds)
        var out = structuralFindings(in: ds, options: options)
        let datesModified = ds.string(Tag(0x0028_0303))?.uppercased() == "MODIFIED" || options.contains(.retainLongitudinalModifiedDates)
        let pseudonym = ds.string(.patientID).flatMap { isPseudonym($0) ? $0 : nil }
        let context = ContentContext(datesModified: datesModified, pseudonym: pseudonym,
                                     nameParts: Set(patientNames.flatMap(nameParts)), safeText: safeTextAttributes)
        contentFindings(ds, path: "", context: context, into: &out)
        for i in out.indices { out[i].file = file }
        return out
    }

    /// The parts of a person name (PS3.5 6.2.1: components by `^`, groups by `=`, and the words within a
    /// component), upper case, letters only, two letters or more.
    public static func nameParts(_ name: String) -> [String] {
        name.uppercased().split { !$0.isLetter }.map(String.init).filter { $0.count >= 2 }
    }

    /// All findings for a file: its data set, and the parts around it that can carry data too: the
    /// 128-byte preamble (PS3.10 7.1; zero unless the file is also a TIFF or the like) and the
    /// Application Entity titles of the file meta information (PS3.10 7.1: the sending hospital's AE).
    /// `patientNames` and `safeTextAttributes` as for the data set.
    public static func findings(in file: DICOMFile, patientNames: [String] = [],
                                safeTextAttributes: Set<Tag> = DeidentificationOptions.defaultSafeTextAttributes) -> [DeidentificationFinding] {
        var out = findings(in: file.dataSet, file: file.path, patientNames: patientNames, safeTextAttributes: safeTextAttributes)
        if let p = file.preamble, p.contains(where: { $0 != 0 }) {
            out.append(DeidentificationFinding(file: file.path, tagPath: "preamble", tag: Tag(0), vr: .OB, keyword: "",
                                               reason: "the 128-byte preamble is not zero and may hold data"))
        }
        for t: UInt32 in [0x0002_0016, 0x0002_0017, 0x0002_0018] {
            if let v = file.meta.string(Tag(t)) {
                var f = finding(Tag(t), .AE, Tag(t).description, "application entity title '\(v)' in the file meta information")
                f.file = file.path
                out.append(f)
            }
        }
        return out
    }

    /// The options a file declares in De-identification Method Code Sequence (0012,0064) (CID 7050).
    public static func declaredOptions(_ ds: DataSet) -> Set<DeidentificationProfile.Option> {
        Set(ds.sequence(Tag(0x0012_0064)).compactMap { $0.string(Tag(0x0008_0100)).flatMap(DeidentificationProfile.Option.init(code:)) })
    }

    /// `PREFIX-` and 10 Crockford base32 characters, as `CentreSecret.pseudonym` makes them.
    public static func isPseudonym(_ s: String) -> Bool {
        s.range(of: #"^[A-Z0-9]{1,16}-[0-9A-HJKMNP-TV-Z]{10}$"#, options: .regularExpression) != nil
    }

    /// Checks that depend only on Table E.1-1 and the chosen options; the de-identifier refuses to write
    /// a file with any of these.
    public static func structuralFindings(in ds: DataSet, options: Set<DeidentificationProfile.Option>) -> [DeidentificationFinding] {
        var out: [DeidentificationFinding] = []
        structural(ds, path: "", depth: 0, options: options, into: &out)
        if ds.string(Tag(0x0012_0062))?.uppercased() != "YES" {
            out.append(finding(Tag(0x0012_0062), .CS, "(0012,0062)", "Patient Identity Removed is not YES (PS3.15 E.1.1)"))
        }
        for tag in [Tag.patientName, .patientID] {
            let value = ds.string(tag) ?? ""
            if !value.isEmpty && !isPseudonym(value) && value != Deidentifier.dummyText {
                out.append(finding(tag, tag == .patientName ? .PN : .LO, tag.description, "not a pseudonym"))
            }
        }
        return out
    }

    static func finding(_ tag: Tag, _ vr: VR, _ path: String, _ reason: String) -> DeidentificationFinding {
        let keyword = tag.isPrivate ? "private" : (DataDictionary.entry(for: tag)?.keyword ?? "")
        return DeidentificationFinding(file: nil, tagPath: path, tag: tag, vr: vr, keyword: keyword, reason: reason)
    }

    static func structural(_ ds: DataSet, path: String, depth: Int, options: Set<DeidentificationProfile.Option>,
                           into out: inout [DeidentificationFinding]) {
        for e in ds.elements {
            let here = path + e.tag.description
            let isEmpty: Bool
            switch e.value {
            case .bytes(let b): isEmpty = b.allSatisfy { $0 == 0x20 || $0 == 0 }
            case .sequence(let items): isEmpty = items.isEmpty
            case .fragments: isEmpty = false
            }
            let row = DeidentificationProfile.row(for: e.tag)
            let action = row?.action(with: options)
            let group = e.tag.group
            if e.tag.isPrivate {
                out.append(finding(e.tag, e.vr, here, "private attribute (PS3.15 Table E.1-1: X)"))
            } else if group >= 0x5000 && group <= 0x501E && group & 1 == 0 {
                out.append(finding(e.tag, e.vr, here, "curve data (PS3.15 Table E.1-1: X)"))
            } else if group >= 0x6000 && group <= 0x601E && group & 1 == 0 && (e.tag.element == 0x3000 || e.tag.element == 0x4000) {
                out.append(finding(e.tag, e.vr, here, "overlay data or comments (PS3.15 Table E.1-1: X)"))
            } else if let row, let action, !(depth == 0 && (e.tag == .patientName || e.tag == .patientID)) {
                switch action {
                case .remove:
                    out.append(finding(e.tag, e.vr, here, "present, but PS3.15 Table E.1-1 says X (remove)"))
                case .zero, .removeOrZero:
                    if !isEmpty {
                        out.append(finding(e.tag, e.vr, here, "has a value, but PS3.15 Table E.1-1 says \(row.basic == action ? action.rawValue : action.rawValue + " (option)") (empty)"))
                    }
                default:
                    break
                }
            }
            // A UID the table keeps (an option's K or C) is the user's choice; every other one must be new.
            if Deidentifier.holdsUIDs(e), case .bytes(let b) = e.value, action != .keep && action != .clean, !Deidentifier.namesAClassOrRegisteredUID(e.tag) {
                for uid in String(decoding: b, as: UTF8.self).split(separator: "\\").map({ String($0).trimmingDICOMPadding() })
                where !uid.isEmpty && !uid.hasPrefix("2.25.") && DataDictionary.uidEntry(uid) == nil {
                    out.append(finding(e.tag, e.vr, here, "UID \(uid) was not replaced"))
                    break
                }
            }
            if case .sequence(let items) = e.value {
                for (n, item) in items.enumerated() { structural(item, path: here + "[\(n)]", depth: depth + 1, options: options, into: &out) }
            }
        }
    }

    // MARK: Content

    struct ContentContext {
        var datesModified: Bool
        var pseudonym: String?
        var nameParts: Set<String>
        var safeText: Set<Tag>
    }

    static func contentFindings(_ ds: DataSet, path: String, context c: ContentContext, into out: inout [DeidentificationFinding]) {
        for e in ds.elements {
            let here = path + e.tag.description
            switch e.value {
            case .sequence(let items):
                if path.isEmpty && e.tag == Tag(0x0012_0064) { continue }
                for (n, item) in items.enumerated() {
                    contentFindings(item, path: here + "[\(n)]", context: c, into: &out)
                }
            case .fragments:
                continue
            case .bytes(let b):
                guard !b.isEmpty else { continue }
                var vr = e.vr
                if vr == .UN || (e.tag.isPrivate && !vr.isText) {
                    // Values of unknown VR are read as text when they are printable (private text is common).
                    guard b.count >= 4, b.allSatisfy({ ($0 >= 0x20 && $0 < 0x7F) || $0 == 0 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) else { continue }
                    vr = .LT
                }
                guard vr.isText else { continue }
                let text = ds.decodeText(b, vr: vr).trimmingDICOMPadding()
                if text.isEmpty { continue }
                if let reason = reason(for: text, vr: vr, tag: e.tag, topLevel: path.isEmpty, datesModified: c.datesModified, pseudonym: c.pseudonym) {
                    out.append(finding(e.tag, e.vr, here, reason))
                    continue
                }
                let isWritten = path.isEmpty && (e.tag == .patientName || e.tag == .patientID || e.tag == Tag(0x0012_0063))
                guard Deidentifier.freeTextVRs.contains(vr), !isWritten else { continue }
                if !c.nameParts.isEmpty {
                    let words = Set(nameParts(text))
                    if !words.isDisjoint(with: c.nameParts) {
                        out.append(finding(e.tag, e.vr, here, "holds a part of the patient's name"))
                        continue
                    }
                }
                if !e.tag.isPrivate, DeidentificationProfile.row(for: e.tag) == nil, !c.safeText.contains(e.tag),
                   text != Deidentifier.dummyText, text != Deidentifier.cleanedText {
                    out.append(finding(e.tag, e.vr, here, "free text outside PS3.15 Table E.1-1 and not on the list of safe attributes (Clean Descriptors, E.3.5)"))
                }
            }
        }
    }

    /// Why a text value looks identifying, or nil.
    static func reason(for text: String, vr: VR, tag: Tag, topLevel: Bool, datesModified: Bool, pseudonym: String?) -> String? {
        switch vr {
        case .UI, .CS, .AS, .DS, .IS, .TM:
            return nil
        case .DA, .DT:
            if datesModified { return nil }
            let values = text.split(separator: "\\").map { String($0).trimmingDICOMPadding() }
            let real = values.filter { !$0.isEmpty && $0 != Deidentifier.dummyDate && $0 != Deidentifier.dummyDateTime }
            return real.isEmpty ? nil : "date \(real[0]) (dates are neither removed nor declared modified)"
        case .PN:
            let names = text.split(separator: "\\").map { String($0).trimmingDICOMPadding() }
                .filter { !$0.isEmpty && $0 != Deidentifier.dummyText && $0 != pseudonym && !isPseudonym($0) }
            return names.isEmpty ? nil : "person name"
        default:
            break
        }
        if topLevel && tag == Tag(0x0012_0063) { return nil }
        let range = NSRange(text.startIndex..., in: text)
        for (pattern, reason) in patterns {
            if pattern.firstMatch(in: text, options: [], range: range) != nil { return reason }
        }
        for m in longNumber.matches(in: text, options: [], range: range) {
            guard let r = Range(m.range, in: text) else { continue }
            // Digit groups of two or more, seven digits in all: a phone or record number; lists of
            // small numbers (window settings, "0 1 1 0") are not.
            let groups = text[r].split { !$0.isNumber }
            if groups.allSatisfy({ $0.count >= 2 }) && groups.reduce(0, { $0 + $1.count }) >= 7 {
                return "number of 7 digits or more (phone number or identifier)"
            }
        }
        return nil
    }

    static let longNumber = try! NSRegularExpression(pattern: #"\+?\(?\d[\d ()./-]{5,}\d"#)

    static let patterns: [(NSRegularExpression, String)] = {
        let list: [(String, String, Bool)] = [
            (#"[\w.+-]+@[\w-]+\.[\w.-]+"#, "e-mail address", true),
            (#"\b(19|20)\d\d[-/.]?(0[1-9]|1[0-2])[-/.]?(0[1-9]|[12]\d|3[01])\b"#, "date in text", true),
            (#"\b(0?[1-9]|[12]\d|3[01])[-/](0?[1-9]|1[0-2])[-/](\d{4}|\d{2})\b"#, "date in text", true),
            (#"\b(0?[1-9]|[12]\d|3[01])\.(0?[1-9]|1[0-2])\.\d{4}\b"#, "date in text", true),
            (#"\b[A-Za-z]{1,4}-?\d{5,}\b"#, "identifier (letters and 5 digits or more)", true),
            (#"\b\d+[A-Za-z]?,?\s+(\w+\s+){1,3}(street|st|road|rd|avenue|ave|lane|ln|drive|boulevard|blvd|place|square|strasse|straße|weg|gasse|allee|laan|straat|vej|gatan)\b\.?"#, "postal address", false),
            (#"\b(rue|via|calle|avenida|chemin|carrer|rua|ulica)\s+(de\s+|del\s+|da\s+|des\s+)?\p{L}+"#, "postal address", false),
            (#"\b(p\.?\s?o\.?\s?box|postfach|postbus)\b"#, "postal address", false),
            (#"\b[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}\b"#, "postal code", true),
            (#"\b(hospital|hôpital|hopital|hospitalet|klinik|klinikum|kliniek|clinic|clinique|clinica|clínica|ospedale|infirmary|university|universität|université|universiteit|università|universidad|institute|institut|instituto|istituto|medical cent(er|re)|cancer cent(er|re)|health centre|nhs|foundation trust|children's|childrens)\b"#, "institution name", false),
            (#"\b(?i:dr|mr|mrs|ms|miss|mx|prof|sr|nurse|sister)\.?\s+\p{Lu}\p{Ll}+"#, "person name (title and name)", true),
            // A family word before a capitalised word: "Mum Mary", "dad Tom".
            (#"\b(?i:mum|mummy|mom|mommy|mother|dad|daddy|father|nan|nana|nanna|gran|granny|grandma|grandmother|grandad|granddad|grandpa|grandfather|aunt|auntie|uncle|brother|sister|son|daughter|guardian|carer)\s+\p{Lu}\p{Ll}+"#, "person name (family word and name)", true),
            (#"\b(?i:ward|bed|bay|cubicle)\s+\d+[a-z]?\b"#, "hospital ward or bed", true),
            (#"\b(born|dob|d\.o\.b|date of birth|birthday|née|nee)\b"#, "birth date or birth name mentioned", false),
            (#"\b(0?[1-9]|[12]\d|3[01])(st|nd|rd|th)?\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?\s+(19|20)?\d\d\b"#, "date in text", false),
            (#"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+(0?[1-9]|[12]\d|3[01])(st|nd|rd|th)?,?\s+(19|20)\d\d\b"#, "date in text", false),
            (#"\b\p{L}{2,}\^\p{L}{2,}"#, "person name in DICOM name form", true),
        ]
        return list.map { pattern, reason, caseSensitive in
            // The patterns are fixed above; a failure to compile is a programming error caught by the tests.
            (try! NSRegularExpression(pattern: pattern, options: caseSensitive ? [] : [.caseInsensitive]), reason)
        }
    }()
}
