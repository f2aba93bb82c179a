@testable import AnchorDICOM
import AnchorTestSupport
import Foundation
import Testing

/// Free text outside Table E.1-1 (a beam name, a dose comment, an ROI named after the child): cleaned by
/// the Clean Descriptors step with a note, and found by the verifier when another tool let it through.
struct DeidCleanDescriptorsTests {
    static let secret = try! CentreSecret(bytes: Array("clean descriptors test secret, not for real use".utf8))

    /// An RT Plan and an RT Dose of patient "Smith^Jo" with the free text the issue found surviving.
    static func files(roiName: String = "PTV") -> (plan: DICOMFile, dose: DICOMFile, structures: DICOMFile) {
        func base(_ sopClass: String, _ sop: String, _ modality: String) -> DataSet {
            var ds = DataSet()
            ds.set(.sopClassUID, .UI, sopClass)
            ds.set(.sopInstanceUID, .UI, "1.2.826.0.1.3680043.9.7777.9." + sop)
            ds.set(.studyInstanceUID, .UI, "1.2.826.0.1.3680043.9.7777.9.1")
            ds.set(.modality, .CS, modality)
            ds.set(.patientName, .PN, "Smith^Jo")
            ds.set(.patientID, .LO, "RX0042")
            ds.set(.patientBirthDate, .DA, "20200314")
            ds.set(Tag(0x0008_0070), .LO, "Varian Medical Systems")
            return ds
        }
        var plan = base("1.2.840.10008.5.1.4.1.1.481.5", "2", "RTPLAN")
        plan.set(Tag(0x300A_0002), .SH, "CSI 36Gy")
        var beam1 = DataSet()
        beam1.set(Tag(0x300A_00C0), .IS, "1")
        beam1.set(Tag(0x300A_00C2), .LO, "Mum Mary Smith 07700900123")
        var beam2 = DataSet()
        beam2.set(Tag(0x300A_00C0), .IS, "2")
        beam2.set(Tag(0x300A_00C2), .LO, "G180 RAO")
        plan.set(Tag(0x300A_00B0), items: [beam1, beam2])
        var dose = base("1.2.840.10008.5.1.4.1.1.481.2", "3", "RTDOSE")
        dose.set(Tag(0x3004_0006), .LO, "Dr Brown Ward 7 born 14/03/2020")
        var rs = base("1.2.840.10008.5.1.4.1.1.481.3", "4", "RTSTRUCT")
        var roi = DataSet()
        roi.set(Tag(0x3006_0022), .IS, "3")
        roi.set(Tag(0x3006_0026), .LO, roiName)
        rs.set(Tag(0x3006_0020), items: [roi])
        func file(_ ds: DataSet) -> DICOMFile { DICOMFile(meta: DataSet(), dataSet: ds, transferSyntax: .explicitVRLittleEndian) }
        return (file(plan), file(dose), file(rs))
    }

    static func deidentify(_ f: DICOMFile, options: DeidentificationOptions = DeidentificationOptions()) throws -> Deidentifier.Result {
        let g = PatientGrouping.group([PatientIdentity(f.dataSet)], secret: secret, prefix: "ANON")
        return try Deidentifier(secret: secret, options: options).deidentify(f, patient: g.patients[0])
    }

    @Test func beamNameWithANameAndAPhoneNumberIsCleanedWithANote() throws {
        let r = try Self.deidentify(Self.files().plan)
        let beams = r.file.dataSet.sequence(Tag(0x300A_00B0))
        #expect(beams[0].string(Tag(0x300A_00C2)) == "BEAM 1")
        #expect(beams[1].string(Tag(0x300A_00C2)) == "G180 RAO") // a safe attribute whose value is fine: kept
        let note = try #require(r.notes.first { $0.contains("(300A,00B0)[0](300A,00C2)") })
        #expect(note.contains("Beam Name"))
        #expect(note.contains("phone") || note.contains("person name"), "\(note)")
        #expect(!r.notes.joined().contains("Mary") && !r.notes.joined().contains("07700")) // a note never repeats the value
        #expect(r.file.dataSet.string(Tag(0x0008_0070)) == "Varian Medical Systems")
        #expect(DeidentificationVerifier.findings(in: r.file.dataSet, patientNames: ["Smith^Jo"]).isEmpty)
    }

    @Test func doseCommentOutsideTheTableIsReplaced() throws {
        let r = try Self.deidentify(Self.files().dose)
        #expect(r.file.dataSet.string(Tag(0x3004_0006)) == Deidentifier.cleanedText)
        #expect(r.notes.contains { $0.contains("Dose Comment (3004,0006)") && $0.contains("not on the list of safe attributes") })
        // With the step off, the basic profile alone lets it through (that is what the step is for) ...
        var o = DeidentificationOptions()
        o.cleanFreeText = false
        let raw = try Self.deidentify(Self.files().dose, options: o)
        #expect(raw.file.dataSet.string(Tag(0x3004_0006)) == "Dr Brown Ward 7 born 14/03/2020")
        // ... and the verifier catches it.
        let reasons = DeidentificationVerifier.findings(in: raw.file.dataSet).filter { $0.tag == Tag(0x3004_0006) }.map(\.reason)
        #expect(!reasons.isEmpty)
    }

    @Test func roiNamedWithTheChildsTwoLetterNameIsRefused() throws {
        let rs = Self.files(roiName: "Jo").structures
        do {
            _ = try Self.deidentify(rs)
            Issue.record("an ROI named after the patient was written")
        } catch let e as DICOMError {
            #expect(e.message.contains("'JO'"), "\(e.message)")
            #expect(e.message.contains("(3006,0020)[0](3006,0026)"), "\(e.message)")
        }
        // A two-letter part is matched as a word only: "Joint" and "JOHN" are not "Jo".
        #expect(throws: Never.self) { _ = try Self.deidentify(Self.files(roiName: "Joint space").structures) }
    }

    @Test func verifierCatchesWhatSurvivedTheIssue() throws {
        var o = DeidentificationOptions()
        o.cleanFreeText = false
        let f = Self.files(roiName: "PTV")
        // Outputs another tool would have written: the engine itself refuses the name parts and cleans the rest.
        var plan = try Self.deidentify(f.plan).file.dataSet
        var beams = plan.sequence(Tag(0x300A_00B0))
        beams[0].set(Tag(0x300A_00C2), .LO, "Mum Mary Smith 07700900123")
        plan.set(Tag(0x300A_00B0), items: beams)
        let dose = try Self.deidentify(f.dose, options: o).file.dataSet
        var rs = try Self.deidentify(f.structures, options: o).file.dataSet
        var roi = rs.sequence(Tag(0x3006_0020))[0]
        roi.set(Tag(0x3006_0026), .LO, "Jo")
        rs.set(Tag(0x3006_0020), items: [roi])

        let beam = DeidentificationVerifier.findings(in: plan).filter { $0.tagPath == "(300A,00B0)[0](300A,00C2)" }
        #expect(beam.contains { $0.reason.contains("phone") || $0.reason.contains("person name") }, "\(beam)")
        #expect(DeidentificationVerifier.findings(in: plan).allSatisfy { $0.tagPath != "(300A,00B0)[1](300A,00C2)" })
        let comment = DeidentificationVerifier.findings(in: dose).filter { $0.tag == Tag(0x3004_0006) }
        #expect(!comment.isEmpty)
        // Two-letter names need the original name: with it the ROI is found, without it nothing says "Jo" is a name.
        let withName = DeidentificationVerifier.findings(in: rs, patientNames: ["Smith^Jo"]).filter { $0.tag == Tag(0x3006_0026) }
        #expect(withName.map(\.reason) == ["holds a part of the patient's name"])
        #expect(DeidentificationVerifier.findings(in: rs).filter { $0.tag == Tag(0x3006_0026) }.isEmpty)
    }

    @Test func contentRulesEachFindTheirCase() {
        func reason(_ text: String) -> String? {
            DeidentificationVerifier.reason(for: text, vr: .LO, tag: Tag(0x3004_0006), topLevel: true, datesModified: false, pseudonym: nil)
        }
        #expect(reason("Mum Mary Smith")?.contains("family word") == true)
        #expect(reason("Dr Brown")?.contains("title") == true)
        #expect(reason("dr Brown")?.contains("title") == true)
        #expect(reason("seen on Ward 7")?.contains("ward") == true)
        #expect(reason("born early")?.contains("birth") == true)
        #expect(reason("07700 900123")?.contains("phone") == true)
        #expect(reason("14 March 2020")?.contains("date") == true)
        #expect(reason("March 14, 2020")?.contains("date") == true)
        #expect(reason("14/03/2020")?.contains("date") == true)
        // Ordinary RT text stays clean.
        for text in ["G180 RAO", "PTV_5040", "Femoral Head Lt", "Brainstem PRV 3mm", "CTV 45 Gy", "Bowel bag", "Mandible",
                     "Arc 1 CW 181-179", "Spinal Cord", "Lens L", "Varian Medical Systems", "Eclipse 16.1", "Sister structure 2"] {
            #expect(reason(text) == nil, "\(text): \(reason(text) ?? "")")
        }
        #expect(DeidentificationVerifier.nameParts("Smith^Jo^A=スミス^ジョー") == ["SMITH", "JO", "スミス", "ジョー"])
    }

    @Test func safeAttributesAreConfigurable() throws {
        var o = DeidentificationOptions()
        o.safeTextAttributes.remove(Tag(0x0008_0070))
        let r = try Self.deidentify(Self.files().plan, options: o)
        #expect(r.file.dataSet.string(Tag(0x0008_0070)) == Deidentifier.cleanedText)
        o.safeTextAttributes.insert(Tag(0x3004_0006))
        let d = try Self.deidentify(Self.files().dose, options: o)
        // On the list, but it still looks identifying: cleaned all the same.
        #expect(d.file.dataSet.string(Tag(0x3004_0006)) == Deidentifier.cleanedText)
        #expect(d.notes.contains { $0.contains("Dose Comment") && $0.contains("looks identifying") })
        #expect(DeidentificationOptions.defaultSafeTextAttributes.count == 34)
    }
}
