import AnchorDICOM
import AnchorPhantoms
import AnchorRT
import AnchorTestSupport
import Foundation
import Testing

/// A phantom CT series compressed by dcmtk (its JPEG lossless and JPEG-LS encoders, independent of
/// Anchor's decoders), loaded into a volume by Anchor: the same voxels as the uncompressed series.
@Suite(.enabled(if: DcmtkCompressors.paths != nil, "dcmtk's dcmcjpeg and dcmcjpls are not on PATH: skipped (apt-get install dcmtk; .ci/run installs it)"))
struct CompressedSeriesTests {
    static var dcmtk: (jpeg: String, jpls: String)? { DcmtkCompressors.paths }

    /// Twelve slices of the posterior fossa phantom's CT (signed 16-bit HU), written uncompressed.
    static let original: (dir: String, files: [String]) = {
        let spec = try! PhantomSpec(site: "posterior-fossa", ageYears: 4, resolution: .coarse)
        let c = PhantomGenerator.generate(spec)
        let dir = Fixtures.temporaryDirectory("anchor-compressed-ct")
        var paths: [String] = []
        for (name, file) in c.files.filter({ $0.name.hasPrefix("CT.") }).prefix(20).dropFirst(8) {
            let p = dir + "/" + name
            try! DICOMWriter.write(file, to: p)
            paths.append(p)
        }
        return (dir, paths)
    }()

    static func volume(_ files: [String]) throws -> ImageVolume {
        let slices = try files.map { try ImageSlice(file: DICOMFile.read(path: $0)) }
        return try ImageVolume(series: ImageSeries(slices: slices))
    }

    @Test(arguments: [
        ("1.2.840.10008.1.2.4.70", ["+e1"]),                      // JPEG Lossless SV1 (process 14, predictor 1)
        ("1.2.840.10008.1.2.4.57", ["+el", "+sv", "4"]),          // JPEG Lossless, predictor 4
        ("1.2.840.10008.1.2.4.57", ["+el", "+sv", "7", "+fs", "1"]), // predictor 7, frames split into 1 KB fragments
        ("1.2.840.10008.1.2.4.80", []),                           // JPEG-LS Lossless
    ])
    func compressedSeriesLoadsIntoTheOriginalVolume(syntax: String, options: [String]) throws {
        let tools = try #require(Self.dcmtk)
        let (dir, files) = Self.original
        #expect(files.count == 12)
        let out = Fixtures.temporaryDirectory("anchor-compressed-ct-" + syntax)
        defer { try? FileManager.default.removeItem(atPath: out) }
        var compressed: [String] = []
        for f in files {
            let dest = out + "/" + (f as NSString).lastPathComponent
            let tool = syntax.hasSuffix(".80") ? tools.jpls : tools.jpeg
            let r = try ProcessRunner.run(tool, options + [f, dest])
            #expect(r.status == 0, "\(tool) \(options) \(f): \(r.stderr)")
            compressed.append(dest)
        }
        let first = try DICOMFile.read(path: compressed[0])
        #expect(first.transferSyntax.uid == syntax)
        let reference = try Self.volume(files)
        let decoded = try Self.volume(compressed)
        #expect(decoded.voxels == reference.voxels, "\(dir) compressed to \(syntax)")
        #expect(decoded.minStoredValue == reference.minStoredValue && decoded.maxStoredValue == reference.maxStoredValue)
        #expect(reference.minStoredValue < 0, "the phantom CT holds negative HU, so signed values are exercised")
    }

    @Test func twelveBitLossyJPEGStaysWithinItsQuantisationError() throws {
        // dcmcjpeg +ee +bt: 12-bit extended sequential DCT at IJG quality 90, decoded by the Swift 12-bit
        // decoder. dcmtk stores the HU shifted into unsigned 12 bits (Rescale Intercept -2023), so the
        // comparison is in HU. pydicom 3.0.2 with pylibjpeg-libjpeg 2.5.0 decodes these twelve slices to
        // within 16 HU of the original, 1.051 HU on average; Anchor must do as well, allowing one unit
        // for the inverse DCT (decoders differ by up to 1: PydicomCodecAgreementTests).
        let tools = try #require(Self.dcmtk)
        let (_, files) = Self.original
        let out = Fixtures.temporaryDirectory("anchor-compressed-ct-12bit")
        defer { try? FileManager.default.removeItem(atPath: out) }
        var compressed: [String] = []
        for f in files {
            let dest = out + "/" + (f as NSString).lastPathComponent
            let r = try ProcessRunner.run(tools.jpeg, ["+ee", "+bt", f, dest])
            #expect(r.status == 0, "\(r.stderr)")
            compressed.append(dest)
        }
        #expect(try DICOMFile.read(path: compressed[0]).transferSyntax.uid == "1.2.840.10008.1.2.4.51")
        let reference = try Self.volume(files)
        let decoded = try Self.volume(compressed)
        var maxError: Float = 0, sum = 0.0
        for i in reference.voxels.indices {
            let d = abs(decoded.voxels[i] - reference.voxels[i])
            maxError = max(maxError, d); sum += Double(d)
        }
        let mean = sum / Double(reference.voxels.count)
        #expect(maxError <= 17, "largest error \(maxError) HU")
        #expect(mean <= 1.06, "mean error \(mean) HU")
        #expect(maxError > 0, "lossy compression changes something")
    }

    @Test func truncatedSliceNamesItsFile() throws {
        let tools = try #require(Self.dcmtk)
        let (_, files) = Self.original
        let out = Fixtures.temporaryDirectory("anchor-compressed-ct-damaged")
        defer { try? FileManager.default.removeItem(atPath: out) }
        var compressed: [String] = []
        for f in files {
            let dest = out + "/" + (f as NSString).lastPathComponent
            _ = try ProcessRunner.run(tools.jpeg, ["+e1", f, dest])
            compressed.append(dest)
        }
        // Cut the middle of one slice's JPEG data out and keep the file well formed around it: the
        // fragment shrinks, the stream inside it ends early.
        let victim = compressed[5]
        let file = try DICOMFile.read(path: victim)
        guard case .fragments(let table, let fragments) = try #require(file.dataSet[.pixelData]).value else {
            Issue.record("not encapsulated"); return
        }
        var frag = Array(fragments[0])
        frag = Array(frag[..<(frag.count / 2)]) + [0xFF, 0xD9]
        if frag.count % 2 == 1 { frag.append(0) }
        var ds = file.dataSet
        ds.set(DataElement(tag: .pixelData, vr: .OB, value: .fragments(offsetTable: table, fragments: [frag[...]])))
        try DICOMWriter.write(DICOMFile(meta: file.meta, dataSet: ds, transferSyntax: file.transferSyntax), to: victim)
        let e = try #require(throws: DICOMError.self) { try Self.volume(compressed) }
        #expect(e.file == victim)
        #expect(e.code == .decodeFailed)
        #expect(e.message.contains("JPEG Lossless"))
        #expect(e.message.contains("truncated"))
    }
}

/// dcmtk's compressors, when on PATH.
enum DcmtkCompressors {
    static let paths: (jpeg: String, jpls: String)? = {
        func find(_ name: String) -> String? {
            (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/\(name)" }
                .first { FileManager.default.isExecutableFile(atPath: $0) }
        }
        guard let j = find("dcmcjpeg"), let l = find("dcmcjpls") else { return nil }
        return (j, l)
    }()
}
