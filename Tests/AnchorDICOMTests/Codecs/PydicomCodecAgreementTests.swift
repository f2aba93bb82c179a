import AnchorDICOM
import AnchorTestSupport
import Foundation
import Testing

/// Every compressed file in pydicom's own test data (the files inside the pydicom package and the
/// `pydicom-data` package), decoded by Anchor and by pydicom with pylibjpeg: equal sample for sample
/// for the lossless syntaxes; within the tolerances below for the lossy ones.
@Suite(.enabled(if: CodecPeers.python != nil, Comment(rawValue: CodecPeers.missing)))
struct PydicomCodecAgreementTests {
    /// Lossless, and near-lossless JPEG-LS (whose decoding T.87 defines exactly): no difference at all.
    static let exact: Set<String> = [
        "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81", "1.2.840.10008.1.2.4.90",
    ]

    /// What a lossy file may differ by, in stored-value units, and the share of samples that may differ.
    /// DCT decoding is not bit-exact between conforming decoders (T.83 tests the inverse DCT against a
    /// tolerance): grayscale within 1; 8-bit colour within 5, from the chroma upsampling filters of
    /// libjpeg-turbo and pylibjpeg's libjpeg, in under a tenth of the samples. JPEG 2000 lossy (.91)
    /// uses OpenJPEG on both sides: within 1, to allow for a different OpenJPEG release.
    static func tolerance(_ ts: String, samplesPerPixel: Int) -> (maxDifference: Double, share: Double) {
        if exact.contains(ts) { return (0, 0) }
        if ts == "1.2.840.10008.1.2.4.91" { return (1, 1) }
        return samplesPerPixel == 1 ? (1, 1) : (5, 0.1)
    }

    /// Files pydicom reads but Anchor's reader refuses before any pixel is decoded, and why.
    static let readerRefusals: [String: String] = [
        "SC_rgb_jpeg.dcm": "its data set is implicit VR under an explicit VR transfer syntax (pydicom guesses and warns)",
    ]

    @Test func decodesEveryCompressedFileLikePydicom() throws {
        let dump = try #require(CodecPeers.dump, "the pydicom dump did not run")
        print("peers: \(dump.index.versions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
        #expect(dump.index.files.count >= 30, "pydicom's test data holds \(dump.index.files.count) compressed files")
        var compared = 0
        for r in dump.index.files {
            let decoded: Result<(values: [Double], samples: Int), Error> = Result {
                let file = try DICOMFile.read(path: r.path)
                let px = try #require(try PixelData(file.dataSet, transferSyntax: file.transferSyntax))
                var all: [Double] = []
                for f in 0..<min(px.frames, CodecPeers.frameLimit) { all += try px.storedValues(frame: f) }
                return (all, px.samplesPerPixel)
            }
            if let why = Self.readerRefusals[r.name] {
                #expect(throws: DICOMError.self, "\(r.name): \(why)") { try decoded.get() }
                continue
            }
            guard r.ok else {
                // pydicom with pylibjpeg could not decode it either (a malformed stream): Anchor must refuse too.
                #expect(throws: DICOMError.self, "\(r.name): pydicom failed (\(r.error ?? "")), Anchor must not return pixels") { try decoded.get() }
                continue
            }
            let anchor: (values: [Double], samples: Int)
            do { anchor = try decoded.get() } catch {
                Issue.record("\(r.name) [\(r.ts)]: pydicom decoded it, Anchor failed: \(error)")
                continue
            }
            let peer = CodecPeers.values(r)
            guard peer.count == anchor.values.count else {
                Issue.record("\(r.name): Anchor decoded \(anchor.values.count) values, pydicom \(peer.count)")
                continue
            }
            var maxDiff = 0.0, differing = 0
            peer.withUnsafeBufferPointer { p in
                anchor.values.withUnsafeBufferPointer { a in
                    for i in 0..<p.count where p[i] != a[i] {
                        maxDiff = max(maxDiff, abs(p[i] - a[i])); differing += 1
                    }
                }
            }
            let limit = Self.tolerance(r.ts, samplesPerPixel: anchor.samples)
            let share = Double(differing) / Double(max(1, peer.count))
            #expect(maxDiff <= limit.maxDifference && share <= limit.share,
                    "\(r.name) [\(r.ts)]: \(differing) of \(peer.count) samples differ from pydicom, by up to \(maxDiff)")
            compared += 1
        }
        #expect(compared >= 30)
    }
}
