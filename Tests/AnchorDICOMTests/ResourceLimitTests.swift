import AnchorDICOM
import AnchorRT
import AnchorTestSupport
import Foundation
import Testing

/// Sizes declared by a file are checked before they are allocated: each hostile file is built here and
/// must fail with a clear error while the process stays small.
struct ResourceLimitTests {
    @Test func hugeDeclaredDoseIsRefusedBeforeAllocation() throws {
        let bytes = try HostileFiles.hugeDeclaredDose()
        #expect(bytes.count < 1024, "the hostile dose is \(bytes.count) bytes")
        let file = try DICOMFile(bytes: bytes, path: "dose.dcm")
        let before = peakResidentBytes()
        do {
            _ = try DoseGrid(file: file)
            Issue.record("a dose declaring 65535 x 65535 x 40 over 16 bytes was accepted")
        } catch let e as DICOMError {
            #expect(e.code == .limitExceeded)
            #expect(e.file == "dose.dcm")
            #expect(e.tag == .pixelData)
            #expect(e.message.contains("40 frame(s) of 65535x65535x1 at 16 bits"), "\(e.message)")
            #expect(e.message.contains("holds 16 bytes"), "\(e.message)")
        }
        // Through the model every caller uses, too.
        #expect(throws: DICOMError.self) { _ = try RTObject(file: file) }
        #expect(peakResidentBytes() - before < 64 << 20)
    }

    @Test func doseWithinThePixelLimitButAboveTheVoxelLimitIsRefused() throws {
        var ds = try DICOMFile(bytes: try HostileFiles.hugeDeclaredDose()).dataSet
        ds.set(.rows, .US, number: 64)
        ds.set(.columns, .US, number: 64)
        ds.set(.pixelData, .OW, bytes: [UInt8](repeating: 0, count: 64 * 64 * 40 * 2))
        let file = DICOMFile(meta: DataSet(), dataSet: ds, transferSyntax: .explicitVRLittleEndian, path: "dose.dcm")
        var limits = ResourceLimits.default
        limits.maxDoseGridVoxels = 64 * 64 * 40 - 1
        do {
            _ = try DoseGrid(file: file, limits: limits)
            Issue.record("accepted a grid above maxDoseGridVoxels")
        } catch let e as RTError {
            #expect(e.code == .limitExceeded)
            #expect(e.message.contains("64x64x40"))
        }
        // One voxel more room: the same grid reads, all 163,840 voxels of it.
        limits.maxDoseGridVoxels += 1
        #expect(try DoseGrid(file: file, limits: limits).values.count == 64 * 64 * 40)
    }

    @Test func shortNativePixelDataIsRefusedAtOpen() throws {
        var ds = try DICOMFile(bytes: try HostileFiles.hugeDeclaredDose()).dataSet
        ds.set(.rows, .US, number: 4)
        ds.set(.columns, .US, number: 4)
        ds.set(.numberOfFrames, .IS, "1")
        ds.set(.pixelData, .OW, bytes: [UInt8](repeating: 0, count: 30)) // 32 needed
        do {
            _ = try PixelData(ds, transferSyntax: .explicitVRLittleEndian)
            Issue.record("accepted 30 bytes for a 4x4 16-bit frame")
        } catch let e as DICOMError {
            #expect(e.code == .truncated)
            #expect(e.message.contains("holds 30 bytes; 32 needed"), "\(e.message)")
        }
    }

    @Test func frameCountThatOverflowsIsRefused() throws {
        var ds = try DICOMFile(bytes: try HostileFiles.hugeDeclaredDose()).dataSet
        ds.set(.numberOfFrames, .IS, "2147483647")
        ds.set(.samplesPerPixel, .US, number: 3)
        ds.set(.bitsAllocated, .US, number: 64)
        // 65535 x 65535 x 3 x 8 x 2^31 overflows Int64: refused, not wrapped to a small size.
        #expect(throws: DICOMError.self) { _ = try PixelData(ds, transferSyntax: .explicitVRLittleEndian) }
        #expect(ResourceLimits.product(65535, 65535, 3, 8, 2_147_483_647) == nil)
        #expect(ResourceLimits.product(512, 512, 2) == 524_288)
    }

    @Test func encapsulatedFramesNeedAFragmentEach() throws {
        var ds = DataSet()
        ds.set(.rows, .US, number: 512)
        ds.set(.columns, .US, number: 512)
        ds.set(.bitsAllocated, .US, number: 16)
        ds.set(.numberOfFrames, .IS, "1000")
        ds.set(DataElement(tag: .pixelData, vr: .OB, value: .fragments(offsetTable: [][...], fragments: [[0, 0][...]])))
        do {
            _ = try PixelData(ds, transferSyntax: .rleLossless)
            Issue.record("1000 frames from one fragment accepted")
        } catch let e as DICOMError {
            #expect(e.message.contains("1 fragment(s) for 1000 frames"), "\(e.message)")
        }
    }

    @Test func deflateBombIsRefusedAtTheRatioLimit() throws {
        // About 200 KB of deflate that would expand to 200 MiB.
        let bytes = try HostileFiles.deflateBomb(megabytes: 200)
        #expect(bytes.count < 260_000, "\(bytes.count) bytes")
        let before = peakResidentBytes()
        do {
            _ = try DICOMFile(bytes: bytes, path: "bomb.dcm")
            Issue.record("a deflated data set of \(bytes.count) bytes expanding to 200 MiB was read")
        } catch let e as DICOMError {
            #expect(e.code == .limitExceeded, "\(e)")
            #expect(e.file == "bomb.dcm")
            #expect(e.message.contains("expands beyond"), "\(e.message)")
        }
        // The cap is max(32 MiB floor, 200 x the compressed size): about 40 MB here, held twice at most while growing.
        let allowance = ResourceLimits.default.inflateAllowance(compressedBytes: bytes.count)
        #expect(allowance < 64 << 20)
        #expect(peakResidentBytes() - before < 160 << 20)
    }

    @Test func deflateBombWithinTheLimitsReads() throws {
        // The same construction, 8 MiB: below the floor, so it is an ordinary (if odd) file.
        let bytes = try HostileFiles.deflateBomb(megabytes: 8)
        let f = try DICOMFile(bytes: bytes, path: "small.dcm")
        #expect(f.dataSet[.pixelData]?.valueLength == 8 << 20)
        // A lower ceiling refuses it.
        var limits = ResourceLimits.default
        limits.maxInflatedBytes = 4 << 20
        #expect(throws: DICOMError.self) { _ = try DICOMFile(bytes: bytes, limits: limits) }
    }

    @Test func damagedDeflateStreamIsADecodeError() throws {
        var bytes = try HostileFiles.deflateBomb(megabytes: 1)
        bytes.removeLast(bytes.count / 3)
        do { _ = try DICOMFile(bytes: bytes, path: "cut.dcm"); Issue.record("truncated deflate stream accepted") } catch let e as DICOMError {
            #expect(e.code == .decodeFailed)
            #expect(e.message.contains("ends before its last block"), "\(e.message)")
        }
    }

    @Test func inflateRawHonoursItsCap() throws {
        let data = [UInt8](repeating: 7, count: 100_000)
        let packed = deflateRaw(data)
        #expect(try inflateRaw(packed[...], maxOutput: 100_000) == data)
        do { _ = try inflateRaw(packed[...], maxOutput: 99_999); Issue.record("cap ignored") } catch let e as DICOMError {
            #expect(e.code == .limitExceeded)
        }
    }

    @Test func hugeContourCountIsRefusedBeforeDecoding() throws {
        let bytes = try HostileFiles.structureSet(points: 200_000)
        let file = try DICOMFile(bytes: bytes, path: "rs.dcm")
        var limits = ResourceLimits.default
        limits.maxContourPoints = 100_000
        do {
            _ = try StructureSet(file: file, limits: limits)
            Issue.record("200,000 points accepted under a limit of 100,000")
        } catch let e as RTError {
            #expect(e.code == .limitExceeded)
            #expect(e.file == "rs.dcm")
            #expect(e.tag == Tag(0x3006_0050))
            #expect(e.message.contains("more than 100000 points"), "\(e.message)")
        }
        // Within the limit the same file reads, every point of it.
        limits.maxContourPoints = 200_000
        #expect(try StructureSet(file: file, limits: limits).rois.first?.pointCount == 200_000)
    }

    @Test func imageVolumeAboveTheLimitIsRefused() throws {
        let (grid, hu) = SyntheticCase.ctGrid()
        let files = RTWriter.ctSeries(grid: grid, hounsfield: hu, context: RTWriter.Context())
        let slices = try files.map { try ImageSlice(file: try DICOMFile(bytes: try DICOMWriter.encode($0))) }
        let series = try ImageSeries(slices: slices)
        var limits = ResourceLimits.default
        limits.maxVolumeVoxels = grid.voxelCount - 1
        do { _ = try ImageVolume(series: series, limits: limits); Issue.record("volume above the limit accepted") } catch let e as RTError {
            #expect(e.code == .limitExceeded)
        }
        limits.maxVolumeVoxels = grid.voxelCount
        #expect(try ImageVolume(series: series, limits: limits).voxels.count == grid.voxelCount)
    }

    @Test func nestingDepthFollowsTheLimit() throws {
        // Five nested sequences: read under the default limit, refused under a limit of 3.
        var inner = DataSet()
        inner.set(.referencedSOPInstanceUID, .UI, "2.25.1")
        for _ in 0..<5 {
            var item = DataSet()
            item.set(Tag(0x0008_1115), items: [inner])
            inner = item
        }
        var ds = inner
        ds.set(.sopInstanceUID, .UI, "2.25.2")
        let bytes = try DICOMWriter.encode(DICOMFile(meta: DataSet(), dataSet: ds, transferSyntax: .explicitVRLittleEndian))
        _ = try DICOMFile(bytes: bytes)
        var limits = ResourceLimits.default
        limits.maxSequenceDepth = 3
        do { _ = try DICOMFile(bytes: bytes, limits: limits); Issue.record("depth limit ignored") } catch let e as DICOMError {
            #expect(e.code == .nestingTooDeep)
        }
    }
}

extension ResourceLimitTests {
    @Test func rleFrameTooShortForItsSizeIsRefusedBeforeDecoding() throws {
        // 30000 x 30000 8-bit (900 MB, under the pixel limit) in one RLE frame of 80 bytes.
        var ds = DataSet()
        ds.set(.rows, .US, number: 30000)
        ds.set(.columns, .US, number: 30000)
        ds.set(.bitsAllocated, .US, number: 8)
        var frame = [UInt8](repeating: 0, count: 80)
        frame[0] = 1; frame[4] = 64 // one segment at offset 64
        for k in stride(from: 64, to: 80, by: 2) { frame[k] = 0x81 } // replicate runs of 128
        ds.set(DataElement(tag: .pixelData, vr: .OB, value: .fragments(offsetTable: [][...], fragments: [frame[...]])))
        let px = try #require(try PixelData(ds, transferSyntax: .rleLossless))
        let before = peakResidentBytes()
        do { _ = try px.frameBytes(0); Issue.record("80 bytes decoded to 900 MB") } catch let e as DICOMError {
            #expect(e.code == .decodeFailed)
            #expect(e.message.contains("cannot hold"), "\(e.message)")
        }
        #expect(peakResidentBytes() - before < 64 << 20)
    }
}
