@testable import AnchorDICOM
import AnchorTestSupport
import Foundation
import Testing

/// Real RT cases from ../shared/data with a marker value in every attribute of PS3.15 Table E.1-1 that
/// the attribute's VR can hold (and in private attributes, overlays, curves, the file meta information,
/// the preamble, and an item of every sequence), de-identified as a partner centre would. The output
/// must hold no marker byte sequence, every reference must still resolve, and everything outside the
/// table (pixels, dose grid, contours, plan geometry) must be unchanged to the byte.
@Suite(.enabled(if: Fixtures.hasSharedData, Comment(rawValue: Fixtures.sharedDataMissing)))
struct DeidMarkerTests {
    static let secret = try! CentreSecret(bytes: Array("marker test centre secret, fixed so that runs repeat".utf8))

    /// What the de-identified value of an injected attribute must be.
    enum Expect { case gone, empty, dummy, uid, kept, shifted }

    struct Injection {
        var vr: VR
        var value: DataElement.Value
        var expect: Expect
    }

    struct Prepared {
        var dir: String
        /// Folder per case, the files written with markers.
        var cases: [String: [String]]
        /// Original file (after injection) by path.
        var inputs: [String: DICOMFile]
        /// Top-level injections by tag.
        var injected: [DICOMTag: Injection]
        var options: DeidentificationOptions
        var birthDates: [String: String]
    }

    // MARK: Markers

    /// Text markers share the prefix ZQMK, so one scan finds any of them; numbers, dates and UIDs have
    /// prefixes of their own (9871..., 1871MMDD, 1.2.9871.).
    static func marker(_ vr: VR, _ n: Int) -> DataElement.Value {
        let id = String(format: "%04d", n)
        let text: String
        switch vr {
        case .AE, .CS, .SH, .LO, .ST, .LT, .UT, .UC: text = "ZQMK" + id
        case .PN: text = "ZQMK\(id)^ZQMK\(id)G"
        case .UR: text = "urn:ZQMK" + id
        case .DA: text = dateMarker(n)
        case .DT: text = dateMarker(n) + "101010"
        case .TM: text = "1010" + String(format: "%02d", n % 60)
        case .AS: text = String(format: "%03dW", n % 1000)
        case .DS: text = "9871" + id + ".5"
        case .IS: text = "9871" + id
        case .UI: text = "1.2.9871." + String(n)
        default:
            // Binary VRs (and UN): the ASCII bytes, eight of them, a whole number of any word size.
            return .bytes(Array(("ZQMK" + id).utf8)[...])
        }
        var bytes = Array(text.utf8)
        if bytes.count % 2 == 1 { bytes.append(vr == .UI ? 0 : 0x20) }
        return .bytes(bytes[...])
    }

    static func dateMarker(_ n: Int) -> String { String(format: "1871%02d%02d", n / 28 % 12 + 1, n % 28 + 1) }

    static func keptValue(_ vr: VR, _ n: Int) -> DataElement.Value {
        let text: String
        switch vr {
        case .AS: text = "011M"
        case .DS: text = "1.25"
        case .IS: text = "7"
        case .CS: text = "F"
        case .DA: text = "20200101"
        case .PN: text = "KEPT^VALUE"
        case .UI: text = "1.2.826.0.1.3680043.9.7777.\(n)"
        default: text = "KEPT" + String(format: "%04d", n)
        }
        var bytes = Array(text.utf8)
        if bytes.count % 2 == 1 { bytes.append(0x20) }
        return .bytes(bytes[...])
    }

    static func expectation(_ row: DeidentificationProfile.Row, _ vr: VR, options: DeidentificationOptions) -> Expect {
        var action = row.action(with: options.profileOptions)
        if action == .clean {
            if options.retainModifiedDates, row.options[.retainLongitudinalModifiedDates] == .clean, [VR.DA, .DT, .TM].contains(vr) {
                return .shifted
            }
            if options.keptDescriptors.contains(row.tag) && row.options[.cleanDescriptors] == .clean { return .kept }
            action = row.basic
        }
        switch action {
        case .remove: return .gone
        case .zero, .removeOrZero: return .empty
        case .keep: return .kept
        case .uid, .removeOrZeroOrUID: return vr == .UI || vr == .SQ ? .uid : (action == .uid ? .dummy : .empty)
        default: return vr == .UI ? .uid : .dummy
        }
    }

    static func item(_ n: Int) -> DataSet {
        var item = DataSet()
        item.set(DataElement(tag: DICOMTag(0x0008_0080), vr: .LO, value: marker(.LO, 9000 + n)))
        item.set(DataElement(tag: .patientName, vr: .PN, value: marker(.PN, 9100 + n)))
        item.set(DataElement(tag: DICOMTag(0x0011_0010), vr: .LO, value: marker(.LO, 9200 + n)))
        item.set(DataElement(tag: DICOMTag(0x0011_1001), vr: .UN, value: marker(.UN, 9300 + n)))
        return item
    }

    /// Adds the nested markers to the first item of every sequence, at every depth.
    static func injectNested(_ ds: DataSet, _ counter: inout Int) -> DataSet {
        var elements = ds.elements
        for i in elements.indices {
            guard case .sequence(var items) = elements[i].value, !items.isEmpty else { continue }
            counter += 1
            var first = items[0]
            for e in item(counter % 90).elements where !first.contains(e.tag) { first.set(e) }
            items[0] = first
            for k in items.indices { items[k] = injectNested(items[k], &counter) }
            elements[i].value = .sequence(items)
        }
        return DataSet(elements: elements, isLittleEndian: ds.isLittleEndian, characterSet: ds.characterSet)
    }

    static func inject(_ file: DICOMFile, caseName: String, birth: String, options: DeidentificationOptions,
                       injected: inout [DICOMTag: Injection]) -> DICOMFile {
        let ds = file.dataSet
        var byTag: [UInt32: DataElement] = Dictionary(ds.elements.map { ($0.tag.rawValue, $0) }, uniquingKeysWith: { a, _ in a })
        for (n, row) in DeidentificationProfile.rows.enumerated() where row.mask == 0xFFFF_FFFF {
            let tag = row.tag
            // Command group (0000) is not part of a stored data set; the meta group (0002) is checked apart.
            if tag.group == 0x0000 || tag.group == 0x0002 { continue }
            if [DICOMTag.patientName, .patientID, .patientBirthDate, .patientAge].contains(tag) { continue }
            let existing = ds[tag]
            // References stay real, so that the case can be checked after; so do the names of structures.
            if existing != nil && (row.basic == .uid || row.basic == .removeOrZeroOrUID || options.keptDescriptors.contains(tag)) { continue }
            let vr = DataDictionary.entry(for: tag)?.vr ?? .UN
            let expect = expectation(row, vr, options: options)
            let value: DataElement.Value
            if vr == .SQ {
                value = .sequence([item(n % 90)])
            } else if expect == .kept {
                value = keptValue(vr, n)
            } else {
                value = marker(vr, n)
            }
            byTag[tag.rawValue] = DataElement(tag: tag, vr: vr, value: value)
            injected[tag] = Injection(vr: vr, value: value, expect: expect)
        }
        // The patient, the same in every file of the case; no age, so that it is computed.
        byTag[DICOMTag.patientName.rawValue] = DataElement(tag: .patientName, vr: .PN, value: .bytes(Array("ZQMKPN^\(caseName)".utf8)[...]))
        byTag[DICOMTag.patientID.rawValue] = DataElement(tag: .patientID, vr: .LO, value: .bytes(Array("ZQMKID\(caseName)".utf8)[...]))
        byTag[DICOMTag.patientBirthDate.rawValue] = DataElement(tag: .patientBirthDate, vr: .DA, value: .bytes(Array(birth.utf8)[...]))
        byTag[DICOMTag.patientAge.rawValue] = nil
        // Private attributes, a private sequence, an overlay plane and a curve.
        let extra: [(UInt32, VR, DataElement.Value)] = [
            (0x0009_0010, .LO, marker(.LO, 9501)), (0x0009_1001, .LO, marker(.LO, 9502)), (0x0009_1002, .SQ, .sequence([item(91)])),
            (0x0019_0010, .LO, marker(.LO, 9503)), (0x0019_10FF, .OB, marker(.OB, 9504)),
            (0x6000_0010, .US, .bytes([1, 0][...])), (0x6000_0011, .US, .bytes([8, 0][...])), (0x6000_0040, .CS, .bytes(Array("G ".utf8)[...])),
            (0x6000_0050, .SS, .bytes([1, 0, 1, 0][...])), (0x6000_0100, .US, .bytes([1, 0][...])), (0x6000_0102, .US, .bytes([0, 0][...])),
            (0x6000_3000, .OW, marker(.OW, 9505)), (0x6000_4000, .LT, marker(.LT, 9506)),
            (0x5000_0005, .US, .bytes([1, 0][...])), (0x5000_2500, .LO, marker(.LO, 9507)), (0x5000_3000, .OW, marker(.OW, 9508)),
        ]
        for (t, vr, v) in extra { byTag[t] = DataElement(tag: DICOMTag(t), vr: vr, value: v) }
        var counter = 0
        let top = DataSet(elements: Array(byTag.values), isLittleEndian: ds.isLittleEndian, characterSet: ds.characterSet)
        var out = file
        out.dataSet = injectNested(top, &counter)
        out.meta.set(DataElement(tag: DICOMTag(0x0002_0016), vr: .AE, value: marker(.AE, 9509)))
        out.preamble = Array("ZQMK9510".utf8) + [UInt8](repeating: 0, count: 120)
        return out
    }

    /// Copies two cases with markers into a new folder: the Eclipse prostate plan, structure set, RT image
    /// and dose (the dose made to reference the plan, as a TPS export would), and 12 CT slices of the
    /// synthetic sphere case with its structure set and dose.
    static func prepare(options: DeidentificationOptions) throws -> Prepared {
        let dir = Fixtures.temporaryDirectory("anchor-deid-markers")
        var injected: [DICOMTag: Injection] = [:]
        var inputs: [String: DICOMFile] = [:]
        var cases: [String: [String]] = [:]
        let prostate = Fixtures.files(under: Fixtures.shared("eclipse-prostate")).filter { $0.hasSuffix(".dcm") }
        let spheres = Fixtures.files(under: Fixtures.shared("synthetic-spheres/dicom_gauss"))
        let ct = spheres.filter { $0.contains("image") }
        let sphereFiles = stride(from: 20, to: 44, by: 2).map { ct[$0] } + spheres.filter { !$0.contains("image") }
        let plan = try DICOMFile.read(path: prostate.first { $0.contains("/RP.") }!)
        let births = ["PROSTATE": "18690315", "SPHERES": "18690316"]
        for (name, files) in [("PROSTATE", prostate), ("SPHERES", sphereFiles)] {
            let folder = dir + "/in/" + name
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for path in files {
                var f = try DICOMFile.read(path: path)
                if f.modality == "RTDOSE" && name == "PROSTATE" {
                    var ref = DataSet()
                    ref.set(.referencedSOPClassUID, .UI, "1.2.840.10008.5.1.4.1.1.481.5")
                    ref.set(.referencedSOPInstanceUID, .UI, plan.sopInstanceUID!)
                    f.dataSet.set(DICOMTag(0x300C_0002), items: [ref])
                }
                let marked = inject(f, caseName: name, birth: births[name]!, options: options, injected: &injected)
                let out = folder + "/" + (path as NSString).lastPathComponent
                try DICOMWriter.write(marked, to: out)
                inputs[out] = try DICOMFile.read(path: out)
                cases[name, default: []].append(out)
            }
        }
        return Prepared(dir: dir, cases: cases, inputs: inputs, injected: injected, options: options, birthDates: births)
    }

    // MARK: Checks

    /// Finds byte sequences that only a marker can have.
    static func leaks(in bytes: [UInt8]) -> [String] {
        var found: [String] = []
        let n = bytes.count
        bytes.withUnsafeBufferPointer { b in
            var i = 0
            func isDigit(_ k: Int) -> Bool { k < n && b[k] >= 0x30 && b[k] <= 0x39 }
            func text(_ k: Int, _ len: Int) -> String { String(decoding: b[k..<min(n, k + len)], as: UTF8.self) }
            while i + 8 <= n && found.count < 5 {
                let c = b[i]
                if c == 0x5A && b[i + 1] == 0x51 && b[i + 2] == 0x4D && b[i + 3] == 0x4B { found.append(text(i, 12)) }                         // ZQMK
                else if c == 0x31 && b[i + 1] == 0x2E && b[i + 2] == 0x32 && b[i + 3] == 0x2E && text(i, 9) == "1.2.9871." { found.append(text(i, 14)) }
                // Numbers: only where a value starts (a UID's 2.25 digits or a contour's decimals may hold the same digits).
                else if (c == 0x31 || c == 0x39) && (i == 0 || !(b[i - 1] == 0x2E || (b[i - 1] >= 0x30 && b[i - 1] <= 0x39))) && b[i + 1] == 0x38 && (b[i + 2] == 0x37 || b[i + 2] == 0x36) && (b[i + 3] == 0x31 || b[i + 3] == 0x39),
                        ["1871", "9871", "1869"].contains(text(i, 4)), (4..<8).allSatisfy({ isDigit(i + $0) }) { found.append(text(i, 12)) }
                i += 1
            }
        }
        return found
    }

    static func elementValueBytes(_ v: DataElement.Value?) -> [UInt8]? {
        if case .bytes(let b)? = v { return Array(b) }
        return nil
    }

    static func trimmed(_ b: [UInt8]) -> [UInt8] {
        var b = b
        while let l = b.last, l == 0 || l == 0x20 { b.removeLast() }
        return b
    }

    /// Every element the table does not name must come out as it went in: sequences item by item, UIDs
    /// mapped, all other values byte for byte (pixel data, dose grid, contour data, beam geometry ...).
    /// Whether the de-identifier gives this UI attribute new UIDs: the table's U and D actions, and every
    /// attribute the table does not name except those that name a class.
    static func replacesUIDs(_ t: DICOMTag, _ options: DeidentificationOptions) -> Bool {
        guard let row = DeidentificationProfile.row(for: t) else { return !Deidentifier.namesAClassOrRegisteredUID(t) }
        return row.action(with: options.profileOptions) != .keep
    }

    /// Elements that the table names are checked too when they hold references: UIDs to be mapped, and
    /// sequences whose items are kept (U, X/Z/U*, K).
    static func unchangedOutsideTheTable(_ a: DataSet, _ b: DataSet, path: String, options: DeidentificationOptions, issues: inout [String]) {
        let written: Set<UInt32> = [0x0012_0062, 0x0012_0063, 0x0012_0064, 0x0028_0303]
        for e in a.elements {
            let t = e.tag
            let curveOrOverlay = t.group & 1 == 0 && ((0x5000...0x501E).contains(t.group) || (0x6000...0x601E).contains(t.group))
            if t.isPrivate || curveOrOverlay || written.contains(t.rawValue) || t.isGroupLength { continue }
            if path.isEmpty && (t == .patientName || t == .patientID) { continue }
            // Free text outside the table is the Clean Descriptors step's (DeidCleanDescriptorsTests).
            let freeText: Set<VR> = [.LO, .SH, .ST, .LT, .UT, .UC, .PN]
            if options.cleanFreeText && freeText.contains(e.vr) && DeidentificationProfile.row(for: t) == nil { continue }
            if let row = DeidentificationProfile.row(for: t) {
                let action = row.action(with: options.profileOptions)
                let mapsUIDs: Bool
                switch action {
                case .uid, .removeOrZeroOrUID, .keep: mapsUIDs = true
                case .dummy, .zeroOrDummy, .removeOrDummy, .removeOrZeroOrDummy: mapsUIDs = e.vr == .UI
                default: mapsUIDs = false
                }
                guard mapsUIDs && (e.vr == .UI || e.vr == .SQ) else { continue }
            }
            let here = path + t.description
            guard let o = b[t] else { issues.append("\(here) missing"); continue }
            switch (e.value, o.value) {
            case (.sequence(let x), .sequence(let y)):
                guard x.count == y.count else { issues.append("\(here): \(x.count) items became \(y.count)"); continue }
                for (k, (p, q)) in zip(x, y).enumerated() { unchangedOutsideTheTable(p, q, path: here + "[\(k)]", options: options, issues: &issues) }
            case (.bytes(let x), .bytes(let y)) where e.vr == .UI && replacesUIDs(t, options):
                let old = String(decoding: x, as: UTF8.self).split(separator: "\\").map { String($0).trimmingDICOMPadding() }
                let new = String(decoding: y, as: UTF8.self).split(separator: "\\").map { String($0).trimmingDICOMPadding() }
                let expected = old.map { $0.isEmpty || DataDictionary.uidEntry($0) != nil ? $0 : secret.uid(replacing: $0) }
                if new != expected { issues.append("\(here): UID \(old) became \(new), expected \(expected)") }
            case (.bytes(let x), .bytes(let y)):
                if trimmed(Array(x)) != trimmed(Array(y)) { issues.append("\(here): value changed") }
            case (.fragments(let t1, let f1), .fragments(let t2, let f2)):
                if Array(t1) != Array(t2) || f1.map(Array.init) != f2.map(Array.init) { issues.append("\(here): fragments changed") }
            default:
                issues.append("\(here): kind of value changed")
            }
        }
    }

    /// Runs the de-identification and every check of the issue on its output; returns the output folder.
    @discardableResult
    static func runAndCheck(_ options: DeidentificationOptions) throws -> (Prepared, DeidentificationReport) {
        let p = try prepare(options: options)
        let out = p.dir + "/out"
        let report = try DeidentificationRun.run(inputs: [p.dir + "/in"], outputDirectory: out, keyFile: p.dir + "/key.tsv",
                                                 deidentifier: try Deidentifier(secret: secret, options: options))
        #expect(report.refused.isEmpty, "\(report.refused.map { "\($0.file): \($0.reason)" })")
        #expect(report.written.count == p.inputs.count)
        #expect(report.patients.count == 2)
        let key = try DeidentificationKeyFile.read(path: p.dir + "/key.tsv")
        let offsets = Dictionary(key.entries.map { ($0.pseudonym, $0.dateOffsetDays) }, uniquingKeysWith: { a, _ in a })

        var outputs: [String: DICOMFile] = [:] // by source path
        for w in report.written {
            let bytes = try readFileBytes(w.output)
            let leaked = leaks(in: bytes)
            #expect(leaked.isEmpty, "\(w.output) (from \(w.source)) still holds \(leaked)")
            outputs[w.source] = try DICOMFile(bytes: bytes, path: w.output)
        }

        for (source, input) in p.inputs {
            let output = try #require(outputs[source])
            let ds = output.dataSet
            #expect(output.meta.string(DICOMTag(0x0002_0016)) == nil)
            #expect(output.preamble.map { $0.allSatisfy { $0 == 0 } } == true)
            #expect(ds.string(.sopInstanceUID) == secret.uid(replacing: input.sopInstanceUID!))
            let pseudonym = try #require(ds.string(.patientID))
            #expect(ds.string(.patientName) == pseudonym)
            let offset = try #require(offsets[pseudonym])
            // Injected attributes, one by one.
            for (tag, inj) in p.injected where input.dataSet[tag] != nil {
                let got = ds[tag]
                let name = DataDictionary.entry(for: tag)?.keyword ?? tag.description
                switch inj.expect {
                case .gone:
                    #expect(got == nil, "\(name) should be removed")
                case .empty:
                    #expect(got != nil && (got!.items.map(\.isEmpty) ?? trimmed(elementValueBytes(got!.value) ?? [1]).isEmpty), "\(name) should be empty")
                case .dummy:
                    if inj.vr == .SQ {
                        #expect(got?.items?.isEmpty == true, "\(name) should be an empty sequence")
                    } else {
                        let v = elementValueBytes(got?.value)
                        #expect(v != nil && !v!.isEmpty && v != elementValueBytes(inj.value), "\(name) should hold a dummy")
                    }
                case .uid:
                    if inj.vr == .UI {
                        #expect(ds.string(tag) == secret.uid(replacing: input.dataSet.string(tag)!), "\(name) should be the mapped UID")
                    } else {
                        #expect(got?.items != nil, "\(name) should be a sequence")
                    }
                case .kept:
                    #expect(elementValueBytes(got?.value) == elementValueBytes(input.dataSet[tag]?.value), "\(name) should be kept")
                case .shifted:
                    let old = input.dataSet.string(tag)!
                    let expected = inj.vr == .DA ? DateShift.shiftDate(old, by: offset) : inj.vr == .DT ? DateShift.shiftDateTime(old, by: offset) : old
                    #expect(ds.string(tag) == expected, "\(name) \(old) should move by \(offset) days")
                }
            }
            #expect(ds.string(.patientBirthDate) == nil)
            if options.retainPatientCharacteristics {
                let birth = p.birthDates[input.dataSet.string(.patientID)!.replacingOccurrences(of: "ZQMKID", with: "")]!
                #expect(ds.string(.patientAge) == DateShift.age(birth: birth, at: input.dataSet.string(.studyDate)!))
            }
            // Nothing outside the table changed.
            var issues: [String] = []
            unchangedOutsideTheTable(input.dataSet, ds, path: "", options: options, issues: &issues)
            #expect(issues.isEmpty, "\(source): \(issues.prefix(5))")
            // The checker finds nothing in Anchor's own output.
            let findings = DeidentificationVerifier.findings(in: output)
            #expect(findings.isEmpty, "\(source): \(findings.prefix(5).map { "\($0.tagPath) \($0.keyword): \($0.reason)" })")
        }

        // The references between the objects.
        func objects(_ caseName: String, _ modality: String) -> [DataSet] {
            p.cases[caseName]!.filter { p.inputs[$0]!.modality == modality }.map { outputs[$0]!.dataSet }
        }
        let ct = objects("SPHERES", "CT")
        let ctUIDs = Set(ct.compactMap { $0.string(.sopInstanceUID) })
        let sphereRS = try #require(objects("SPHERES", "RTSTRUCT").first)
        let inputRS = try #require(p.cases["SPHERES"]!.map { p.inputs[$0]! }.first { $0.modality == "RTSTRUCT" })
        func contourRefs(_ rs: DataSet) -> [String] {
            rs.sequence(DICOMTag(0x3006_0039)).flatMap { $0.sequence(DICOMTag(0x3006_0040)) }.flatMap { $0.sequence(DICOMTag(0x3006_0016)) }
                .compactMap { $0.string(.referencedSOPInstanceUID) }
        }
        let inRefs = contourRefs(inputRS.dataSet), outRefs = contourRefs(sphereRS)
        #expect(outRefs == inRefs.map { secret.uid(replacing: $0) })
        let inputCT = Set(p.cases["SPHERES"]!.compactMap { p.inputs[$0]!.modality == "CT" ? p.inputs[$0]!.sopInstanceUID : nil })
        let resolvable = zip(inRefs, outRefs).filter { inputCT.contains($0.0) }
        #expect(!resolvable.isEmpty && resolvable.allSatisfy { ctUIDs.contains($0.1) })
        #expect(Set(resolvable.map(\.1)) == ctUIDs, "every CT slice is still referenced by a contour")
        let ctFOR = Set(ct.compactMap { $0.string(.frameOfReferenceUID) })
        #expect(ctFOR.count == 1)
        #expect(sphereRS.sequence(DICOMTag(0x3006_0010)).compactMap { $0.string(.frameOfReferenceUID) } == Array(ctFOR))
        #expect(objects("SPHERES", "RTDOSE").first?.string(.frameOfReferenceUID) == ctFOR.first)
        let rp = try #require(objects("PROSTATE", "RTPLAN").first), rd = try #require(objects("PROSTATE", "RTDOSE").first)
        let rs = try #require(objects("PROSTATE", "RTSTRUCT").first)
        #expect(rd.sequence(DICOMTag(0x300C_0002)).first?.string(.referencedSOPInstanceUID) == rp.string(.sopInstanceUID))
        #expect(rp.sequence(DICOMTag(0x300C_0060)).first?.string(.referencedSOPInstanceUID) == rs.string(.sopInstanceUID))
        return (p, report)
    }

    @Test func noMarkerSurvivesAndTheCasesStayWhole() throws {
        let (p, _) = try Self.runAndCheck(DeidentificationOptions())
        defer { try? FileManager.default.removeItem(atPath: p.dir) }
        // Enough of the table was exercised to mean something.
        #expect(p.injected.count > 600)
        #expect(Set(p.injected.values.map { "\($0.expect)" }) == ["gone", "empty", "dummy", "uid", "kept"])
    }

    @Test func withModifiedDatesEveryDateOfAPatientMovesTogether() throws {
        var options = DeidentificationOptions()
        options.retainModifiedDates = true
        options.retainDeviceIdentity = true
        let (p, _) = try Self.runAndCheck(options)
        defer { try? FileManager.default.removeItem(atPath: p.dir) }
        #expect(p.injected.values.contains { $0.expect == .shifted })
    }

    /// The command line on the same kind of input, then `anchor inspect` on each patient's folder: one
    /// case per patient, with the problems the input had and no new ones. dcmdump (DCMTK) must read every
    /// output file without an error, when it is installed.
    @Test func commandLineOutputIsOneConsistentCasePerPatient() throws {
        try #require(FileManager.default.isExecutableFile(atPath: AnchorCLI.executable), "build the anchor executable first (swift build)")
        let p = try Self.prepare(options: DeidentificationOptions())
        defer { try? FileManager.default.removeItem(atPath: p.dir) }
        try Data("marker test centre secret, fixed so that runs repeat".utf8).write(to: URL(fileURLWithPath: p.dir + "/centre.secret"))
        let run = try AnchorCLI.run(["deid", p.dir + "/in", "--out", p.dir + "/out", "--centre-secret", p.dir + "/centre.secret", "--keep-dates", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("\"patients\""))
        let folders = try FileManager.default.contentsOfDirectory(atPath: p.dir + "/out").sorted()
        #expect(folders.count == 2 && folders.allSatisfy(DeidentificationVerifier.isPseudonym))
        #expect(FileManager.default.fileExists(atPath: p.dir + "/anchor-deid-key.tsv"))
        for file in Fixtures.files(under: p.dir + "/out") {
            #expect(Self.leaks(in: try readFileBytes(file)).isEmpty, "\(file)")
        }
        let verify = try AnchorCLI.run(["deid", "--verify", p.dir + "/out", "--json"])
        #expect(verify.status == 0, "\(verify.stdout.prefix(2000))")
        let dirty = try AnchorCLI.run(["deid", "--verify", p.dir + "/in"])
        #expect(dirty.status == 65)

        func problems(_ folder: String) throws -> [[String]] {
            let r = try AnchorCLI.run(["inspect", folder, "--json"])
            let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
            let cases = json?["cases"] as? [[String: Any]] ?? []
            // Paths and UIDs differ by design; the problems must not.
            return cases.map { c in
                (c["problems"] as? [String] ?? []).map {
                    $0.replacingOccurrences(of: #"\S+\.dcm"#, with: "FILE", options: .regularExpression)
                        .replacingOccurrences(of: #"[0-9]+(\.[0-9]+){2,}"#, with: "UID", options: .regularExpression)
                }.sorted()
            }
        }
        for name in ["PROSTATE", "SPHERES"] {
            let source = p.cases[name]![0]
            let pseudonym = try #require(folders.first { folder in
                Fixtures.files(under: p.dir + "/out/" + folder).contains { (try? DICOMFile.read(path: $0).dataSet.string(.sopInstanceUID)) == Self.secret.uid(replacing: p.inputs[source]!.sopInstanceUID!) }
            })
            let before = try problems(p.dir + "/in/" + name), after = try problems(p.dir + "/out/" + pseudonym)
            #expect(after.count == 1, "\(name): \(after.count) cases")
            #expect(after == before, "\(name)")
        }

        if FileManager.default.isExecutableFile(atPath: "/usr/bin/dcmdump") {
            for file in Fixtures.files(under: p.dir + "/out") {
                let d = try Self.execute("/usr/bin/dcmdump", ["--log-level", "warn", file])
                #expect(d.status == 0 && d.stderr.isEmpty, "dcmdump \(file): \(d.stderr.prefix(500))")
            }
        } else {
            print("dcmdump (DCMTK) is not installed: reading the output with DCMTK was skipped")
        }
    }

    /// Runs another program with stdout and stderr on pipes, both read while it runs.
    static func execute(_ program: String, _ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let r = try ProcessRunner.run(program, args)
        return (r.status, r.stdout, r.stderr)
    }
}
