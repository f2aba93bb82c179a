import AnchorDICOM
import AnchorTestSupport
import Foundation
import Testing

/// Every readable file under ../shared/data, written as explicit VR little endian and read back, holds
/// the same elements and values.
@Suite(.enabled(if: Fixtures.hasSharedData, Comment(rawValue: Fixtures.sharedDataMissing)))
struct RoundTripTests {
    static let files: [String] = Fixtures.files(under: Fixtures.sharedData.path).filter { $0.hasSuffix(".dcm") && !$0.contains("truncated") }

    @Test(arguments: files)
    func writtenFileReadsBackTheSame(_ path: String) throws {
        let original = try DICOMFile.read(path: path)
        let bytes = try DICOMWriter.encode(original)
        let back = try DICOMFile(bytes: bytes, path: path + " (rewritten)")
        #expect(back.preamble != nil)
        #expect(back.meta.string(.transferSyntaxUID) == (original.transferSyntax.isEncapsulated ? original.transferSyntax.uid : TransferSyntax.explicitVRLittleEndian.uid))
        #expect(back.meta.string(.mediaStorageSOPInstanceUID) == original.sopInstanceUID)
        let diffs = differences(original.dataSet, back.dataSet)
        #expect(diffs.isEmpty, "\(path): \(diffs.prefix(5))")
        if let p1 = try PixelData(original.dataSet, transferSyntax: original.transferSyntax),
           let p2 = try PixelData(back.dataSet, transferSyntax: back.transferSyntax) {
            #expect(try p1.storedValues(frame: p1.frames - 1) == p2.storedValues(frame: p2.frames - 1))
        }
    }

    @Test func writeIsAtomicAndLeavesNoTemporaryFile() throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = try DICOMFile.read(path: Fixtures.shared("parser-corpus/pydicom/rtplan.dcm"))
        try DICOMWriter.write(file, to: dir + "/plan.dcm")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["plan.dcm"])
        #expect(try DICOMFile.read(path: dir + "/plan.dcm").sopInstanceUID == file.sopInstanceUID)
    }
}
