@testable import AnchorDICOM
import AnchorTestSupport
import Foundation
import Testing

/// The de-identifier on small cases built in memory: CT slices, a structure set whose contours reference
/// them, a plan referencing the structure set and a dose referencing the plan.
struct DeidentifierTests {
    static let secret = try! CentreSecret(bytes: Array("test centre secret: not for real use".utf8))

    static func uid(_ s: String) -> String { "1.2.826.0.1.3680043.9.7777." + s }

    static func patient(_ ds: inout DataSet, id: String = "MRN123456", name: String = "Doe^Jane", birth: String = "20150310") {
        ds.set(.patientName, .PN, name)
        ds.set(.patientID, .LO, id)
        ds.set(.patientBirthDate, .DA, birth)
        ds.set(.patientSex, .CS, "F")
    }

    static func base(_ sopClass: String, _ sop: String, modality: String, id: String = "MRN123456", name: String = "Doe^Jane",
                     birth: String = "20150310") -> DataSet {
        var ds = DataSet()
        ds.set(.specificCharacterSet, .CS, "ISO_IR 100")
        ds.set(.sopClassUID, .UI, sopClass)
        ds.set(.sopInstanceUID, .UI, uid(sop))
        ds.set(.studyDate, .DA, "20210402")
        ds.set(DICOMTag(0x0008_0030), .TM, "101500")
        ds.set(.modality, .CS, modality)
        ds.set(DICOMTag(0x0008_0080), .LO, "St Elsewhere Children's Hospital")
        ds.set(DICOMTag(0x0008_0090), .PN, "House^Gregory")
        patient(&ds, id: id, name: name, birth: birth)
        ds.set(.studyInstanceUID, .UI, uid("1"))
        ds.set(.seriesInstanceUID, .UI, uid("2." + modality))
        ds.set(.frameOfReferenceUID, .UI, uid("3"))
        ds.set(DICOMTag(0x0009_0010), .LO, "ACME PRIVATE")
        ds.set(DICOMTag(0x0009_1001), .LO, "Jane Doe private note")
        return ds
    }

    static func ct(_ n: Int, id: String = "MRN123456", name: String = "Doe^Jane", birth: String = "20150310") -> DICOMFile {
        var ds = base("1.2.840.10008.5.1.4.1.1.2", "10.\(n)", modality: "CT", id: id, name: name, birth: birth)
        ds.set(.imagePositionPatient, .DS, numbers: [-10, -10, Double(n) * 3])
        ds.set(.imageOrientationPatient, .DS, numbers: [1, 0, 0, 0, 1, 0])
        ds.set(.rows, .US, number: 2); ds.set(.columns, .US, number: 2)
        ds.set(.bitsAllocated, .US, number: 16); ds.set(.bitsStored, .US, number: 16); ds.set(.highBit, .US, number: 15)
        ds.set(.pixelRepresentation, .US, number: 1); ds.set(.samplesPerPixel, .US, number: 1)
        ds.set(.photometricInterpretation, .CS, "MONOCHROME2")
        ds.set(.pixelSpacing, .DS, numbers: [1, 1])
        ds.set(.pixelData, .OW, bytes: [1, 2, 3, 4, 5, 6, 7, UInt8(n)])
        ds.set(DICOMTag(0x6000_0010), .US, number: 2)
        ds.set(DICOMTag(0x6000_3000), .OW, bytes: [0xFF, 0, 0, 0])
        return DICOMFile(meta: DataSet(), dataSet: ds, transferSyntax: .explicitVRLittleEndian, path: "ct\(n).dcm")
    }

    static func structureSet(roiName: String = "PTV") -> DICOMFile {
        var ds = base("1.2.840.10008.5.1.4.1.1.481.3", "20", modality: "RTSTRUCT")
        ds.set(DICOMTag(0x3006_0002), .SH, "CRANIO")
        var contours: [DataSet] = []
        for n in 0..<2 {
            var image = DataSet()
            image.set(.referencedSOPClassUID, .UI, "1.2.840.10008.5.1.4.1.1.2")
            image.set(.referencedSOPInstanceUID, .UI, uid("10.\(n)"))
            var contour = DataSet()
            contour.set(DICOMTag(0x3006_0016), items: [image])
            contour.set(DICOMTag(0x3006_0050), .DS, numbers: [0, 0, Double(n) * 3, 1, 0, Double(n) * 3, 1, 1, Double(n) * 3])
            contours.append(contour)
        }
        var roiContour = DataSet()
        roiContour.set(DICOMTag(0x3006_0040), items: contours)
        roiContour.set(DICOMTag(0x3006_0084), .IS, "1")
        ds.set(DICOMTag(0x3006_0039), items: [roiContour])
        var roi = DataSet()
        roi.set(DICOMTag(0x3006_0022), .IS, "1")
        roi.set(DICOMTag(0x3006_0024), .UI, uid("3"))
        roi.set(DICOMTag(0x3006_0026), .LO, roiName)
        ds.set(DICOMTag(0x3006_0020), items: [roi])
        var forItem = DataSet()
        forItem.set(.frameOfReferenceUID, .UI, uid("3"))
        ds.set(DICOMTag(0x3006_0010), items: [forItem])
        return DICOMFile(meta: DataSet(), dataSet: ds, transferSyntax: .explicitVRLittleEndian, path: "rs.dcm")
    }

    static func plan() -> DICOMFile {
        var ds = base("1.2.840.10008.5.1.4.1.1.481.5", "30", modality: "RTPLAN")
        ds.set(DICOMTag(0x300A_0002), .SH, "CSI 36Gy")
        ds.set(DICOMTag(0x300A_0006), .DA, "20210410")
        ds.set(DICOMTag(0x300A_0007), .TM, "093000")
        var rs = DataSet()
        rs.set(.referencedSOPClassUID, .UI, "1.2.840.10008.5.1.4.1.1.481.3")
        rs.set(.referencedSOPInstanceUID, .UI, uid("20"))
        ds.set(DICOMTag(0x300C_0060), items: [rs])
        var beam = DataSet()
        beam.set(DICOMTag(0x300A_00C0), .IS, "1")
        beam.set(DICOMTag(0x300A_00B2), .SH, "TrueBeam1")
        beam.set(DICOMTag(0x0008_0080), .LO, "St Elsewhere Children's Hospital")
        beam.set(DICOMTag(0x300A_00C3), .ST, "call 020 7946 0958")
        beam.set(DICOMTag(0x300A_0675), .UI, uid("3")) // Equipment Frame of Reference UID: not in Table E.1-1
        beam.set(DICOMTag(0x0008_0062), .UI, "1.2.840.10008.5.1.4.1.1.2\\1.2.246.352.70.1.70") // SOP Classes in Study
        ds.set(DICOMTag(0x300A_00B0), items: [beam])
        return DICOMFile(meta: DataSet(), dataSet: ds, transferSyntax: .explicitVRLittleEndian, path: "rp.dcm")
    }

    static func dose() -> DICOMFile {
        var ds = base("1.2.840.10008.5.1.4.1.1.481.2", "40", modality: "RTDOSE")
        var rp = DataSet()
        rp.set(.referencedSOPClassUID, .UI, "1.2.840.10008.5.1.4.1.1.481.5")
        rp.set(.referencedSOPInstanceUID, .UI, uid("30"))
        ds.set(DICOMTag(0x300C_0002), items: [rp])
        ds.set(DICOMTag(0x3004_000E), .DS, "1.5e-05")
        ds.set(.pixelData, .OW, bytes: [9, 8, 7, 6])
        return DICOMFile(meta: DataSet(), dataSet: ds, transferSyntax: .explicitVRLittleEndian, path: "rd.dcm")
    }

    static var caseFiles: [DICOMFile] { [ct(0), ct(1), structureSet(), plan(), dose()] }

    static func deidentify(_ files: [DICOMFile], options: DeidentificationOptions = DeidentificationOptions(),
                           secret: CentreSecret = DeidentifierTests.secret) throws -> [DICOMFile] {
        let d = try Deidentifier(secret: secret, options: options)
        let grouping = PatientGrouping.group(files.map { PatientIdentity($0.dataSet) }, secret: secret, prefix: "ANON")
        return try files.enumerated().map { n, f in
            guard case .patient(let p) = grouping.placements[n] else { throw DICOMError(.invalidValue, "not placed") }
            // Through bytes, as a reader of the output would see it.
            return try DICOMFile(bytes: try DICOMWriter.encode(try d.deidentify(f, patient: grouping.patients[p]).file))
        }
    }

    @Test func everyReferenceResolvesAfterDeidentification() throws {
        let out = try Self.deidentify(Self.caseFiles)
        let ct = out[0...1].map(\.dataSet), rs = out[2].dataSet, rp = out[3].dataSet, rd = out[4].dataSet
        let ctUIDs = Set(ct.compactMap { $0.string(.sopInstanceUID) })
        #expect(ctUIDs.count == 2 && ctUIDs.allSatisfy { $0.hasPrefix("2.25.") })
        let contourRefs = rs.sequence(DICOMTag(0x3006_0039))[0].sequence(DICOMTag(0x3006_0040)).flatMap { $0.sequence(DICOMTag(0x3006_0016)) }
            .compactMap { $0.string(.referencedSOPInstanceUID) }
        #expect(Set(contourRefs) == ctUIDs)
        #expect(rp.sequence(DICOMTag(0x300C_0060))[0].string(.referencedSOPInstanceUID) == rs.string(.sopInstanceUID))
        #expect(rd.sequence(DICOMTag(0x300C_0002))[0].string(.referencedSOPInstanceUID) == rp.string(.sopInstanceUID))
        let fors = Set(out.compactMap { $0.dataSet.string(.frameOfReferenceUID) })
        #expect(fors.count == 1)
        #expect(rs.sequence(DICOMTag(0x3006_0020))[0].string(DICOMTag(0x3006_0024)) == fors.first)
        // A UID attribute the table does not name is replaced the same way, so it still matches.
        let beam = rp.sequence(DICOMTag(0x300A_00B0))[0]
        #expect(beam.string(DICOMTag(0x300A_0675)) == fors.first)
        // Classes, a vendor's private one included, are kept.
        #expect(beam.strings(DICOMTag(0x0008_0062)) == ["1.2.840.10008.5.1.4.1.1.2", "1.2.246.352.70.1.70"])
        #expect(Set(out.compactMap { $0.dataSet.string(.studyInstanceUID) }).count == 1)
        // Class UIDs are kept.
        #expect(rd.sequence(DICOMTag(0x300C_0002))[0].string(.referencedSOPClassUID) == "1.2.840.10008.5.1.4.1.1.481.5")
        #expect(out[0].meta.string(.mediaStorageSOPInstanceUID) == ct[0].string(.sopInstanceUID))
    }

    @Test func geometryPixelsAndContoursAreUnchanged() throws {
        let input = Self.caseFiles
        let out = try Self.deidentify(input)
        for (a, b) in zip(input, out) {
            #expect(a.dataSet[.pixelData]?.bytes.map(Array.init) == b.dataSet[.pixelData]?.bytes.map(Array.init))
            for tag in [DICOMTag.imagePositionPatient, .imageOrientationPatient, .pixelSpacing, DICOMTag(0x3004_000E)] {
                #expect(a.dataSet.rawText(tag)?.trimmingDICOMPaddingEnd() == b.dataSet.rawText(tag)?.trimmingDICOMPaddingEnd(), "\(tag)")
            }
        }
        let contours = { (f: DICOMFile) in f.dataSet.sequence(DICOMTag(0x3006_0039))[0].sequence(DICOMTag(0x3006_0040)).map { $0.rawText(DICOMTag(0x3006_0050))?.trimmingDICOMPaddingEnd() } }
        #expect(contours(input[2]) == contours(out[2]))
    }

    @Test func resubmissionGetsTheSameBytesAndAnotherSecretDoesNot() throws {
        let first = try Self.deidentify(Self.caseFiles).map { try DICOMWriter.encode($0) }
        let again = try Self.deidentify(Self.caseFiles).map { try DICOMWriter.encode($0) }
        #expect(first == again)
        let other = try Self.deidentify(Self.caseFiles, secret: try CentreSecret(bytes: Array("another centre, another secret".utf8)))
        let o = other[0].dataSet
        let f = try DICOMFile(bytes: first[0]).dataSet
        #expect(o.string(.sopInstanceUID) != f.string(.sopInstanceUID))
        #expect(o.string(.patientID) != f.string(.patientID))
    }

    @Test func identifyingAttributesAreReplacedRemovedOrEmptied() throws {
        let out = try Self.deidentify(Self.caseFiles)
        let rp = out[3].dataSet
        let pseudonym = try #require(rp.string(.patientID))
        #expect(DeidentificationVerifier.isPseudonym(pseudonym))
        #expect(rp.string(.patientName) == pseudonym)
        #expect(rp.string(.patientBirthDate) == nil && rp.contains(.patientBirthDate)) // Z: present, empty
        #expect(rp.string(DICOMTag(0x0008_0090)) == nil)                                       // referring physician Z
        #expect(rp.string(DICOMTag(0x0008_0080)) == Deidentifier.dummyText)                     // institution X/Z/D
        #expect(!rp.contains(DICOMTag(0x0009_1001)) && !rp.contains(DICOMTag(0x0009_0010)))          // private
        #expect(rp.string(.studyDate) == nil)
        #expect(rp.string(DICOMTag(0x300A_0006)) == Deidentifier.dummyDate)                     // RT Plan Date X/D
        let beam = rp.sequence(DICOMTag(0x300A_00B0))[0]
        #expect(beam.string(DICOMTag(0x0008_0080)) == Deidentifier.dummyText)
        #expect(beam.string(DICOMTag(0x300A_00B2)) == nil)                                       // machine X/Z
        #expect(!beam.contains(DICOMTag(0x300A_00C3)))                                          // beam description X
        #expect(rp.string(DICOMTag(0x300A_0002)) == "CSI 36Gy")                                 // kept descriptor
        #expect(rp.string(DICOMTag(0x0012_0062)) == "YES")
        let codes = rp.sequence(DICOMTag(0x0012_0064)).compactMap { $0.string(DICOMTag(0x0008_0100)) }
        #expect(codes == ["113100", "113108", "113105"])
        #expect(rp.string(DICOMTag(0x0028_0303)) == "REMOVED")
        // Patient characteristics: sex kept, age computed at the study date (2015-03-10 to 2021-04-02).
        #expect(rp.string(.patientSex) == "F")
        #expect(rp.string(.patientAge) == "006Y")
        #expect(DeidentificationVerifier.findings(in: rp).isEmpty, "\(DeidentificationVerifier.findings(in: rp))")
    }

    @Test func uidsOfUnknownVRAreReplacedAndDecimalsAreNot() throws {
        var f = Self.ct(0)
        let unknownUID = DICOMTag(0x0040_99F0), unknownNumbers = DICOMTag(0x0040_99F2)
        #expect(DataDictionary.entry(for: unknownUID) == nil && DataDictionary.entry(for: unknownNumbers) == nil)
        f.dataSet.set(unknownUID, .UN, bytes: Array(Self.uid("3").utf8))
        f.dataSet.set(unknownNumbers, .UN, bytes: Array("1.5\\2.5 ".utf8))
        let out = try Self.deidentify([f])[0].dataSet
        #expect(out[unknownUID]?.bytes.map { String(decoding: $0, as: UTF8.self).trimmingDICOMPadding() } == Self.secret.uid(replacing: Self.uid("3")))
        #expect(out[unknownNumbers]?.bytes.map(Array.init) == Array("1.5\\2.5 ".utf8))
        #expect(out.string(.frameOfReferenceUID) == Self.secret.uid(replacing: Self.uid("3")))
    }

    @Test func overlaysAreRemovedWholeAndReported() throws {
        let d = try Deidentifier(secret: Self.secret)
        let g = PatientGrouping.group([PatientIdentity(Self.ct(0).dataSet)], secret: Self.secret, prefix: "ANON")
        let r = try d.deidentify(Self.ct(0), patient: g.patients[0])
        #expect(!r.file.dataSet.elements.contains { $0.tag.group == 0x6000 })
        #expect(r.notes.contains { $0.contains("overlay") })
        #expect(r.notes.contains { $0.contains("private") })
    }

    @Test func withoutTheOptionsTheBasicProfileApplies() throws {
        var o = DeidentificationOptions()
        o.retainPatientCharacteristics = false
        o.keptDescriptors = []
        let rp = try Self.deidentify(Self.caseFiles, options: o)[3].dataSet
        #expect(!rp.contains(.patientAge))
        #expect(rp.string(.patientSex) == nil)
        #expect(rp.string(DICOMTag(0x300A_0002)) == Deidentifier.dummyText)
        #expect(rp.sequence(DICOMTag(0x0012_0064)).compactMap { $0.string(DICOMTag(0x0008_0100)) } == ["113100"])
    }

    @Test func modifiedDatesMoveTogetherSoIntervalsSurvive() throws {
        var o = DeidentificationOptions()
        o.retainModifiedDates = true
        let out = try Self.deidentify(Self.caseFiles, options: o)
        let rp = out[3].dataSet
        let study = try #require(rp.string(.studyDate)), planned = try #require(rp.string(DICOMTag(0x300A_0006)))
        let offset = Self.secret.dateOffsetDays(for: "id\u{1}\u{1}MRN123456")
        #expect(study == DateShift.shiftDate("20210402", by: offset))
        let days = { (s: String) in DateShift.parseDate(s).map { DateShift.days(year: $0.year, month: $0.month, day: $0.day) }! }
        #expect(days(planned) - days(study) == 8)
        #expect(rp.string(DICOMTag(0x300A_0007)) == "093000")
        #expect(rp.string(DICOMTag(0x0028_0303)) == "MODIFIED")
        #expect(out.allSatisfy { $0.dataSet.string(.studyDate) == study })
        #expect(DeidentificationVerifier.findings(in: rp).isEmpty)
    }

    @Test func burnedInAnnotationIsRefusedUnlessAccepted() throws {
        var f = Self.ct(0)
        f.dataSet.set(DICOMTag(0x0028_0301), .CS, "YES")
        let g = PatientGrouping.group([PatientIdentity(f.dataSet)], secret: Self.secret, prefix: "ANON")
        #expect(throws: DICOMError.self) { try Deidentifier(secret: Self.secret).deidentify(f, patient: g.patients[0]) }
        var o = DeidentificationOptions()
        o.acceptBurnedInAnnotation = true
        let r = try Deidentifier(secret: Self.secret, options: o).deidentify(f, patient: g.patients[0])
        #expect(r.notes.contains { $0.contains("burned-in") })
    }

    @Test func patientsNameInAKeptLabelIsRefused() throws {
        let rs = Self.structureSet(roiName: "JANE boost")
        let g = PatientGrouping.group([PatientIdentity(rs.dataSet)], secret: Self.secret, prefix: "ANON")
        let error = #expect(throws: DICOMError.self) { try Deidentifier(secret: Self.secret).deidentify(rs, patient: g.patients[0]) }
        #expect(error?.message.contains("JANE") == true)
        // A word that only contains the name is not the name.
        let ok = Self.structureSet(roiName: "Janeway PTV")
        #expect(throws: Never.self) { try Deidentifier(secret: Self.secret).deidentify(ok, patient: g.patients[0]) }
    }

    @Test func mixedPatientsAreSeparatedNeverMerged() {
        let ids = [
            PatientIdentity(Self.ct(0, id: "A1").dataSet), PatientIdentity(Self.ct(1, id: "B2").dataSet),
            PatientIdentity(Self.ct(2, id: "A1", name: "DOE^JANE^^").dataSet),       // same person, name spelled otherwise
            PatientIdentity(Self.ct(3, id: "C3", birth: "20100101").dataSet),
            PatientIdentity(Self.ct(4, id: "C3", birth: "20120202").dataSet),         // ID reused for another child
            PatientIdentity(Self.ct(5, id: "C3", birth: "").dataSet),                 // cannot tell which
            PatientIdentity(Self.ct(6, id: "C3", name: "Doe^Jane", birth: "20120202").dataSet),
        ]
        let g = PatientGrouping.group(ids, secret: Self.secret, prefix: "ANON")
        #expect(g.patients.count == 4)
        #expect(g.placements[0] == g.placements[2])
        #expect(g.placements[0] != g.placements[1])
        #expect(g.placements[3] != g.placements[4])
        #expect(g.placements[4] == g.placements[6])
        if case .ambiguous = g.placements[5] {} else { Issue.record("a file with a shared ID and no birth date was placed") }
        #expect(Set(g.patients.map(\.pseudonym)).count == 4)
    }

    @Test func keyFileEntriesAreAddedNeverOverwritten() throws {
        let dir = Fixtures.temporaryDirectory("anchor-deid-key")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/key.tsv"
        let g1 = PatientGrouping.group([PatientIdentity(Self.ct(0, id: "A1").dataSet)], secret: Self.secret, prefix: "ANON")
        var key = try DeidentificationKeyFile.read(path: path)
        #expect(try key.merge(g1.patients, fingerprint: Self.secret.fingerprint, today: "2026-01-01") == 1)
        try key.write(path: path)
        let g2 = PatientGrouping.group([PatientIdentity(Self.ct(0, id: "A1", name: "Doe^Janet").dataSet),
                                        PatientIdentity(Self.ct(1, id: "B2").dataSet)], secret: Self.secret, prefix: "ANON")
        var again = try DeidentificationKeyFile.read(path: path)
        #expect(try again.merge(g2.patients, fingerprint: Self.secret.fingerprint, today: "2026-02-02") == 1)
        try again.write(path: path)
        let final = try DeidentificationKeyFile.read(path: path)
        #expect(final.entries.count == 2)
        #expect(final.entries[0] == key.entries[0]) // first line untouched: name and date as first written
        #expect(final.entries[0].pseudonym == g2.patients[0].pseudonym)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        var wrong = final
        #expect(throws: DICOMError.self) { try wrong.merge(g2.patients, fingerprint: "0000000000000000", today: "x") }
    }

    @Test func runWritesOneFolderPerPatientAndReportsWhatItRefused() throws {
        let dir = Fixtures.temporaryDirectory("anchor-deid-run")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = dir + "/in", out = dir + "/out"
        try FileManager.default.createDirectory(atPath: input + "/sub", withIntermediateDirectories: true)
        for (n, f) in Self.caseFiles.enumerated() { try DICOMWriter.write(f, to: input + "/Doe_Jane_\(n).dcm") }
        try DICOMWriter.write(Self.ct(7, id: "OTHER9"), to: input + "/sub/other.dcm")
        var burned = Self.ct(8)
        burned.dataSet.set(DICOMTag(0x0028_0301), .CS, "YES")
        try DICOMWriter.write(burned, to: input + "/burned.dcm")
        let good = try DICOMWriter.encode(Self.ct(9))
        try Data(good.prefix(good.count - 3)).write(to: URL(fileURLWithPath: input + "/truncated.dcm"))
        try Data("not dicom".utf8).write(to: URL(fileURLWithPath: input + "/notes.txt"))
        let report = try DeidentificationRun.run(inputs: [input, dir + "/missing"], outputDirectory: out, keyFile: dir + "/key.tsv",
                                                 deidentifier: try Deidentifier(secret: Self.secret))
        #expect(report.written.count == 6)
        #expect(report.patients.count == 2)
        #expect(Set(report.refused.map { ($0.file as NSString).lastPathComponent }) == ["burned.dcm", "truncated.dcm"])
        #expect(report.skipped.map { ($0 as NSString).lastPathComponent } == ["notes.txt"])
        #expect(report.missingPaths == [dir + "/missing"])
        let written = Fixtures.files(under: out)
        #expect(written.count == 6)
        #expect(written.allSatisfy { !$0.contains("Doe") && !$0.contains("burned") && !$0.contains("truncated") })
        for p in report.patients { #expect(FileManager.default.fileExists(atPath: out + "/" + p.pseudonym)) }
        #expect(try DeidentificationKeyFile.read(path: dir + "/key.tsv").entries.count == 2)
        // A second run (a resubmission) writes the same files and adds nothing to the key.
        let before = try written.map { try readFileBytes($0) }
        let again = try DeidentificationRun.run(inputs: [input], outputDirectory: out, keyFile: dir + "/key.tsv",
                                                deidentifier: try Deidentifier(secret: Self.secret))
        #expect(again.keyEntriesAdded == 0)
        #expect(try Fixtures.files(under: out).map { try readFileBytes($0) } == before)
        // The key never goes where the output goes.
        #expect(throws: DICOMError.self) {
            try DeidentificationRun.run(inputs: [input], outputDirectory: out, keyFile: out + "/key.tsv", deidentifier: try Deidentifier(secret: Self.secret))
        }
    }

    @Test func verifierFindsWhatStillLooksIdentifying() throws {
        var ds = Self.plan().dataSet
        var item = DataSet()
        item.set(DICOMTag(0x0008_0080), .LO, "Royal Infirmary")
        ds.set(DICOMTag(0x0040_A078), items: [item])
        ds.set(DICOMTag(0x0008_103E), .LO, "Planning CT 12/03/2021")
        ds.set(DICOMTag(0x300A_0003), .LO, "12 Acacia Avenue")
        let findings = DeidentificationVerifier.findings(in: ds)
        let byTag = Dictionary(grouping: findings, by: \.tagPath)
        #expect(byTag["(0009,1001)"] != nil)                    // private
        #expect(byTag["(0010,0010)"] != nil)                    // not a pseudonym
        #expect(byTag["(0008,0090)"] != nil)                    // Z with a value
        #expect(byTag["(0040,A078)"] != nil)                    // X sequence present
        #expect(byTag["(0040,A078)[0](0008,0080)"]?.contains { $0.reason.contains("institution") } == true)
        #expect(byTag["(300A,00B0)[0](300A,00C3)"]?.contains { $0.reason.contains("phone") } == true)
        #expect(byTag["(0008,103E)"]?.contains { $0.reason.contains("date") } == true)
        #expect(byTag["(300A,0003)"]?.contains { $0.reason.contains("address") } == true)
        #expect(byTag["(0008,0018)"]?.contains { $0.reason.contains("not replaced") } == true)
        #expect(byTag["(0012,0062)"] != nil)
        // Lists of small numbers and software versions are not phone numbers or dates.
        for text in ["MultiWindow1.0 50 0 1 50 400 1 -150 100 1 1 0 0 1 0", "OS 8.1.20", "Femoral Head Lt", "Varian Medical Systems"] {
            #expect(DeidentificationVerifier.reason(for: text, vr: .LO, tag: DICOMTag(0x0008_1030), topLevel: true, datesModified: false, pseudonym: nil) == nil, "\(text)")
        }
    }
}
