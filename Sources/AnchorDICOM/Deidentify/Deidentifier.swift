import Foundation

/// De-identifies one data set at a time by DICOM PS3.15 Annex E: the Basic Application Level
/// Confidentiality Profile, attribute by attribute from Table E.1-1, with the options of
/// `DeidentificationOptions`. Pixel data, dose values, contour coordinates and plan geometry are not
/// in the table and pass through with their bytes untouched.
///
/// How each action of the table is carried out (PS3.15 E.1.1 leaves the choice to the implementation
/// where an action has alternatives; without the IOD's attribute types at hand, Anchor always takes the
/// alternative that keeps any IOD conformant):
/// - X: removed. Z and X/Z: kept with an empty value (a sequence with no items).
/// - D, Z/D, X/D, X/Z/D: a dummy value of the VR (`DEIDENTIFIED`, date `19000101`, time `000000`,
///   number `0`, zero bytes of the same length); a UID gets its consistent replacement. A sequence with
///   D is emptied: its items hold identities (observers, codes of persons) that a dummy cannot stand for.
/// - U and X/Z/U*: every instance UID replaced by `CentreSecret.uid(replacing:)`, in the element itself
///   and, for sequences, in every item, so each reference still resolves. UIDs registered in PS3.6
///   (SOP classes, transfer syntaxes, coding schemes) are kept.
/// - K: kept; a kept sequence is de-identified item by item.
/// - C (from an option): dates moved by the patient's offset (Modified Dates Option); descriptors kept
///   when listed in `keptDescriptors`; any other C falls back to the basic action, since free text cannot
///   be cleaned reliably.
/// Beyond the table: private attributes, curves (50xx) and the whole overlay groups (60xx) are removed,
/// UI attributes the table does not name are replaced too (unless they name a class or a registered
/// UID), the file's preamble and meta information are rebuilt, and the attributes of PS3.15 E.1.1 that
/// record the de-identification are added.
public struct Deidentifier: Sendable {
    public let secret: CentreSecret
    public let options: DeidentificationOptions
    let chosen: Set<DeidentificationProfile.Option>

    public init(secret: CentreSecret, options: DeidentificationOptions = DeidentificationOptions()) throws {
        try options.validate()
        self.secret = secret
        self.options = options
        chosen = options.profileOptions
    }

    /// The outcome for one file.
    public struct Result: Sendable {
        public var file: DICOMFile
        /// What was noticed and done beyond the table (overlays removed, age computed ...).
        public var notes: [String]
    }

    /// Dummy values written for action D (PS3.15 E.1.1), exposed so that a check can recognise them.
    public static let dummyText = "DEIDENTIFIED"
    public static let dummyDate = "19000101"
    public static let dummyTime = "000000"
    public static let dummyDateTime = "19000101000000"

    /// De-identifies a file of `patient`. Throws when the file cannot be made safe: burned-in annotation
    /// (unless accepted), or a value of the patient's identity that survives in a kept attribute.
    public func deidentify(_ input: DICOMFile, patient: PseudonymisedPatient) throws -> Result {
        var notes: [String] = []
        let ds0 = input.dataSet
        if ds0.string(Tag(0x0028_0301))?.uppercased() == "YES" {
            if !options.acceptBurnedInAnnotation {
                throw DICOMError(.invalidValue, "Burned In Annotation is YES: the pixel data may show identifying text, and Anchor does not change pixel data (PS3.15 E.3.1 Clean Pixel Data Option not implemented)", file: input.path, tag: Tag(0x0028_0301))
            }
            notes.append("burned-in annotation: pixel data may show identifying text (written because accepted)")
        }
        if ds0[Tag(0x0028_0301)] == nil, Deidentifier.mayCarryBurnedInText(input) {
            notes.append("Burned In Annotation not stated for \(input.modality ?? "this kind of image"): the pixel data may show identifying text; look before sending")
        }
        if ds0.string(Tag(0x0028_0302))?.uppercased() == "YES" {
            notes.append("Recognizable Visual Features is YES: the images may show the patient's face")
        }

        var context = Context(patient: patient)
        var ds = try process(ds0, &context, depth: 0)
        if context.removedOverlay { notes.append("overlay data removed (60xx groups)") }
        if context.removedCurve { notes.append("curve data removed (50xx groups)") }
        if context.removedPrivate > 0 { notes.append("\(context.removedPrivate) private attributes removed") }
        notes += context.notes
        if options.cleanFreeText { ds = cleanFreeText(ds, path: "", depth: 0, notes: &notes) }

        // Patient's Name and ID become the pseudonym (Z and Z/D allow a non-zero dummy; a pseudonym is one).
        ds.set(.patientName, .PN, patient.pseudonym)
        ds.set(.patientID, .LO, patient.pseudonym)
        if options.retainPatientCharacteristics {
            if let age = ds.string(.patientAge) {
                let capped = DateShift.capAge(age)
                if capped != age { ds.set(.patientAge, .AS, capped); notes.append("Patient's Age \(age) written as \(capped)") }
            } else if let computed = computedAge(ds0) {
                ds.set(.patientAge, .AS, computed)
                notes.append("Patient's Age \(computed) computed from the birth date")
            }
        }
        recordMethod(&ds)

        try checkResidualIdentity(ds, patient: patient, file: input.path)
        let structural = DeidentificationVerifier.structuralFindings(in: ds, options: chosen)
        if let f = structural.first {
            throw DICOMError(.invalidValue, "de-identification left \(f.tagPath): \(f.reason)", file: input.path, tag: f.tag)
        }

        let syntax: TransferSyntax = input.transferSyntax.isEncapsulated ? input.transferSyntax : .explicitVRLittleEndian
        var out = DICOMFile(meta: DataSet(), dataSet: ds, transferSyntax: syntax, path: nil)
        out.preamble = nil
        return Result(file: out, notes: notes)
    }

    struct Context {
        let patient: PseudonymisedPatient
        var uidCache: [String: String] = [:]
        var removedOverlay = false
        var removedCurve = false
        var removedPrivate = 0
        var notes: [String] = []
        init(patient: PseudonymisedPatient) { self.patient = patient }
    }

    func process(_ ds: DataSet, _ c: inout Context, depth: Int) throws -> DataSet {
        var kept: [DataElement] = []
        kept.reserveCapacity(ds.count)
        for e in ds.elements {
            let tag = e.tag
            if tag.isGroupLength || tag.group == 0x0002 { continue }
            if tag.isPrivate { c.removedPrivate += 1; continue }
            // Whole curve and overlay groups (PS3.3 C.9, C.10 retired): the table removes their data and
            // comments, and a plane left without its data would not be valid.
            if tag.group >= 0x5000 && tag.group <= 0x501E && tag.group & 1 == 0 { c.removedCurve = true; continue }
            if tag.group >= 0x6000 && tag.group <= 0x601E && tag.group & 1 == 0 { c.removedOverlay = true; continue }
            // The pseudonym is set afterwards, at the top level.
            if depth == 0 && (tag == .patientName || tag == .patientID) { continue }
            if let e2 = try apply(e, in: ds, &c, depth: depth) { kept.append(e2) }
        }
        // Same tags in the same order: the data set needs no sorting.
        return DataSet(elements: kept, isLittleEndian: ds.isLittleEndian, characterSet: ds.characterSet)
    }

    func apply(_ e: DataElement, in ds: DataSet, _ c: inout Context, depth: Int) throws -> DataElement? {
        guard let row = DeidentificationProfile.row(for: e.tag) else {
            // Not in the table: keep, but still look inside sequences and replace instance UIDs.
            if case .sequence = e.value { return try recurse(e, &c, depth: depth) }
            if Deidentifier.holdsUIDs(e) && !Deidentifier.namesAClassOrRegisteredUID(e.tag) { return replaceUIDs(e, in: ds, &c) }
            return e
        }
        var action = row.action(with: chosen)
        if action == .clean {
            if let cleaned = clean(e, in: ds, &c) { return cleaned }
            if options.keptDescriptors.contains(e.tag) && row.options[.cleanDescriptors] == .clean {
                if case .sequence = e.value { return try recurse(e, &c, depth: depth) }
                return e
            }
            action = row.basic
        }
        switch action {
        case .keep:
            if case .sequence = e.value { return try recurse(e, &c, depth: depth) }
            return e
        case .remove:
            return nil
        case .zero, .removeOrZero:
            return empty(e)
        case .dummy, .zeroOrDummy, .removeOrDummy, .removeOrZeroOrDummy:
            return dummy(e, in: ds, &c)
        case .uid, .removeOrZeroOrUID:
            if case .sequence = e.value { return try recurse(e, &c, depth: depth) }
            if Deidentifier.holdsUIDs(e) { return replaceUIDs(e, in: ds, &c) }
            return action == .uid ? dummy(e, in: ds, &c) : empty(e)
        case .clean:
            return empty(e) // not reached: C was resolved above
        }
    }

    func recurse(_ e: DataElement, _ c: inout Context, depth: Int) throws -> DataElement {
        guard case .sequence(let items) = e.value else { return e }
        var e2 = e
        e2.value = .sequence(try items.map { try process($0, &c, depth: depth + 1) })
        return e2
    }

    /// C: dates moved under the Modified Dates Option; nil when this C is not a date to move.
    func clean(_ e: DataElement, in ds: DataSet, _ c: inout Context) -> DataElement? {
        guard options.retainModifiedDates, let row = DeidentificationProfile.row(for: e.tag),
              row.options[.retainLongitudinalModifiedDates] == .clean, let bytes = e.bytes else { return nil }
        let offset = c.patient.dateOffsetDays
        let values = ds.decodeText(bytes, vr: e.vr).split(separator: "\\", omittingEmptySubsequences: false).map { String($0).trimmingDICOMPadding() }
        var shifted: [String] = []
        for v in values {
            if v.isEmpty { shifted.append(v); continue }
            switch e.vr {
            case .DA:
                // A range (query form) moves both ends.
                let ends = v.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
                let moved = ends.map { $0.isEmpty ? "" : DateShift.shiftDate($0, by: offset) }
                guard !moved.contains(where: { $0 == nil }) else { return nil }
                shifted.append(moved.map { $0! }.joined(separator: "-"))
            case .DT:
                guard let s = DateShift.shiftDateTime(v, by: offset) else { return nil }
                shifted.append(s)
            case .TM:
                // Whole days: the time of day does not change; it must still be a time, not free text.
                guard v.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == ":") }) else { return nil }
                shifted.append(v)
            default:
                return nil
            }
        }
        var out = DataSet(isLittleEndian: true, characterSet: ds.characterSet)
        out.set(e.tag, e.vr, shifted)
        return out[e.tag]
    }

    func empty(_ e: DataElement) -> DataElement {
        var e2 = e
        if case .sequence = e.value { e2.value = .sequence([]) } else { e2.value = .bytes([][...]) }
        return e2
    }

    func dummy(_ e: DataElement, in ds: DataSet, _ c: inout Context) -> DataElement {
        var e2 = e
        switch e.value {
        case .sequence:
            e2.value = .sequence([])
            return e2
        case .fragments:
            e2.value = .bytes([0, 0][...])
            e2.vr = .OB
            return e2
        case .bytes(let b):
            let text: String?
            switch e.vr {
            case .AE, .CS, .LO, .SH, .LT, .ST, .UT, .UC, .PN: text = Deidentifier.dummyText
            case .DA: text = Deidentifier.dummyDate
            case .TM: text = Deidentifier.dummyTime
            case .DT: text = Deidentifier.dummyDateTime
            case .AS: text = "000D"
            case .DS, .IS: text = "0"
            case .UR: text = "urn:x-deidentified"
            case .UI: return replaceUIDs(e, in: ds, &c)
            default:
                if Deidentifier.holdsUIDs(e) { return replaceUIDs(e, in: ds, &c) }
                text = nil
            }
            if let text {
                e2.value = .bytes(Array(text.utf8)[...])
            } else {
                // Binary: zero bytes, as long as the value was (a word at least), so the VR's sizes still hold.
                e2.value = .bytes([UInt8](repeating: 0, count: max(b.count, max(e.vr.wordSize, 2)))[...])
            }
            return e2
        }
    }

    /// Replaces every value of a UI element (multi-valued allowed) by its consistent replacement.
    func replaceUIDs(_ e: DataElement, in ds: DataSet, _ c: inout Context) -> DataElement {
        guard let bytes = e.bytes, !bytes.isEmpty else { return e }
        let values = String(decoding: bytes, as: UTF8.self).split(separator: "\\", omittingEmptySubsequences: false)
            .map { String($0).trimmingDICOMPadding() }
        let mapped = values.map { v -> String in
            if v.isEmpty || DataDictionary.uidEntry(v) != nil { return v }
            if let m = c.uidCache[v] { return m }
            let m = secret.uid(replacing: v)
            c.uidCache[v] = m
            return m
        }
        var e2 = e
        e2.vr = .UI
        e2.value = .bytes(Array(mapped.joined(separator: "\\").utf8)[...])
        return e2
    }

    /// UI values, and values of unknown VR (UN: an implicit VR file with an attribute the dictionary does
    /// not know) that read as UIDs: every value three or more components of digits (PS3.5 9.1), so that a
    /// list of decimals such as `1.5\2.5` is never taken for UIDs.
    static func holdsUIDs(_ e: DataElement) -> Bool {
        if e.vr == .UI { return true }
        guard e.vr == .UN, let b = e.bytes, b.count >= 5, b.count <= 64 * 16 else { return false }
        let values = String(decoding: b, as: UTF8.self).split(separator: "\\", omittingEmptySubsequences: false)
        return values.allSatisfy { v in
            let parts = String(v).trimmingDICOMPadding().split(separator: ".", omittingEmptySubsequences: false)
            return parts.count >= 3 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
        }
    }

    /// Images that are often made with text burned into the pixels (DRRs and portal images, screen
    /// captures, ultrasound, endoscopy, photographs), by modality or Secondary Capture SOP class (PS3.4 B.5).
    static func mayCarryBurnedInText(_ f: DICOMFile) -> Bool {
        guard f.dataSet.contains(.pixelData) else { return false }
        if let c = f.sopClassUID, c.hasPrefix("1.2.840.10008.5.1.4.1.1.7") { return true }
        return ["RTIMAGE", "OT", "SC", "US", "XC", "ES", "GM", "DOC"].contains(f.modality?.uppercased() ?? "")
    }

    /// UI attributes that hold a class, a syntax or a registered definition rather than an instance:
    /// kept whatever their value (a vendor's private SOP class included), since they identify nobody.
    static func namesAClassOrRegisteredUID(_ tag: Tag) -> Bool {
        guard let keyword = DataDictionary.entry(for: tag)?.keyword else { return false }
        return keyword.contains("ClassUID") || keyword.contains("SOPClasses") || keyword.hasSuffix("TransferSyntaxUID") || keyword.contains("CodingSchemeUID")
            || keyword == "ContextGroupExtensionCreatorUID" || keyword == "MappingResourceUID" || keyword == "ContextUID"
            || keyword == "ImplementationClassUID" || keyword == "PrivateInformationCreatorUID"
    }

    /// Code Value, Coding Scheme Designator and Version, Code Meaning, Long and URN Code Value (PS3.3 8.8).
    static let codeAttributes: Set<UInt32> = [0x0008_0100, 0x0008_0102, 0x0008_0103, 0x0008_0104, 0x0008_0119, 0x0008_0120]

    /// Patient's Age at the first date the object carries, from the birth date (PS3.3 C.7.2.2).
    func computedAge(_ ds: DataSet) -> String? {
        guard let birth = ds.string(.patientBirthDate) else { return nil }
        // Study, Series, Acquisition, Content, Instance Creation, Structure Set, RT Plan dates, in that order.
        let references: [UInt32] = [0x0008_0020, 0x0008_0021, 0x0008_0022, 0x0008_0023, 0x0008_0012, 0x3006_0008, 0x300A_0006]
        for r in references {
            if let d = ds.string(Tag(r)), let age = DateShift.age(birth: birth, at: d) { return age }
        }
        return nil
    }

    /// The attributes of PS3.15 E.1.1 that say what was done: Patient Identity Removed YES,
    /// De-identification Method and its code sequence (CID 7050), Longitudinal Temporal Information Modified.
    func recordMethod(_ ds: inout DataSet) {
        ds.set(Tag(0x0012_0062), .CS, "YES")
        let options = DeidentificationProfile.Option.allCases.filter { chosen.contains($0) }
        ds.set(Tag(0x0012_0063), .LO, ["Anchor: PS3.15 Annex E Basic Profile"] + options.map(\.meaning)) // LO: 64 characters each
        var items: [DataSet] = []
        for (code, meaning) in [(DeidentificationProfile.basicProfileCode, DeidentificationProfile.basicProfileMeaning)]
            + options.map({ ($0.code, $0.meaning) }) {
            var item = DataSet()
            item.set(Tag(0x0008_0100), .SH, code)
            item.set(Tag(0x0008_0102), .SH, "DCM")
            item.set(Tag(0x0008_0104), .LO, meaning)
            items.append(item)
        }
        ds.set(Tag(0x0012_0064), items: items)
        ds.set(Tag(0x0028_0303), .CS, options.contains(.retainLongitudinalModifiedDates) ? "MODIFIED" : "REMOVED")
    }

    /// Value written in place of free text that the Clean Descriptors step replaced (and no number names it).
    public static let cleanedText = "CLEANED"

    /// Text VRs a person can type anything into (PS3.5 6.2): where the Clean Descriptors step looks.
    static let freeTextVRs: Set<VR> = [.LO, .SH, .ST, .LT, .UT, .UC, .PN]

    /// The Clean Descriptors step on free text (see `DeidentificationOptions.cleanFreeText`), at any
    /// depth, after the table has been applied: free text outside Table E.1-1 that is not a safe
    /// attribute is replaced, and kept free text that looks identifying is replaced. PS3.15 E.3.5: clean
    /// means "replace with values of similar meaning known not to contain identifying information"; what
    /// is known here is the item's own number, so a beam becomes `BEAM 2` and an ROI `ROI 7`.
    func cleanFreeText(_ ds: DataSet, path: String, depth: Int, notes: inout [String]) -> DataSet {
        var out = ds
        for e in ds.elements {
            let here = path + e.tag.description
            switch e.value {
            case .sequence(let items):
                if depth == 0 && e.tag == Tag(0x0012_0064) { continue }
                var cleaned: [DataSet] = []
                cleaned.reserveCapacity(items.count)
                for (n, item) in items.enumerated() { cleaned.append(cleanFreeText(item, path: here + "[\(n)]", depth: depth + 1, notes: &notes)) }
                var e2 = e
                e2.value = .sequence(cleaned)
                out.set(e2)
            case .bytes(let b):
                guard Deidentifier.freeTextVRs.contains(e.vr), !b.isEmpty, !e.tag.isPrivate else { continue }
                if depth == 0 && (e.tag == .patientName || e.tag == .patientID || e.tag == Tag(0x0012_0063)) { continue }
                let text = ds.decodeText(b, vr: e.vr).trimmingDICOMPadding()
                if text.isEmpty || text == Deidentifier.dummyText || text == Deidentifier.cleanedText { continue }
                let reason: String
                if DeidentificationProfile.row(for: e.tag) == nil && !options.safeTextAttributes.contains(e.tag) {
                    reason = "free text outside PS3.15 Table E.1-1 and not on the list of safe attributes"
                } else if let r = DeidentificationVerifier.reason(for: text, vr: e.vr, tag: e.tag, topLevel: depth == 0,
                                                                  datesModified: false, pseudonym: nil) {
                    reason = "looks identifying: " + r
                } else {
                    continue
                }
                out.set(e.tag, e.vr, Deidentifier.cleanReplacement(for: e.tag, in: ds))
                let name = DataDictionary.entry(for: e.tag).map { "\($0.name) \(e.tag)" } ?? e.tag.description
                notes.append("Clean Descriptors: \(name) at \(here) replaced (\(reason))")
            case .fragments:
                continue
            }
        }
        return out
    }

    /// The value that replaces cleaned free text: the item's number where the item has one that names it.
    static func cleanReplacement(for tag: Tag, in item: DataSet) -> String {
        switch tag.rawValue {
        case 0x300A_00C2: return item.string(Tag(0x300A_00C0)).map { "BEAM \($0)" } ?? cleanedText        // Beam Name <- Beam Number
        case 0x3006_0026: return item.string(Tag(0x3006_0022)).map { "ROI \($0)" } ?? cleanedText         // ROI Name <- ROI Number
        case 0x3006_0085: return item.string(Tag(0x3006_0084)).map { "ROI \($0)" } ?? cleanedText         // ROI Observation Label <- Referenced ROI Number
        default: return cleanedText
        }
    }

    /// The safety net: no ID, name component or birth date of the patient may remain in any attribute
    /// of the output, at any depth (a name typed into a kept label, an ID in a plan name).
    func checkResidualIdentity(_ ds: DataSet, patient: PseudonymisedPatient, file: String?) throws {
        // Two-letter name parts too (a child called Jo or Li), as whole words, which ordinary text rarely is.
        let needles = patient.textNeedles + patient.shortNameParts
        let ids = Set(([patient.patientID] + patient.otherIDs).map { $0.uppercased() })
        let births = Set(patient.birthDates)
        var problem: (Tag, String)?
        walkText(ds, path: "") { tag, vr, path, text in
            guard problem == nil else { return }
            if vr == .DA || vr == .DT {
                for b in births where text.contains(b) { problem = (tag, "\(path) still holds the patient's birth date") }
                return
            }
            // Code strings are defined terms (ISO_IR 100, ORIGINAL\PRIMARY), not where a name is typed.
            if vr == .CS { return }
            let upper = text.uppercased()
            // Codes come from coding schemes, not from a keyboard: a code meaning "Prostate" is anatomy
            // even when a phantom is named RANDO^PROSTATE. IDs are still looked for there.
            let isCode = Deidentifier.codeAttributes.contains(tag.rawValue)
            for n in needles where containsWord(upper, n) && !(isCode && !ids.contains(n)) {
                problem = (tag, "\(path) still holds '\(n)' from the patient's name or ID")
                return
            }
        }
        if let (tag, message) = problem { throw DICOMError(.invalidValue, message, file: file, tag: tag) }
    }
}

/// Calls `body` with every text value of a data set, at any depth, except the attributes that the
/// de-identification itself writes (pseudonym, method).
func walkText(_ ds: DataSet, path: String, _ body: (Tag, VR, String, String) -> Void) {
    for e in ds.elements {
        let here = path + e.tag.description
        switch e.value {
        case .sequence(let items):
            if e.tag == Tag(0x0012_0064) { continue }
            for (n, item) in items.enumerated() { walkText(item, path: here + "[\(n)]", body) }
        case .bytes(let b):
            guard !b.isEmpty, e.vr.isText, e.vr != .UI else { continue }
            if path.isEmpty && (e.tag == .patientName || e.tag == .patientID || e.tag == Tag(0x0012_0063)) { continue }
            body(e.tag, e.vr, here, ds.decodeText(b, vr: e.vr))
        case .fragments:
            continue
        }
    }
}

/// True when `needle` occurs in `text` with no letter, digit or underscore right before or after it.
func containsWord(_ text: String, _ needle: String) -> Bool {
    var search = text[...]
    while let r = search.range(of: needle) {
        let before = r.lowerBound == text.startIndex ? nil : text[text.index(before: r.lowerBound)]
        let after = r.upperBound == text.endIndex ? nil : text[r.upperBound]
        let isWordChar: (Character?) -> Bool = { c in c.map { $0.isLetter || $0.isNumber || $0 == "_" } ?? false }
        if !isWordChar(before) && !isWordChar(after) { return true }
        search = text[text.index(after: r.lowerBound)...]
    }
    return false
}
