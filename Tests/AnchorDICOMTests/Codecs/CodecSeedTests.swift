import AnchorDICOM
import AnchorTestSupport
import Foundation
import Testing

/// The compressed phantom slices in `Tests/Fixtures/codec-seeds` (made by dcmtk and by pydicom with
/// pylibjpeg-openjpeg): three lossless encodings by three encoders decode to the same samples, and the
/// lossy ones decode close to them.
struct CodecSeedTests {
    static func values(_ name: String) throws -> (values: [Double], slope: Double, intercept: Double) {
        let file = try DICOMFile.read(path: Fixtures.fixturesDir.appendingPathComponent("codec-seeds/\(name)").path)
        let px = try #require(try PixelData(file.dataSet, transferSyntax: file.transferSyntax))
        #expect(px.isEncapsulated && px.isDecodable)
        return (try px.storedValues(frame: 0), file.dataSet.double(.rescaleSlope) ?? 1, file.dataSet.double(.rescaleIntercept) ?? 0)
    }

    @Test func threeLosslessEncodersDecodeToTheSameSlice() throws {
        let jpeg = try Self.values("phantom-ct-sv7.dcm").values
        #expect(jpeg.count == 137 * 173)
        #expect(jpeg.min()! < 0, "signed HU")
        #expect(try Self.values("phantom-ct-jls.dcm").values == jpeg)
        #expect(try Self.values("phantom-ct-j2kr.dcm").values == jpeg)
    }

    @Test func lossySeedsDecodeNearTheLosslessSlice() throws {
        let reference = try Self.values("phantom-ct-sv7.dcm").values
        // pydicom 3.0.2 with pylibjpeg decodes each lossy encoding of this slice to within (largest, mean)
        // HU of the lossless slice: 12-bit JPEG (14, 0.678), JPEG 2000 (44, 2.728), 8-bit JPEG (108.3,
        // 3.583; dcmtk quantised HU in steps of 8.03, Rescale Slope). Anchor must do as well, allowing one
        // stored unit for the DCT decoders' differences.
        for (name, maxHU, meanHU) in [("phantom-ct-ee12.dcm", 15.0, 0.69), ("phantom-ct-j2ki.dcm", 45.0, 2.75), ("phantom-ct-eb.dcm", 116.4, 3.7)] {
            let (v, slope, intercept) = try Self.values(name)
            let hu = v.map { $0 * slope + intercept }
            let errors = zip(hu, reference).map { abs($0 - $1) }
            let mean = errors.reduce(0, +) / Double(errors.count)
            #expect(errors.max()! <= maxHU && mean <= meanHU, "\(name): largest error \(errors.max()!) HU, mean \(mean) HU")
        }
    }
}
