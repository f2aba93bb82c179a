import AnchorDICOM
import AnchorTestSupport
import Foundation
import Testing

/// Each decoder on damaged input: a truncated stream gives a `decode_failed` error naming the codec
/// (never samples made up for the missing part); corrupted bytes give an error or a frame of the right
/// size, never a crash.
struct DamagedStreamTests {
    struct Sample: Sendable, CustomStringConvertible {
        var name: String
        var syntax: TransferSyntax
        var layout: PixelFrameLayout
        var stream: [UInt8]
        var description: String { name }
    }

    /// The JPEG lossless stream of the test encoder: always available.
    static func lossless() -> Sample {
        let (w, h) = (48, 40)
        let plane = JPEGLosslessDecoderTests.samples(width: w, height: h, precision: 12, seed: 5)
        var enc = LosslessJPEGEncoder(precision: 12, predictor: 6)
        enc.restartInterval = 2 * w
        return Sample(name: "JPEG Lossless (test encoder)", syntax: TransferSyntax(uid: "1.2.840.10008.1.2.4.70"),
                      layout: PixelFrameLayout(rows: h, columns: w, samplesPerPixel: 1, bitsAllocated: 16, bitsStored: 12, pixelRepresentation: 0),
                      stream: enc.encode([plane], width: w, height: h))
    }

    /// pydicom's own test files, one per codec and syntax (found through `ANCHOR_PYTHON`'s pydicom).
    static let pydicomSamples: [Sample] = {
        guard let python = CodecPeers.python,
              let r = try? ProcessRunner.run(python, ["-c", "import pydicom.data, os; print(os.path.join(os.path.dirname(pydicom.data.__file__), 'test_files'))"]),
              r.status == 0 else { return [] }
        let dir = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let names = ["SC_rgb_jpeg_dcmtk.dcm", "JPGExtended.dcm", "SC_rgb_jpeg_gdcm.dcm", "MR_small_jpeg_ls_lossless.dcm",
                     "JPEGLSNearLossless_16.dcm", "MR_small_jp2klossless.dcm", "JPEG2000.dcm", "SC_rgb_gdcm_KY.dcm"]
        return names.compactMap { name in
            guard let file = try? DICOMFile.read(path: dir + "/" + name),
                  let px = try? PixelData(file.dataSet, transferSyntax: file.transferSyntax),
                  let frame = try? px.encapsulatedFrames().first else { return nil }
            return Sample(name: name, syntax: file.transferSyntax, layout: px.layout, stream: frame.flatMap { $0 })
        }
    }()

    static func check(_ s: Sample, _ bytes: [UInt8]) -> Result<[UInt8], DICOMError> {
        do { return .success(try PixelCodecs.decode(bytes[...], transferSyntax: s.syntax, layout: s.layout)) } catch let e as DICOMError {
            return .failure(e)
        } catch {
            Issue.record("\(s.name): an error that is not a DICOMError: \(error)")
            return .failure(DICOMError(.decodeFailed, "\(error)"))
        }
    }

    static func truncationsFail(_ s: Sample) throws {
        let whole = check(s, s.stream)
        #expect((try? whole.get())?.count == s.layout.frameByteCount, "\(s.name) decodes whole")
        for fraction in [0.1, 0.5, 0.9] {
            let cut = Array(s.stream.prefix(Int(Double(s.stream.count) * fraction)))
            switch check(s, cut) {
            case .success: Issue.record("\(s.name) cut to \(Int(fraction * 100)) % decoded without an error")
            case .failure(let e):
                #expect(e.code == .decodeFailed, "\(s.name): \(e)")
                #expect(!e.message.isEmpty)
            }
        }
    }

    static func corruptionNeverCrashes(_ s: Sample) {
        var state: UInt64 = 0x1234_5678_9ABC_DEF1
        for trial in 0..<40 {
            var bytes = s.stream
            for _ in 0..<(1 + trial % 4) {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17
                let at = Int(state % UInt64(bytes.count))
                bytes[at] = trial % 3 == 0 ? 0xFF : bytes[at] ^ UInt8(truncatingIfNeeded: state >> 32 | 1)
            }
            if case .success(let out) = check(s, bytes) {
                #expect(out.count == s.layout.frameByteCount, "\(s.name), trial \(trial)")
            }
        }
    }

    @Test func truncatedLosslessJPEGFails() throws { try Self.truncationsFail(Self.lossless()) }

    @Test func corruptedLosslessJPEGNeverCrashes() { Self.corruptionNeverCrashes(Self.lossless()) }

    @Test func emptyAndGarbageFramesFailClearly() throws {
        for uid in PixelCodecs.decodableTransferSyntaxes.keys.sorted() {
            let layout = PixelFrameLayout(rows: 4, columns: 4, samplesPerPixel: 1, bitsAllocated: 8, bitsStored: 8, pixelRepresentation: 0)
            for bytes in [[], [0xFF, 0xD8], [0xFF, 0xD8, 0xFF, 0xD9], Array("not an image at all".utf8), [UInt8](repeating: 0xFF, count: 64)] {
                let e = try #require(throws: DICOMError.self, "\(uid) \(bytes.count) bytes") {
                    try PixelCodecs.decode(bytes[...], transferSyntax: TransferSyntax(uid: uid), layout: layout)
                }
                #expect(e.code == .decodeFailed)
            }
        }
    }

    @Test(.enabled(if: CodecPeers.python != nil, Comment(rawValue: CodecPeers.missing)))
    func truncatedStreamsOfEveryCodecFail() throws {
        #expect(Self.pydicomSamples.count == 8)
        for s in Self.pydicomSamples { try Self.truncationsFail(s) }
    }

    @Test(.enabled(if: CodecPeers.python != nil, Comment(rawValue: CodecPeers.missing)))
    func corruptedStreamsOfEveryCodecNeverCrash() {
        for s in Self.pydicomSamples { Self.corruptionNeverCrashes(s) }
    }

    @Test(.enabled(if: CodecPeers.python != nil, Comment(rawValue: CodecPeers.missing)))
    func headerDisagreeingWithTheDataSetIsRefused() throws {
        for s in Self.pydicomSamples {
            var layout = s.layout
            layout.rows += 1
            let e = try #require(throws: DICOMError.self, "\(s.name)") {
                try PixelCodecs.decode(s.stream[...], transferSyntax: s.syntax, layout: layout)
            }
            #expect(e.message.contains("Rows \(layout.rows)"), "\(s.name): \(e.message)")
        }
    }
}
