import AnchorDICOM
import CZlib
import Foundation

/// Raw DEFLATE (RFC 1951) by zlib at its best compression, for building deflated files and zip entries.
public func deflateRaw(_ input: [UInt8], level: Int32 = 9) -> [UInt8] {
    var s = z_stream()
    precondition(deflateInit2_(&s, level, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK)
    defer { deflateEnd(&s) }
    var out = [UInt8](repeating: 0, count: Int(deflateBound(&s, UInt(input.count))) + 64)
    var input = input
    let produced = input.withUnsafeMutableBufferPointer { ip in
        out.withUnsafeMutableBufferPointer { op -> Int in
            s.next_in = ip.baseAddress
            s.avail_in = UInt32(ip.count)
            s.next_out = op.baseAddress
            s.avail_out = UInt32(op.count)
            precondition(deflate(&s, Z_FINISH) == Z_STREAM_END)
            return op.count - Int(s.avail_out)
        }
    }
    return Array(out[0..<produced])
}

/// A raw DEFLATE stream of `count` zero bytes built without allocating them: one dynamic block is
/// compressed once for a 1 MiB run and repeated as non-final blocks, then a final empty block. Used for
/// deflate bombs of any expanded size.
public func deflatedZeros(megabytes: Int) -> [UInt8] {
    // A full flush after 1 MiB ends the block on a byte boundary (an empty stored block follows), so
    // the block's bytes can be repeated; the last copy is followed by a final empty fixed block.
    var s = z_stream()
    precondition(deflateInit2_(&s, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK)
    defer { deflateEnd(&s) }
    var zeros = [UInt8](repeating: 0, count: 1 << 20)
    var out = [UInt8](repeating: 0, count: 1 << 16)
    let n = zeros.withUnsafeMutableBufferPointer { ip in
        out.withUnsafeMutableBufferPointer { op -> Int in
            s.next_in = ip.baseAddress; s.avail_in = UInt32(ip.count)
            s.next_out = op.baseAddress; s.avail_out = UInt32(op.count)
            precondition(deflate(&s, Z_FULL_FLUSH) == Z_OK)
            return op.count - Int(s.avail_out)
        }
    }
    let block = Array(out[0..<n])
    var stream: [UInt8] = []
    stream.reserveCapacity(block.count * megabytes + 2)
    for _ in 0..<megabytes { stream += block }
    stream += [0x03, 0x00] // BFINAL=1, BTYPE=01 (fixed), end-of-block code 0000000
    return stream
}

/// Builds ZIP archives (PKWARE APPNOTE 6.3.10) for reader tests, hostile ones included.
public struct ZipBuilder {
    public struct Entry {
        public var name: String
        public var data: [UInt8]
        public var deflate: Bool
        public init(name: String, data: [UInt8], deflate: Bool = true) {
            self.name = name
            self.data = data
            self.deflate = deflate
        }
    }

    public static func u16(_ v: Int, _ b: inout [UInt8]) { b += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
    public static func u32(_ v: Int, _ b: inout [UInt8]) { u16(v & 0xFFFF, &b); u16((v >> 16) & 0xFFFF, &b) }

    /// A well-formed archive of `entries`; `flags` is written in every header (bit 0: encrypted).
    public static func make(_ entries: [Entry], flags: Int = 0) -> [UInt8] {
        var out: [UInt8] = []
        var records: [(name: [UInt8], method: Int, crc: UInt32, compressed: Int, size: Int, offset: Int)] = []
        for e in entries {
            let stored = e.deflate ? deflateRaw(e.data) : e.data
            let method = e.deflate ? 8 : 0
            let crc = crc32Checksum(e.data[...])
            let name = Array(e.name.utf8)
            records.append((name, method, crc, stored.count, e.data.count, out.count))
            out += localHeader(name: name, method: method, crc: crc, compressed: stored.count, size: e.data.count, flags: flags)
            out += stored
        }
        let central = records.map { centralHeader(name: $0.name, method: $0.method, crc: $0.crc, compressed: $0.compressed, size: $0.size, offset: $0.offset, flags: flags) }
        return finish(out, central: central)
    }

    public static func localHeader(name: [UInt8], method: Int, crc: UInt32, compressed: Int, size: Int, flags: Int = 0) -> [UInt8] {
        var b: [UInt8] = []
        u32(0x0403_4B50, &b); u16(20, &b); u16(flags, &b); u16(method, &b); u16(0, &b); u16(0x21, &b)
        u32(Int(crc), &b); u32(compressed, &b); u32(size, &b); u16(name.count, &b); u16(0, &b)
        return b + name
    }

    public static func centralHeader(name: [UInt8], method: Int, crc: UInt32, compressed: Int, size: Int, offset: Int, flags: Int = 0) -> [UInt8] {
        var b: [UInt8] = []
        u32(0x0201_4B50, &b); u16(20, &b); u16(20, &b); u16(flags, &b); u16(method, &b); u16(0, &b); u16(0x21, &b)
        u32(Int(crc), &b); u32(compressed, &b); u32(size, &b); u16(name.count, &b)
        u16(0, &b); u16(0, &b); u16(0, &b); u16(0, &b); u32(0, &b); u32(offset, &b)
        return b + name
    }

    /// Appends the central directory records and the end of central directory record.
    public static func finish(_ body: [UInt8], central: [[UInt8]]) -> [UInt8] {
        var out = body
        let cdOffset = out.count
        let cd = central.flatMap { $0 }
        out += cd
        u32(0x0605_4B50, &out); u16(0, &out); u16(0, &out); u16(central.count, &out); u16(central.count, &out)
        u32(cd.count, &out); u32(cdOffset, &out); u16(0, &out)
        return out
    }

    /// Many central directory records that all point at one local header and its kernel of
    /// `kernelMegabytes` MiB of zeros: the simplest overlapping bomb, for readers that trust the
    /// central directory. Every record names the file as its local header does.
    public static func sharedHeaderBomb(entries: Int, kernelMegabytes: Int) -> (archive: [UInt8], declaredBytes: Int) {
        let kernel = deflatedZeros(megabytes: kernelMegabytes)
        let size = kernelMegabytes << 20
        let crc = crc32OfZeros(count: size)
        let name = Array("kernel.dcm".utf8)
        let body = localHeader(name: name, method: 8, crc: crc, compressed: kernel.count, size: size) + kernel
        let central = (0..<entries).map { _ in centralHeader(name: name, method: 8, crc: crc, compressed: kernel.count, size: size, offset: 0) }
        return (finish(body, central: central), entries * size)
    }

    /// The overlapping-file zip bomb of D. Fifield, "A better zip bomb" (WOOT 2019), with distinct names:
    /// `LH0 Q1 LH1 Q2 LH2 ... LHn-1 kernel`, where each `Qk` is a non-final stored deflate block that
    /// quotes local header k. Entry k's data run from after its own header to the end of the kernel, so
    /// each entry is a valid deflate stream (the quoted headers, then the kernel's zeros) with a correct
    /// size and CRC-32, and the entries together declare `entries` × (`kernelMegabytes` MiB + headers).
    public static func overlappingBomb(entries: Int, kernelMegabytes: Int) -> (archive: [UInt8], declaredBytes: Int) {
        let kernel = deflatedZeros(megabytes: kernelMegabytes)
        let zeros = kernelMegabytes << 20
        let zerosCRC = crc32OfZeros(count: zeros)
        let names = (0..<entries).map { Array(String(format: "f%05d.dcm", $0).utf8) }
        // Built from the last entry back: entry k's expanded data are LH(k+1) ... LH(n-1) then the zeros.
        var headers = [[UInt8]](repeating: [], count: entries)
        var sizes = [Int](repeating: 0, count: entries)
        var crcs = [UInt32](repeating: 0, count: entries)
        var compressed = [Int](repeating: 0, count: entries)
        var tailCRC = zerosCRC, tailSize = zeros, tailCompressed = kernel.count
        for k in stride(from: entries - 1, through: 0, by: -1) {
            sizes[k] = tailSize; crcs[k] = tailCRC; compressed[k] = tailCompressed
            let h = localHeader(name: names[k], method: 8, crc: tailCRC, compressed: tailCompressed, size: tailSize)
            headers[k] = h
            // What entry k-1 sees before this: a stored block quoting h, then h, then the rest.
            let hCRC = h.withUnsafeBufferPointer { UInt32(truncatingIfNeeded: CZlib.crc32(0, $0.baseAddress, UInt32($0.count))) }
            tailCRC = UInt32(truncatingIfNeeded: crc32_combine(UInt(hCRC), UInt(tailCRC), tailSize))
            tailSize += h.count
            tailCompressed += 5 + h.count
        }
        var body: [UInt8] = []
        var offsets: [Int] = []
        for k in 0..<entries {
            if k > 0 {
                body.append(0x00) // BFINAL 0, BTYPE 00 (stored), padded to the byte
                u16(headers[k].count, &body)
                u16(~headers[k].count & 0xFFFF, &body)
            }
            offsets.append(body.count)
            body += headers[k]
        }
        body += kernel
        let central = (0..<entries).map { k in
            centralHeader(name: names[k], method: 8, crc: crcs[k], compressed: compressed[k], size: sizes[k], offset: offsets[k])
        }
        return (finish(body, central: central), sizes.reduce(0, +))
    }

    static func crc32OfZeros(count: Int) -> UInt32 {
        let mb = [UInt8](repeating: 0, count: 1 << 20)
        var crc = CZlib.crc32(0, nil, 0)
        var left = count
        mb.withUnsafeBufferPointer { p in
            while left > 0 {
                let n = min(left, p.count)
                crc = CZlib.crc32(crc, p.baseAddress, UInt32(n))
                left -= n
            }
        }
        return UInt32(truncatingIfNeeded: crc)
    }
}

/// Hostile DICOM objects built in the tests themselves.
public enum HostileFiles {
    /// An RT Dose of some 844 bytes whose header declares Rows = Columns = 65535 and 40 frames (320 GiB of
    /// 16-bit pixels) over 16 bytes of Pixel Data.
    public static func hugeDeclaredDose() throws -> [UInt8] {
        var ds = DataSet()
        ds.set(.sopClassUID, .UI, "1.2.840.10008.5.1.4.1.1.481.2")
        ds.set(.sopInstanceUID, .UI, "2.25.844")
        ds.set(.studyInstanceUID, .UI, "2.25.845")
        ds.set(.seriesInstanceUID, .UI, "2.25.846")
        ds.set(.frameOfReferenceUID, .UI, "2.25.847")
        ds.set(.modality, .CS, "RTDOSE")
        ds.set(.patientID, .LO, "HOSTILE")
        ds.set(.imagePositionPatient, .DS, numbers: [0, 0, 0])
        ds.set(.imageOrientationPatient, .DS, numbers: [1, 0, 0, 0, 1, 0])
        ds.set(.pixelSpacing, .DS, numbers: [2, 2])
        ds.set(.samplesPerPixel, .US, number: 1)
        ds.set(.numberOfFrames, .IS, "40")
        ds.set(.rows, .US, number: 65535)
        ds.set(.columns, .US, number: 65535)
        ds.set(.bitsAllocated, .US, number: 16)
        ds.set(.bitsStored, .US, number: 16)
        ds.set(Tag(0x0028_0102), .US, number: 15)
        ds.set(.pixelRepresentation, .US, number: 0)
        ds.set(Tag(0x3004_0002), .CS, "GY")
        ds.set(Tag(0x3004_0004), .CS, "PHYSICAL")
        ds.set(Tag(0x3004_000A), .CS, "PLAN")
        ds.set(Tag(0x3004_000E), .DS, "0.001")
        ds.set(Tag(0x3004_000C), .DS, numbers: (0..<40).map { Double($0) * 2 })
        ds.set(.pixelData, .OW, bytes: [UInt8](repeating: 0x11, count: 16))
        return try DICOMWriter.encode(DICOMFile(meta: DataSet(), dataSet: ds, transferSyntax: .explicitVRLittleEndian))
    }

    /// A Deflated Explicit VR Little Endian file (PS3.5 A.5) whose data set inflates to a valid header
    /// followed by `megabytes` MiB of zeros inside one OB element: a small file that expands enormously.
    public static func deflateBomb(megabytes: Int) throws -> [UInt8] {
        // File meta information (PS3.10 7.1), explicit VR little endian, written by hand.
        func element(_ element: Int, _ vr: String, _ value: [UInt8]) -> [UInt8] {
            var v = value
            if v.count % 2 == 1 { v.append(vr == "UI" ? 0 : 0x20) }
            var b: [UInt8] = [0x02, 0x00]
            ZipBuilder.u16(element, &b)
            b += Array(vr.utf8)
            if vr == "OB" { b += [0, 0]; ZipBuilder.u32(v.count, &b) } else { ZipBuilder.u16(v.count, &b) }
            return b + v
        }
        let metaBytes = element(0x0001, "OB", [0, 1]) + element(0x0002, "UI", Array("1.2.840.10008.5.1.4.1.1.7".utf8))
            + element(0x0003, "UI", Array("2.25.204".utf8)) + element(0x0010, "UI", Array(TransferSyntax.deflatedExplicitVRLittleEndian.uid.utf8))
        var groupLength: [UInt8] = [0x02, 0x00, 0x00, 0x00, UInt8(ascii: "U"), UInt8(ascii: "L"), 4, 0]
        ZipBuilder.u32(metaBytes.count, &groupLength)
        // The deflated data set: SOP Class (0008,0016) then an OB element of undefined size... here a
        // defined length of `megabytes` MiB, whose value is the run of zeros.
        var head: [UInt8] = []
        var ds = DataSet()
        ds.set(.sopClassUID, .UI, "1.2.840.10008.5.1.4.1.1.7")
        try DICOMWriter.encodeDataSet(ds, into: &head)
        head += [0xE0, 0x7F, 0x10, 0x00, UInt8(ascii: "O"), UInt8(ascii: "B"), 0, 0]
        ZipBuilder.u32(megabytes << 20, &head)
        // The head as a stored (non-final) block, then the zeros.
        var stream: [UInt8] = [0x00]
        ZipBuilder.u16(head.count, &stream)
        ZipBuilder.u16(~head.count & 0xFFFF, &stream)
        stream += head
        stream += deflatedZeros(megabytes: megabytes)
        return [UInt8](repeating: 0, count: 128) + Array("DICM".utf8) + groupLength + metaBytes + stream
    }

    /// An RT Structure Set with one ROI whose one contour holds `points` points (all at the origin):
    /// "0\0\0\..." is two bytes per value, so each point costs 6 bytes of file and 24 of memory.
    public static func structureSet(points: Int) throws -> [UInt8] {
        var ds = DataSet()
        ds.set(.sopClassUID, .UI, "1.2.840.10008.5.1.4.1.1.481.3")
        ds.set(.sopInstanceUID, .UI, "2.25.900")
        ds.set(.modality, .CS, "RTSTRUCT")
        var roi = DataSet()
        roi.set(Tag(0x3006_0022), .IS, "1")
        roi.set(Tag(0x3006_0026), .LO, "BODY")
        ds.set(Tag(0x3006_0020), items: [roi])
        var contour = DataSet()
        contour.set(Tag(0x3006_0042), .CS, "CLOSED_PLANAR")
        contour.set(Tag(0x3006_0046), .IS, "\(points)")
        var data = [UInt8](repeating: 0x5C, count: max(1, points * 6 - 1))
        for i in stride(from: 0, to: data.count, by: 2) { data[i] = UInt8(ascii: "0") }
        if data.count % 2 == 1 { data.append(0x20) }
        contour.set(Tag(0x3006_0050), .DS, bytes: data)
        var rc = DataSet()
        rc.set(Tag(0x3006_0084), .IS, "1")
        rc.set(Tag(0x3006_0040), items: [contour])
        ds.set(Tag(0x3006_0039), items: [rc])
        return try DICOMWriter.encode(DICOMFile(meta: DataSet(), dataSet: ds, transferSyntax: .explicitVRLittleEndian))
    }
}

/// Peak resident memory of this process so far (getrusage ru_maxrss), bytes.
public func peakResidentBytes() -> Int {
    var u = rusage()
    #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Int(u.ru_maxrss) * 1024
    #else
    getrusage(RUSAGE_SELF, &u)
    return Int(u.ru_maxrss)
    #endif
}
