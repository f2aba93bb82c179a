import AnchorDICOM
import AnchorTestSupport
import Foundation
import Testing

/// The zip reader: ordinary archives read exactly; every hostile construction is refused with its reason
/// before anything large is allocated.
struct ZipReaderTests {
    func expectRefusal(_ archive: [UInt8], _ code: DICOMError.Code = .invalidArchive, containing text: String,
                       limits: ResourceLimits = .default, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let entries = try ZipReader.entries(archive, limits: limits)
            Issue.record("refusal expected; read \(entries.count) entries", sourceLocation: sourceLocation)
        } catch let e as DICOMError {
            #expect(e.code == code, "\(e)", sourceLocation: sourceLocation)
            #expect(e.message.contains(text), "\(e.message)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func storedAndDeflatedEntriesReadExactly() throws {
        let a = Array("hello".utf8), b = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 * 7 / 3) }
        let zip = ZipBuilder.make([.init(name: "case/a.txt", data: a, deflate: false), .init(name: "case/b.dcm", data: b), .init(name: "case/", data: [], deflate: false)])
        #expect(ZipReader.isZip(zip))
        let entries = try ZipReader.entries(zip)
        #expect(entries.map(\.name) == ["case/a.txt", "case/b.dcm"])
        #expect(entries[0].bytes == a)
        #expect(entries[1].bytes == b)
        // The call the server has always made.
        #expect(try ZipReader.entries(zip, maxTotal: 1 << 20).count == 2)
        #expect(try ZipReader.directory(zip).count == 3)
    }

    @Test func overlappingEntryBombIsRefused() throws {
        // About 20 KB whose entries, each a valid deflate stream with a correct CRC, expand to over 1 GB together.
        let (zip, declared) = ZipBuilder.overlappingBomb(entries: 110, kernelMegabytes: 10)
        #expect(zip.count < 24_000, "\(zip.count) bytes")
        #expect(declared > 1 << 30)
        // Each entry is genuine on its own: the last one, read alone, inflates to its declared size and CRC.
        let infos = try? ZipReader.directory(zip)
        #expect(infos == nil) // refused as a whole
        let before = peakResidentBytes()
        expectRefusal(zip, containing: "overlap")
        #expect(peakResidentBytes() - before < 32 << 20)
    }

    @Test func overlappingBombEntriesAreEachGenuine() throws {
        // So that the refusal above is of a real bomb: the first entry's data alone, inflated without
        // limits, give its declared size and CRC (the quoted headers, then 10 MiB of zeros).
        let (zip, _) = ZipBuilder.overlappingBomb(entries: 3, kernelMegabytes: 2)
        func u32(_ p: Int) -> Int { Int(zip[p]) | Int(zip[p + 1]) << 8 | Int(zip[p + 2]) << 16 | Int(zip[p + 3]) << 24 }
        let crc = UInt32(u32(14)), compressed = u32(18), size = u32(22)
        let dataStart = 30 + Int(zip[26]) + Int(zip[28])
        let out = try inflateRaw(zip[dataStart..<(dataStart + compressed)], maxOutput: size)
        #expect(out.count == size)
        #expect(crc32Checksum(out[...]) == crc)
        expectRefusal(zip, containing: "overlap")
    }

    @Test func sharedLocalHeaderBombIsRefused() throws {
        let (zip, declared) = ZipBuilder.sharedHeaderBomb(entries: 2000, kernelMegabytes: 1)
        #expect(declared > 1 << 30)
        expectRefusal(zip, containing: "kernel.dcm")
    }

    @Test func totalExpandedSizeAndCountAreCapped() throws {
        let entries = (0..<5).map { ZipBuilder.Entry(name: "f\($0)", data: [UInt8](repeating: UInt8($0), count: 1000)) }
        let zip = ZipBuilder.make(entries)
        var limits = ResourceLimits.default
        limits.maxArchiveExpandedBytes = 4999
        expectRefusal(zip, .limitExceeded, containing: "expands to more than", limits: limits)
        limits.maxArchiveExpandedBytes = 5000
        #expect(try ZipReader.entries(zip, limits: limits).count == 5)
        limits.maxArchiveEntries = 4
        expectRefusal(zip, .limitExceeded, containing: "5 entries", limits: limits)
    }

    @Test func ratioAboveTheLimitIsRefused() throws {
        let zip = ZipBuilder.make([.init(name: "zeros.dcm", data: [UInt8](repeating: 0, count: 2 << 20))])
        var limits = ResourceLimits.default
        limits.inflateRatioFloorBytes = 1 << 20
        expectRefusal(zip, .limitExceeded, containing: "zeros.dcm declares 2.0 MiB", limits: limits)
        #expect(try ZipReader.entries(zip).first?.bytes.count == 2 << 20)
    }

    @Test func declaredSizeSmallerThanTheStreamIsRefused() throws {
        var zip = ZipBuilder.make([.init(name: "a.dcm", data: [UInt8](repeating: 1, count: 10_000))])
        // Lower the size in the central directory (offset 24 of its record) to 100 bytes.
        let cd = zip.count - 22 - (46 + 5)
        zip[cd + 24] = 100; zip[cd + 25] = 0; zip[cd + 26] = 0; zip[cd + 27] = 0
        expectRefusal(zip, containing: "more than the 100 bytes it declares")
    }

    @Test func corruptedDataFailTheCRC() throws {
        var zip = ZipBuilder.make([.init(name: "a.txt", data: Array("abcdefgh".utf8), deflate: false)])
        zip[30 + 5 + 2] ^= 0xFF
        expectRefusal(zip, containing: "CRC-32")
    }

    @Test func zipSlipNamesAreRefused() throws {
        for name in ["../etc/passwd", "case/../../x.dcm", "/abs/x.dcm", "C:/x.dcm", "case\\..\\x.dcm", "a\0b"] {
            let zip = ZipBuilder.make([.init(name: name, data: [1, 2, 3], deflate: false)])
            expectRefusal(zip, containing: "refused")
        }
        // A name with two dots that is not a '..' component is fine.
        #expect(try ZipReader.entries(ZipBuilder.make([.init(name: "case/a..b.dcm", data: [1], deflate: false)])).count == 1)
    }

    @Test func duplicateNamesAreRefused() throws {
        let zip = ZipBuilder.make([.init(name: "a.dcm", data: [1], deflate: false), .init(name: "a.dcm", data: [2], deflate: false)])
        expectRefusal(zip, containing: "two entries are named 'a.dcm'")
    }

    @Test func encryptedEntriesAreRefused() throws {
        let zip = ZipBuilder.make([.init(name: "a.dcm", data: [1, 2, 3], deflate: false)], flags: 1)
        expectRefusal(zip, containing: "encrypted")
    }

    @Test func zip64IsRefusedClearly() throws {
        var zip = ZipBuilder.make([.init(name: "a.dcm", data: [1, 2, 3], deflate: false)])
        let cd = zip.count - 22 - (46 + 5)
        for k in 0..<4 { zip[cd + 20 + k] = 0xFF; zip[cd + 24 + k] = 0xFF }
        expectRefusal(zip, containing: "ZIP64")
        // A ZIP64 end of central directory locator before the record.
        let plain = ZipBuilder.make([.init(name: "a.dcm", data: [1, 2, 3], deflate: false)])
        var locator: [UInt8] = []
        ZipBuilder.u32(0x0706_4B50, &locator); locator += [UInt8](repeating: 0, count: 16)
        let eocd = plain.count - 22
        expectRefusal(Array(plain[..<eocd]) + locator + Array(plain[eocd...]), containing: "ZIP64")
    }

    @Test func unsupportedMethodAndDamageAreNamed() throws {
        var zip = ZipBuilder.make([.init(name: "a.dcm", data: [1, 2, 3], deflate: false)])
        let cd = zip.count - 22 - (46 + 5)
        zip[cd + 10] = 12; zip[8] = 12 // bzip2
        expectRefusal(zip, containing: "compression method 12")
        expectRefusal(Array("not a zip at all, just text".utf8), containing: "no end of central directory")
        let good = ZipBuilder.make([.init(name: "a.dcm", data: [1, 2, 3], deflate: false)])
        expectRefusal(Array(good[10...]), containing: "central directory")
    }

    @Test func localHeaderMustAgreeWithTheCentralDirectory() throws {
        var zip = ZipBuilder.make([.init(name: "a.dcm", data: [1, 2, 3], deflate: false)])
        zip[30] = UInt8(ascii: "b") // local name b.dcm
        expectRefusal(zip, containing: "local header names another file")
    }

    @Test func randomDamageNeverCrashes() throws {
        let base = ZipBuilder.make([.init(name: "a.dcm", data: (0..<5000).map { UInt8($0 & 0xFF) }), .init(name: "b", data: [9, 9], deflate: false)])
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var z = base
            for _ in 0..<Int.random(in: 1...8, using: &rng) { z[Int.random(in: 0..<z.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            if Bool.random(using: &rng) { z.removeLast(Int.random(in: 0..<z.count, using: &rng)) }
            _ = try? ZipReader.entries(z)
        }
    }
}
