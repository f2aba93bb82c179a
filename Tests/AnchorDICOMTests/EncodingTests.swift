import AnchorDICOM
import AnchorTestSupport
import Foundation
import Testing

struct EncodingTests {
    @Test func deflatedExplicitLittleEndianIsInflated() throws {
        let f = try DICOMFile.read(path: Fixtures.fixturesDir.appendingPathComponent("deflated-explicit-le.dcm").path)
        #expect(f.transferSyntax.isDeflated)
        #expect(f.dataSet.string(.patientName) == "Ørsted^Hans Christian")
        #expect(f.dataSet.string(DICOMTag(0x300A_0002)) == "DEFLATED")
        let beams = f.dataSet.sequence(DICOMTag(0x300A_00B0))
        #expect(beams.count == 3)
        #expect(beams[2].sequence(DICOMTag(0x300A_0111)).first?.double(DICOMTag(0x300A_011E)) == 240)
        #expect(try beams[0].sequence(DICOMTag(0x300A_0111)).first?.doubles(DICOMTag(0x300A_012C)) == [1.5, -2.25, 30])
    }

    @Test func latin1AndUTF8CharacterSetsDecode() throws {
        var latin = DataSet()
        latin.set(.specificCharacterSet, .CS, "ISO_IR 100")
        latin.set(.patientName, .PN, bytes: [0x4D, 0xFC, 0x6C, 0x6C, 0x65, 0x72, 0x5E, 0x4A, 0x6F, 0x73, 0xE9]) // Müller^José
        var utf = DataSet()
        utf.set(.specificCharacterSet, .CS, "ISO_IR 192")
        utf.set(.patientName, .PN, bytes: Array("Ørjan^李".utf8))
        for (ds, expected) in [(latin, "Müller^José"), (utf, "Ørjan^李")] {
            let bytes = try DICOMWriter.encode(DICOMFile(meta: DataSet(), dataSet: ds, transferSyntax: .explicitVRLittleEndian))
            let back = try DICOMFile(bytes: bytes)
            #expect(back.dataSet.string(.patientName) == expected)
            #expect(back.dataSet.characterSet == SpecificCharacterSet(terms: [ds.string(.specificCharacterSet)!]))
        }
    }

    @Test func sequenceItemsInheritTheCharacterSet() throws {
        var item = DataSet()
        item.set(.patientName, .PN, bytes: [0x4D, 0xFC, 0x6C, 0x6C, 0x65, 0x72])
        var ds = DataSet()
        ds.set(.specificCharacterSet, .CS, "ISO_IR 100")
        ds.set(DICOMTag(0x0008_1120), items: [item])
        let back = try DICOMFile(bytes: try DICOMWriter.encode(DICOMFile(meta: DataSet(), dataSet: ds, transferSyntax: .explicitVRLittleEndian)))
        #expect(back.dataSet.sequence(DICOMTag(0x0008_1120)).first?.string(.patientName) == "Müller")
    }

    @Test func decimalStringsParseLikeDouble() throws {
        var ds = DataSet()
        ds.set(.imagePositionPatient, .DS, bytes: Array(" -1.5\\2.25E+01 \\ 3\\.5\\-0 ".utf8))
        #expect(try ds.decimals(.imagePositionPatient) == [-1.5, 22.5, 3, 0.5, -0.0])
        #expect(try ds.doubles(.imagePositionPatient) == [-1.5, 22.5, 3, 0.5, -0.0])
        ds.set(.imagePositionPatient, .DS, bytes: Array("1.0\\abc".utf8))
        #expect(throws: DICOMError.self) { try ds.decimals(.imagePositionPatient) }
    }

    @Test func formatDSFitsSixteenCharacters() {
        for v in [0.1, 1.0 / 3.0, -123456.789012345, 1e-7, 6.02e23, 46, -0.000123456789] {
            let s = formatDS(v)
            #expect(s.count <= 16, "\(s)")
            #expect(approximatelyEqual(Double(s)!, v, relative: 1e-9), "\(s) vs \(v)")
        }
    }

    @Test func dictionaryKnowsRTAttributesAndRepeatingGroups() {
        #expect(DataDictionary.entry(for: DICOMTag(0x3006_0050))?.keyword == "ContourData")
        #expect(DataDictionary.entry(for: DICOMTag(0x3006_0050))?.vr == .DS)
        #expect(DataDictionary.entry(for: DICOMTag(0x6002_3000))?.keyword == "OverlayData")
        #expect(DataDictionary.entry(keyword: "DoseGridScaling")?.tag == DICOMTag(0x3004_000E))
        #expect(DataDictionary.uidName("1.2.840.10008.5.1.4.1.1.481.8") == "RT Ion Plan Storage")
        #expect(TransferSyntax(uid: "1.2.840.10008.1.2.4.50").isEncapsulated)
        #expect(TransferSyntax(uid: "1.2.840.10008.1.2.4.50").name.contains("JPEG"))
    }

    @Test func encapsulatedJPEGIsReadAndReportsItsSyntax() throws {
        // A JPEG Baseline file: pixel data in fragments, read as such; each frame is an empty JPEG stream
        // (start and end of image only), so decoding it fails.
        var ds = DataSet()
        ds.set(.sopClassUID, .UI, "1.2.840.10008.5.1.4.1.1.7")
        ds.set(.sopInstanceUID, .UI, "2.25.7")
        ds.set(.rows, .US, number: 2)
        ds.set(.columns, .US, number: 2)
        ds.set(.bitsAllocated, .US, number: 8)
        ds.set(.numberOfFrames, .IS, number: 2)
        ds.set(DataElement(tag: .pixelData, vr: .OB, value: .fragments(offsetTable: [0, 0, 0, 0, 12, 0, 0, 0][...],
                                                                        fragments: [[0xFF, 0xD8, 0xFF, 0xD9][...], [0xFF, 0xD8, 0xFF, 0xD9][...]])))
        let syntax = TransferSyntax(uid: "1.2.840.10008.1.2.4.50")
        let bytes = try DICOMWriter.encode(DICOMFile(meta: DataSet(), dataSet: ds, transferSyntax: syntax))
        let back = try DICOMFile(bytes: bytes, path: "jpeg.dcm")
        #expect(back.transferSyntax.uid == syntax.uid)
        let px = try #require(try PixelData(back.dataSet, transferSyntax: back.transferSyntax))
        #expect(try px.encapsulatedFrames().count == 2)
        #expect(throws: DICOMError.self) { try px.frameBytes(0) }
    }
}
