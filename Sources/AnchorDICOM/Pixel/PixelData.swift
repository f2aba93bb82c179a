/// Image pixel data of a data set (PS3.3 C.7.6.3, PS3.5 section 8): geometry of the stored values and
/// access to each frame, native or encapsulated.
public struct PixelData: Sendable {
    public let rows: Int
    public let columns: Int
    public let frames: Int
    public let samplesPerPixel: Int
    public let bitsAllocated: Int
    public let bitsStored: Int
    /// 0 unsigned, 1 two's complement (PS3.3 C.7.6.3.1.1... Pixel Representation).
    public let pixelRepresentation: Int
    public let planarConfiguration: Int
    /// Photometric Interpretation (0028,0004), e.g. MONOCHROME2, RGB, YBR_FULL_422; empty when absent.
    public let photometricInterpretation: String
    public let transferSyntax: TransferSyntax
    let element: DataElement
    let isLittleEndian: Bool

    /// Reads the Image Pixel attributes; nil when the data set has no Pixel Data (7FE0,0010).
    ///
    /// The size the attributes declare is checked here, before anything is decoded: Rows × Columns ×
    /// Samples per Pixel × Bits Allocated × Number of Frames must fit `limits.maxPixelDataBytes`, native
    /// Pixel Data must hold that many bytes (PS3.5 8.1.1), and encapsulated Pixel Data must have at least
    /// one fragment per frame (PS3.5 A.4: a fragment holds data of one frame only). So a header of a few
    /// bytes that declares gigabytes is refused with an error, never allocated.
    public init?(_ ds: DataSet, transferSyntax: TransferSyntax, limits: ResourceLimits = .default) throws {
        guard let e = ds[.pixelData] else { return nil }
        element = e
        self.transferSyntax = transferSyntax
        isLittleEndian = ds.isLittleEndian
        rows = ds.int(.rows) ?? 0
        columns = ds.int(.columns) ?? 0
        frames = max(1, ds.int(.numberOfFrames) ?? 1)
        samplesPerPixel = max(1, ds.int(.samplesPerPixel) ?? 1)
        bitsAllocated = ds.int(.bitsAllocated) ?? 16
        bitsStored = ds.int(.bitsStored) ?? bitsAllocated
        pixelRepresentation = ds.int(.pixelRepresentation) ?? 0
        planarConfiguration = ds.int(.planarConfiguration) ?? 0
        photometricInterpretation = ds.string(.photometricInterpretation) ?? ""
        guard rows > 0, columns > 0 else {
            throw DICOMError(.invalidValue, "Pixel Data present but Rows or Columns missing or zero", offset: e.offset, tag: .pixelData)
        }
        guard [1, 8, 16, 32, 64].contains(bitsAllocated) else {
            throw DICOMError(.invalidValue, "Bits Allocated \(bitsAllocated) is not supported", offset: e.offset, tag: .bitsAllocated)
        }
        guard samplesPerPixel <= 4 else {
            // PS3.3 C.7.6.3.1.1: 1 (monochrome, palette) or 3 (RGB, YBR); 4 was allowed in retired forms.
            throw DICOMError(.invalidValue, "Samples per Pixel \(samplesPerPixel) is not 1, 3 or 4", offset: e.offset, tag: .samplesPerPixel)
        }
        try checkSize(limits)
    }

    /// The checks of `init` on the declared size: see there.
    private func checkSize(_ limits: ResourceLimits) throws {
        let shape = "\(frames) frame(s) of \(rows)x\(columns)x\(samplesPerPixel) at \(bitsAllocated) bits"
        // Decoded size, with each multiplication checked: 65535 x 65535 x 2^31 frames must not wrap.
        guard let decoded = ResourceLimits.product(rows, columns, samplesPerPixel, max(1, bitsAllocated / 8), frames),
              decoded <= limits.maxPixelDataBytes else {
            let size = ResourceLimits.product(rows, columns, samplesPerPixel, max(1, bitsAllocated / 8), frames).map { ResourceLimits.describe(bytes: $0) } ?? "more than 8 EiB"
            throw DICOMError(.limitExceeded, "Pixel Data declares \(shape) (\(size) decoded), above the limit of \(ResourceLimits.describe(bytes: limits.maxPixelDataBytes)); the element holds \(element.valueLength) bytes",
                             offset: element.offset, tag: .pixelData)
        }
        switch element.value {
        case .bytes(let all):
            // Bits Allocated 1 packs eight pixels per byte (PS3.5 8.1.1); otherwise whole bytes per sample.
            let needed = bitsAllocated == 1 ? (rows * columns * samplesPerPixel * frames + 7) / 8 : decoded
            guard needed <= all.count else { throw short(all.count, need: needed) }
        case .fragments(_, let fragments):
            guard frames <= max(1, fragments.count) else {
                throw DICOMError(.invalidValue, "encapsulated Pixel Data has \(fragments.count) fragment(s) for \(frames) frames; each frame needs at least one (PS3.5 A.4)",
                                 offset: element.offset, tag: .pixelData)
            }
        case .sequence:
            break
        }
    }

    /// True when native pixel bytes are little endian (the data set's byte order).
    public var isLittleEndianData: Bool { isLittleEndian }

    public var isEncapsulated: Bool {
        if case .fragments = element.value { return true }
        return false
    }

    /// Bytes of one decoded frame.
    public var frameByteCount: Int { rows * columns * samplesPerPixel * max(1, bitsAllocated / 8) }

    /// The fragments that hold each frame of encapsulated data (PS3.5 A.4): by the Basic Offset Table when
    /// present, else one fragment per frame when the counts match, else all fragments for a single frame.
    public func encapsulatedFrames() throws -> [[ArraySlice<UInt8>]] {
        guard case .fragments(let table, let fragments) = element.value else { return [] }
        if frames == 1 { return [fragments] }
        if !table.isEmpty && table.count % 4 == 0 {
            var offsets: [Int] = []
            var i = table.startIndex
            while i + 3 < table.endIndex {
                offsets.append(Int(table[i]) | Int(table[i + 1]) << 8 | Int(table[i + 2]) << 16 | Int(table[i + 3]) << 24)
                i += 4
            }
            // Offsets count from the first fragment's item header (8 bytes each).
            var starts: [Int] = []
            var at = 0
            for f in fragments { starts.append(at); at += f.count + 8 }
            var result: [[ArraySlice<UInt8>]] = []
            for (k, off) in offsets.enumerated() {
                let next = k + 1 < offsets.count ? offsets[k + 1] : Int.max
                let group = zip(starts, fragments).filter { $0.0 >= off && $0.0 < next }.map { $0.1 }
                result.append(group)
            }
            if result.count == frames { return result }
        }
        if fragments.count == frames { return fragments.map { [$0] } }
        throw DICOMError(.decodeFailed, "cannot tell which of \(fragments.count) fragments belong to which of \(frames) frames", offset: element.offset, tag: .pixelData)
    }

    /// The native bytes of frame `index` (little endian order when the data set is little endian; RLE,
    /// JPEG, JPEG-LS and JPEG 2000 decoded to little endian, see `PixelCodecs`). Other encapsulated
    /// syntaxes throw `unsupportedTransferSyntax`.
    public func frameBytes(_ index: Int) throws -> ArraySlice<UInt8> {
        guard index >= 0 && index < frames else {
            throw DICOMError(.invalidValue, "frame \(index) out of range 0..<\(frames)", tag: .pixelData)
        }
        switch element.value {
        case .bytes(let all):
            let n = frameByteCount
            if bitsAllocated == 1 {
                let bits = rows * columns * samplesPerPixel
                let startBit = index * bits
                let endByte = (startBit + bits + 7) / 8
                guard endByte <= all.count else { throw short(all.count, need: endByte) }
                return all[(all.startIndex + startBit / 8)..<(all.startIndex + endByte)]
            }
            let start = all.startIndex + index * n
            guard start + n <= all.endIndex else { throw short(all.count, need: (index + 1) * n) }
            return all[start..<(start + n)]
        case .fragments:
            let frame = try encapsulatedFrames()[index]
            if transferSyntax.uid == TransferSyntax.rleLossless.uid {
                return try RLEDecoder.decode(frame.flatMap { $0 }[...], rows: rows, columns: columns,
                                             samples: samplesPerPixel, bytesPerSample: bitsAllocated / 8)[...]
            }
            // JPEG, JPEG-LS and JPEG 2000: the codecs in Codecs/ (PixelCodecs).
            let bytes = frame.count == 1 ? frame[0] : frame.flatMap { $0 }[...]
            do {
                return try PixelCodecs.decode(bytes, transferSyntax: transferSyntax, layout: layout)[...]
            } catch var e as DICOMError {
                e.offset = e.offset ?? element.offset
                if frames > 1 { e.message = "frame \(index): " + e.message }
                throw e
            }
        case .sequence:
            throw DICOMError(.invalidValue, "Pixel Data is a sequence", offset: element.offset, tag: .pixelData)
        }
    }

    private func short(_ have: Int, need: Int) -> DICOMError {
        DICOMError(.truncated, "Pixel Data holds \(have) bytes; \(need) needed for \(frames) frame(s) of \(rows)x\(columns)x\(samplesPerPixel) at \(bitsAllocated) bits", offset: element.offset, tag: .pixelData)
    }

    /// Stored values of one frame (before Rescale Slope/Intercept or Dose Grid Scaling), sign-extended
    /// per Pixel Representation and masked to Bits Stored; samples interleaved as stored. As Double, which
    /// holds every 32-bit value exactly (plastimatch writes unsigned 32-bit doses above 2^31).
    public func storedValues(frame index: Int) throws -> [Double] {
        let raw = try frameBytes(index)
        let little = isLittleEndian || isEncapsulated // RLE output is little endian
        let n = rows * columns * samplesPerPixel
        var out = [Double](repeating: 0, count: n)
        let signed = pixelRepresentation == 1
        let bits = UInt64(max(1, min(bitsStored, bitsAllocated)))
        let mask: UInt64 = bits >= 64 ? .max : (1 << bits) - 1
        @inline(__always) func value(_ u: UInt64) -> Double {
            let m = u & mask
            if signed && bits < 64 && (m >> (bits - 1)) & 1 == 1 { return Double(Int64(bitPattern: m | ~mask)) }
            return signed ? Double(Int64(bitPattern: m)) : Double(m)
        }
        let needed = bitsAllocated == 1 ? (n + 7) / 8 : n * bitsAllocated / 8
        guard raw.count >= needed else {
            throw DICOMError(.truncated, "frame \(index) holds \(raw.count) bytes; \(needed) needed", tag: .pixelData)
        }
        raw.withUnsafeBytes { p in
            switch bitsAllocated {
            case 1:
                for i in 0..<n { out[i] = Double((p[i / 8] >> UInt8(i % 8)) & 1) }
            case 8:
                for i in 0..<n { out[i] = value(UInt64(p[i])) }
            case 16:
                for i in 0..<n {
                    let v = p.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
                    out[i] = value(UInt64(little ? UInt16(littleEndian: v) : UInt16(bigEndian: v)))
                }
            case 32:
                for i in 0..<n {
                    let v = p.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
                    out[i] = value(UInt64(little ? UInt32(littleEndian: v) : UInt32(bigEndian: v)))
                }
            default:
                for i in 0..<n {
                    let v = p.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)
                    out[i] = value(little ? UInt64(littleEndian: v) : UInt64(bigEndian: v))
                }
            }
        }
        return out
    }
}

/// RLE Lossless decoding (PS3.5 Annex G): a 64-byte header of segment offsets, one PackBits segment per
/// byte of each sample, most significant byte first; output interleaved little endian.
enum RLEDecoder {
    static func decode(_ data: ArraySlice<UInt8>, rows: Int, columns: Int, samples: Int, bytesPerSample: Int) throws -> [UInt8] {
        let pixels = rows * columns
        let segCount = samples * bytesPerSample
        guard data.count >= 64 else { throw DICOMError(.decodeFailed, "RLE frame shorter than its 64-byte header", tag: .pixelData) }
        func u32(_ i: Int) -> Int {
            let p = data.startIndex + i
            return Int(data[p]) | Int(data[p + 1]) << 8 | Int(data[p + 2]) << 16 | Int(data[p + 3]) << 24
        }
        let n = u32(0)
        guard n == segCount else {
            throw DICOMError(.decodeFailed, "RLE header declares \(n) segments; \(segCount) expected", tag: .pixelData)
        }
        var offsets = (0..<n).map { u32(4 + 4 * $0) }
        offsets.append(data.count)
        // A PackBits run gives at most 128 bytes for 2 (PS3.5 G.3.1), so each segment needs at least
        // 2 x ceil(pixels / 128) bytes: checked before the frame is allocated, so that a few bytes
        // cannot claim the whole pixel limit.
        let minimumSegment = 2 * ((pixels + 127) / 128)
        guard data.count - 64 >= minimumSegment * segCount else {
            throw DICOMError(.decodeFailed, "RLE frame of \(data.count) bytes cannot hold \(segCount) segment(s) of \(pixels) pixels (at least \(64 + minimumSegment * segCount) bytes)", tag: .pixelData)
        }
        var out = [UInt8](repeating: 0, count: pixels * segCount)
        for seg in 0..<n {
            let a = offsets[seg], z = offsets[seg + 1]
            guard a >= 64, a <= z, z <= data.count else {
                throw DICOMError(.decodeFailed, "RLE segment \(seg) offsets out of range", tag: .pixelData)
            }
            // Segment order: sample by sample, most significant byte first (G.2); output little endian.
            let sample = seg / bytesPerSample
            let byteInSample = bytesPerSample - 1 - seg % bytesPerSample
            let stride = segCount
            let base = sample * bytesPerSample + byteInSample
            var i = data.startIndex + a
            let end = data.startIndex + z
            var o = 0
            while i < end && o < pixels {
                let h = Int(Int8(bitPattern: data[i])); i += 1
                if h >= 0 {
                    let count = h + 1
                    guard i + count <= end else { throw DICOMError(.decodeFailed, "RLE literal run past segment end", tag: .pixelData) }
                    for k in 0..<min(count, pixels - o) { out[(o + k) * stride + base] = data[i + k] }
                    i += count; o += count
                } else if h != -128 {
                    let count = 1 - h
                    guard i < end else { throw DICOMError(.decodeFailed, "RLE replicate run past segment end", tag: .pixelData) }
                    let v = data[i]; i += 1
                    for k in 0..<min(count, pixels - o) { out[(o + k) * stride + base] = v }
                    o += count
                }
            }
            guard o >= pixels else {
                throw DICOMError(.decodeFailed, "RLE segment \(seg) decodes to \(o) bytes; \(pixels) expected", tag: .pixelData)
            }
        }
        return out
    }
}
