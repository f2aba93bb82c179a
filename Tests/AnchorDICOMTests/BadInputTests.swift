import AnchorDICOM
import AnchorRT
import AnchorTestSupport
import Foundation
import Testing

/// Damaged input gives a DICOMError naming the file, the byte offset and the tag; nothing crashes,
/// hangs, or allocates out of proportion to the input.
struct BadInputTests {
    /// A small valid file: a few text elements, a nested sequence, 16-bit pixel data.
    static func validFile() throws -> [UInt8] {
        var ds = DataSet()
        ds.set(.sopClassUID, .UI, "1.2.840.10008.5.1.4.1.1.2")
        ds.set(.sopInstanceUID, .UI, "2.25.42")
        ds.set(.modality, .CS, "CT")
        ds.set(.patientName, .PN, "Test^Bad Input")
        var inner = DataSet()
        inner.set(.referencedSOPInstanceUID, .UI, "2.25.43")
        var item = DataSet()
        item.set(Tag(0x3006_0016), items: [inner])
        ds.set(Tag(0x3006_0010), items: [item])
        ds.set(.rows, .US, number: 4)
        ds.set(.columns, .US, number: 4)
        ds.set(.bitsAllocated, .US, number: 16)
        ds.set(.pixelData, .OW, bytes: [UInt8](repeating: 7, count: 32))
        return try DICOMWriter.encode(DICOMFile(meta: DataSet(), dataSet: ds, transferSyntax: .explicitVRLittleEndian))
    }

    func expectError(_ bytes: [UInt8], _ code: DICOMError.Code? = nil, needsTag: Bool = true,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try DICOMFile(bytes: bytes, path: "bad.dcm")
            Issue.record("expected an error", sourceLocation: sourceLocation)
        } catch let e as DICOMError {
            if let code { #expect(e.code == code, "\(e)", sourceLocation: sourceLocation) }
            #expect(e.file == "bad.dcm", sourceLocation: sourceLocation)
            #expect(e.offset != nil, "\(e)", sourceLocation: sourceLocation)
            if needsTag { #expect(e.tag != nil, "\(e)", sourceLocation: sourceLocation) }
            #expect(e.description.contains("bad.dcm"), sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error type \(error)", sourceLocation: sourceLocation)
        }
    }

    /// Offset of the first occurrence of a tag's 4 little endian bytes.
    func offset(of tag: DICOMTag, in b: [UInt8]) -> Int {
        let key: [UInt8] = [UInt8(tag.group & 0xFF), UInt8(tag.group >> 8), UInt8(tag.element & 0xFF), UInt8(tag.element >> 8)]
        for i in 0..<(b.count - 4) where Array(b[i..<(i + 4)]) == key { return i }
        return -1
    }

    @Test func validFileReads() throws {
        let f = try DICOMFile(bytes: try Self.validFile(), path: "ok.dcm")
        #expect(f.dataSet.string(.patientName) == "Test^Bad Input")
        #expect(f.dataSet.sequence(DICOMTag(0x3006_0010)).first?.sequence(DICOMTag(0x3006_0016)).count == 1)
    }

    @Test func truncatedFileReportsOffsetAtEveryCut() throws {
        let good = try Self.validFile()
        // Cut after the meta group at every byte: each cut is an error (or, for a cut on an element
        // boundary, a shorter valid file), never a crash.
        let dataStart = offset(of: .sopClassUID, in: good)
        var errors = 0
        for cut in dataStart..<good.count {
            do { _ = try DICOMFile(bytes: Array(good.prefix(cut)), path: "cut.dcm") } catch let e as DICOMError {
                #expect(e.offset != nil && e.file == "cut.dcm")
                errors += 1
            }
        }
        #expect(errors > (good.count - dataStart) / 2)
    }

    @Test func lengthPastEndIsAnErrorNotAnAllocation() throws {
        var b = try Self.validFile()
        let at = offset(of: .patientName, in: b)
        // PN has a 2-byte length; make it 0xFFFE, far past the end.
        b[at + 6] = 0xFE; b[at + 7] = 0xFF
        expectError(b, .lengthPastEnd)
        // A 4 GB length on a long-form element in a 1 KB file.
        var c = try Self.validFile()
        let px = offset(of: .pixelData, in: c)
        c[px + 8] = 0xF0; c[px + 9] = 0xFF; c[px + 10] = 0xFF; c[px + 11] = 0xFF
        expectError(c, .lengthPastEnd)
    }

    @Test func undefinedLengthItemWithoutDelimiterIsAnError() throws {
        // Explicit VR LE data set: (3006,0010) SQ undefined length, one item of undefined length, then EOF.
        var b: [UInt8] = [0x08, 0x00, 0x60, 0x00] + Array("CS".utf8) + [0x02, 0x00] + Array("CT".utf8)
        b += [0x06, 0x30, 0x10, 0x00] + Array("SQ".utf8) + [0, 0, 0xFF, 0xFF, 0xFF, 0xFF]
        b += [0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]
        b += [0x20, 0x00, 0x0D, 0x00] + Array("UI".utf8) + [0x02, 0x00] + Array("1\0".utf8)
        expectError(b, .missingDelimiter)
    }

    @Test func sequencesNestedThousandsDeepAreRefused() throws {
        var b: [UInt8] = [0x08, 0x00, 0x60, 0x00] + Array("CS".utf8) + [0x02, 0x00] + Array("CT".utf8)
        for _ in 0..<5000 {
            b += [0x06, 0x30, 0x10, 0x00] + Array("SQ".utf8) + [0, 0, 0xFF, 0xFF, 0xFF, 0xFF]
            b += [0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]
        }
        expectError(b, .nestingTooDeep)
    }

    @Test func unknownVRNamesTheTag() throws {
        var b = try Self.validFile()
        let at = offset(of: .modality, in: b)
        b[at + 4] = UInt8(ascii: "X"); b[at + 5] = UInt8(ascii: "X")
        expectError(b, .invalidVR)
        do { _ = try DICOMFile(bytes: b, path: "bad.dcm") } catch let e as DICOMError {
            #expect(e.tag == .modality)
            #expect(e.offset == at + 4)
        }
    }

    @Test func garbageAfterPixelDataIsReported() throws {
        var b = try Self.validFile()
        let end = b.count
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<64 { b.append(UInt8.random(in: 0...255, using: &rng)) }
        do {
            _ = try DICOMFile(bytes: b, path: "bad.dcm")
            Issue.record("garbage after the pixel data was accepted")
        } catch let e as DICOMError {
            #expect(e.offset ?? 0 >= end)
            #expect(e.file == "bad.dcm")
        }
    }

    @Test func trailingZeroPaddingShorterThanAHeaderIsTolerated() throws {
        let b = try Self.validFile() + [0, 0, 0, 0]
        #expect(try DICOMFile(bytes: b).dataSet.contains(.pixelData))
    }

    @Test func textAndEmptyFilesAreNotDICOM() throws {
        expectError(Array("id,name\n1,Brainstem\n".utf8), .notDICOM, needsTag: false)
        expectError([], .notDICOM, needsTag: false)
    }

    @Test func missingFileNamesThePath() {
        #expect(throws: DICOMError.self) { try DICOMFile.read(path: "/nonexistent/anchor.dcm") }
        do { _ = try DICOMFile.read(path: "/nonexistent/anchor.dcm") } catch let e as DICOMError {
            #expect(e.code == .fileNotFound && e.file == "/nonexistent/anchor.dcm")
        } catch {}
    }

    /// Every input that ever crashed a fuzz target is kept under Regressions/ and must read or fail
    /// cleanly, through the path of the target that found it: files under `zip/` through the zip reader
    /// (then each entry as a DICOM file), under `rt/` through the RT Dose and Structure Set models, and
    /// all others through the DICOM reader, pixel decoding, the writer and the RT model.
    @Test func savedFuzzerCrashesNowFailCleanly() throws {
        guard let dir = Bundle.module.resourceURL?.appendingPathComponent("Regressions") else { return }
        let files = Fixtures.files(under: dir.path).filter { !$0.hasSuffix(".keep") && !$0.hasSuffix(".md") }
        for path in files {
            let bytes = try readFileBytes(path)
            if path.contains("/Regressions/zip/") {
                for e in (try? ZipReader.entries(bytes)) ?? [] { Self.replayDICOM(e.bytes, path: path + ":" + e.name) }
            } else if path.contains("/Regressions/rt/") {
                guard let f = try? DICOMFile(bytes: bytes, path: path) else { continue }
                if let dose = try? DoseGrid(file: f) { _ = dose.dose(at: dose.grid.origin); _ = dose.grid.bounds }
                if let ss = try? StructureSet(file: f) { _ = ss.referencedImageUIDs }
            } else {
                Self.replayDICOM(bytes, path: path)
            }
        }
    }

    static func replayDICOM(_ bytes: [UInt8], path: String) {
        guard let f = try? DICOMFile(bytes: bytes, path: path) else { return }
        _ = try? DICOMWriter.encode(f)
        if let px = try? PixelData(f.dataSet, transferSyntax: f.transferSyntax) { _ = try? px.storedValues(frame: 0) }
        _ = try? RTObject(file: f)
    }
}
