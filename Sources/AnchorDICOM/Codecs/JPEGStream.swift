/// The parts of a JPEG stream (ITU-T T.81 | ISO/IEC 10918-1) that the Swift decoders share: marker
/// segments (Annex B), Huffman tables (Annex C, F.2.2.3) and the entropy-coded bit stream with its byte
/// stuffing and restart markers (F.2.2.5, B.1.1.5).

/// JPEG marker codes (T.81 Table B.1).
enum JPEGMarker {
    static let soi: UInt8 = 0xD8
    static let eoi: UInt8 = 0xD9
    static let sos: UInt8 = 0xDA
    static let dqt: UInt8 = 0xDB
    static let dnl: UInt8 = 0xDC
    static let dri: UInt8 = 0xDD
    static let dht: UInt8 = 0xC4
    static let dac: UInt8 = 0xCC
    static let rst0: UInt8 = 0xD0
    static let rst7: UInt8 = 0xD7

    /// Start-of-frame markers: C0-C3, C5-C7, C9-CB, CD-CF (B.1.1.3); C4, C8 and CC are not frames.
    static func isStartOfFrame(_ m: UInt8) -> Bool {
        m >= 0xC0 && m <= 0xCF && m != dht && m != 0xC8 && m != dac
    }

    /// The coding process a start-of-frame marker names (T.81 Table B.1).
    static func processName(_ m: UInt8) -> String {
        switch m {
        case 0xC0: return "baseline sequential DCT"
        case 0xC1: return "extended sequential DCT, Huffman"
        case 0xC2: return "progressive DCT, Huffman"
        case 0xC3: return "lossless, Huffman"
        case 0xC5: return "differential sequential DCT, Huffman"
        case 0xC6: return "differential progressive DCT, Huffman"
        case 0xC7: return "differential lossless, Huffman"
        case 0xC9: return "extended sequential DCT, arithmetic"
        case 0xCA: return "progressive DCT, arithmetic"
        case 0xCB: return "lossless, arithmetic"
        case 0xCD: return "differential sequential DCT, arithmetic"
        case 0xCE: return "differential progressive DCT, arithmetic"
        case 0xCF: return "differential lossless, arithmetic"
        default: return String(format2: m)
        }
    }
}

extension String {
    /// "FFxx" for a marker byte, for messages.
    init(format2 m: UInt8) {
        let hex = Array("0123456789ABCDEF")
        self = "FF" + String(hex[Int(m >> 4)]) + String(hex[Int(m & 15)])
    }
}

/// A decoding failure of one of the codecs, as the module's error.
func codecError(_ codec: String, _ message: String) -> DICOMError {
    DICOMError(.decodeFailed, "\(codec): \(message)", tag: .pixelData)
}

/// One frame component (T.81 B.2.2): identifier, sampling factors, quantisation table.
struct JPEGComponent {
    var id: UInt8
    var h: Int
    var v: Int
    var tq: Int
}

/// The frame header (T.81 B.2.2).
struct JPEGFrameHeader {
    var marker: UInt8
    var precision: Int
    var lines: Int
    var samplesPerLine: Int
    var components: [JPEGComponent]
    var hMax: Int { components.map(\.h).max() ?? 1 }
    var vMax: Int { components.map(\.v).max() ?? 1 }
}

/// One scan component (T.81 B.2.3): index into the frame's components, DC/AC table selectors.
struct JPEGScanComponent {
    var index: Int
    var td: Int
    var ta: Int
}

/// The scan header (T.81 B.2.3). For the lossless processes Ss is the predictor and Al the point
/// transform (H.2.3.1 ... H.1.2.3).
struct JPEGScanHeader {
    var components: [JPEGScanComponent]
    var ss: Int
    var se: Int
    var ah: Int
    var al: Int
}

/// A Huffman table (T.81 B.2.4.2) prepared for decoding: a 9-bit lookup for the short codes and the
/// MAXCODE/VALPTR/MINCODE procedure of F.2.2.3 for the rest.
struct JPEGHuffmanTable {
    static let lookupBits = 9
    /// Per 9-bit prefix: code length << 8 | value; 0 when the code is longer than 9 bits.
    var lookup: [UInt16]
    var maxCode: [Int32]
    var valPtr: [Int32]
    var minCode: [Int32]
    var values: [UInt8]

    /// Builds the code table from BITS (counts per length 1-16) and HUFFVAL (C.2: Figures C.1-C.3).
    init(counts: [Int], values: [UInt8], codec: String) throws {
        guard counts.count == 16, counts.reduce(0, +) == values.count, values.count <= 256 else {
            throw codecError(codec, "Huffman table counts \(counts.reduce(0, +)) codes but holds \(values.count) values")
        }
        self.values = values
        lookup = [UInt16](repeating: 0, count: 1 << Self.lookupBits)
        maxCode = [Int32](repeating: -1, count: 18)
        valPtr = [Int32](repeating: 0, count: 17)
        minCode = [Int32](repeating: 0, count: 17)
        var code: Int32 = 0
        var k: Int32 = 0
        for length in 1...16 {
            let n = Int32(counts[length - 1])
            if n > 0 {
                valPtr[length] = k
                minCode[length] = code
                code += n
                k += n
                // A code of `length` bits must fit in `length` bits (C.2 generates no longer codes).
                guard code <= (Int32(1) << length) else {
                    throw codecError(codec, "Huffman table has more codes of \(length) bits than fit")
                }
                maxCode[length] = code - 1
                if length <= Self.lookupBits {
                    for c in (code - n)..<code {
                        let value = values[Int(valPtr[length] + c - minCode[length])]
                        let shift = Self.lookupBits - length
                        let first = Int(c) << shift
                        for p in first..<(first + (1 << shift)) {
                            lookup[p] = UInt16(length) << 8 | UInt16(value)
                        }
                    }
                }
            }
            code <<= 1
        }
        maxCode[17] = Int32.max // sentinel: ends the slow search with an error (F.2.2.3)
    }
}

/// The entropy-coded segment reader (T.81 F.2.2.5): removes stuffed zero bytes after 0xFF, stops at a
/// marker, and supplies zero bits past it while counting them, so that a decoder that used any of
/// them reports the data as truncated instead of inventing samples.
struct JPEGBitReader {
    let base: UnsafePointer<UInt8>
    let end: Int
    var pos: Int
    /// Next bits, most significant first.
    var acc: UInt64 = 0
    var bits: Int = 0
    /// Zero bits appended after a marker or the end of data.
    var padding: Int = 0

    init(_ buffer: UnsafeBufferPointer<UInt8>, at pos: Int) {
        base = buffer.baseAddress!
        end = buffer.count
        self.pos = pos
    }

    /// True when bits beyond the real data were consumed.
    var overran: Bool { bits < padding }

    @inline(__always)
    mutating func fill() {
        while bits <= 56 {
            var byte: UInt8 = 0
            if pos < end {
                let b = base[pos]
                if b != 0xFF {
                    byte = b; pos += 1
                } else if pos + 1 < end && base[pos + 1] == 0x00 {
                    byte = 0xFF; pos += 2
                } else {
                    padding += 8 // a marker (or fill bytes before one): stop here
                }
            } else {
                padding += 8
            }
            acc |= UInt64(byte) << UInt64(56 - bits)
            bits += 8
        }
    }

    @inline(__always)
    mutating func receive(_ n: Int) -> Int {
        if n == 0 { return 0 }
        if bits < n { fill() }
        let v = Int(acc >> UInt64(64 - n))
        acc <<= UInt64(n)
        bits -= n
        return v
    }

    /// RECEIVE and EXTEND of T.81 F.2.2.1 (Figure F.12): a magnitude category's additional bits to a
    /// signed difference.
    @inline(__always)
    mutating func receiveExtend(_ s: Int) -> Int {
        if s == 0 { return 0 }
        let v = receive(s)
        return v < (1 << (s - 1)) ? v - (1 << s) + 1 : v
    }

    /// DECODE of T.81 F.2.2.3: one Huffman-coded value; nil for a bit pattern the table does not hold.
    @inline(__always)
    mutating func decode(_ t: JPEGHuffmanTable) -> Int? {
        if bits < 16 { fill() }
        let prefix = Int(acc >> UInt64(64 - JPEGHuffmanTable.lookupBits))
        let entry = t.lookup[prefix]
        if entry != 0 {
            let length = Int(entry >> 8)
            acc <<= UInt64(length)
            bits -= length
            return Int(entry & 0xFF)
        }
        var length = JPEGHuffmanTable.lookupBits + 1
        var code = Int32(acc >> UInt64(64 - length))
        while length <= 16 && code > t.maxCode[length] {
            length += 1
            code = Int32(acc >> UInt64(64 - length))
        }
        guard length <= 16 else { return nil }
        acc <<= UInt64(length)
        bits -= length
        return Int(t.values[Int(t.valPtr[length] + code - t.minCode[length])])
    }

    /// Ends an entropy-coded segment at a restart marker (T.81 F.2.2.5, B.2.1, E.2.4): drops the
    /// padding bits, skips the expected RSTm marker and resets the bit buffer.
    mutating func restart(expected m: Int, codec: String) throws {
        if overran { throw codecError(codec, "entropy-coded data ends before restart interval \(m) is complete (truncated or corrupt)") }
        // Bytes still in the buffer are the interval's padding; the reader stopped at the marker.
        acc = 0; bits = 0; padding = 0
        // Garbage before the marker would mean a corrupt interval.
        guard pos + 1 < end, base[pos] == 0xFF else {
            throw codecError(codec, "restart marker RST\(m % 8) missing at byte \(pos)")
        }
        var p = pos
        while p + 1 < end && base[p + 1] == 0xFF { p += 1 } // fill bytes (B.1.1.2)
        guard p + 1 < end, base[p + 1] == JPEGMarker.rst0 + UInt8(m % 8) else {
            let found = p + 1 < end ? String(format2: base[p + 1]) : "end of data"
            throw codecError(codec, "expected restart marker RST\(m % 8) at byte \(pos), found \(found)")
        }
        pos = p + 2
    }

    /// After the last interval of a scan: the position of the marker that follows (for the marker parser).
    mutating func finish(codec: String) throws -> Int {
        if overran { throw codecError(codec, "entropy-coded data ends before the scan is complete (truncated or corrupt)") }
        return pos
    }
}

/// Reads marker segments (T.81 B.1.1.4): a marker and a two-byte length that counts itself.
struct JPEGMarkerParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var pos: Int = 0
    let codec: String

    init(_ bytes: UnsafeBufferPointer<UInt8>, codec: String) {
        self.bytes = bytes
        self.codec = codec
    }

    /// True when a marker follows before the end of the data.
    var hasMarker: Bool {
        var p = pos
        while p < bytes.count && bytes[p] != 0xFF { p += 1 }
        while p < bytes.count && bytes[p] == 0xFF { p += 1 }
        return p < bytes.count
    }

    /// The next marker: skips fill bytes (0xFF), and stray bytes between a scan's end and its marker.
    mutating func nextMarker() throws -> UInt8 {
        while pos < bytes.count && bytes[pos] != 0xFF { pos += 1 }
        while pos < bytes.count && bytes[pos] == 0xFF { pos += 1 }
        guard pos < bytes.count else { throw codecError(codec, "data ends before the end-of-image marker (truncated)") }
        let m = bytes[pos]
        pos += 1
        return m
    }

    /// The payload of the current marker segment, after its length.
    mutating func segment() throws -> UnsafeBufferPointer<UInt8> {
        guard pos + 2 <= bytes.count else { throw codecError(codec, "marker segment length past the end of data at byte \(pos)") }
        let length = Int(bytes[pos]) << 8 | Int(bytes[pos + 1])
        guard length >= 2, pos + length <= bytes.count else {
            throw codecError(codec, "marker segment of \(length) bytes at byte \(pos) runs past the end of data (\(bytes.count) bytes)")
        }
        let s = UnsafeBufferPointer(rebasing: bytes[(pos + 2)..<(pos + length)])
        pos += length
        return s
    }

    /// SOFn (T.81 B.2.2).
    func frameHeader(_ s: UnsafeBufferPointer<UInt8>, marker: UInt8) throws -> JPEGFrameHeader {
        guard s.count >= 6 else { throw codecError(codec, "frame header too short") }
        let nf = Int(s[5])
        guard nf >= 1, nf <= 4, s.count >= 6 + 3 * nf else {
            throw codecError(codec, "frame header declares \(nf) components (1 to 4 supported) in \(s.count) bytes")
        }
        var comps: [JPEGComponent] = []
        for i in 0..<nf {
            let b = 6 + 3 * i
            let h = Int(s[b + 1] >> 4), v = Int(s[b + 1] & 15)
            guard (1...4).contains(h), (1...4).contains(v), s[b + 2] <= 3 else {
                throw codecError(codec, "component \(i) has sampling factors \(h)x\(v) or table \(s[b + 2]) out of range (B.2.2)")
            }
            comps.append(JPEGComponent(id: s[b], h: h, v: v, tq: Int(s[b + 2])))
        }
        let header = JPEGFrameHeader(marker: marker, precision: Int(s[0]), lines: Int(s[1]) << 8 | Int(s[2]),
                                     samplesPerLine: Int(s[3]) << 8 | Int(s[4]), components: comps)
        guard header.samplesPerLine > 0 else { throw codecError(codec, "frame header has zero samples per line") }
        guard header.lines > 0 else {
            throw codecError(codec, "frame header has zero lines (a DNL marker defines them; not supported)")
        }
        return header
    }

    /// SOS (T.81 B.2.3), its components matched to the frame's.
    func scanHeader(_ s: UnsafeBufferPointer<UInt8>, frame: JPEGFrameHeader) throws -> JPEGScanHeader {
        guard s.count >= 1 else { throw codecError(codec, "scan header too short") }
        let ns = Int(s[0])
        guard ns >= 1, ns <= 4, s.count >= 4 + 2 * ns else {
            throw codecError(codec, "scan header declares \(ns) components in \(s.count) bytes")
        }
        var comps: [JPEGScanComponent] = []
        for i in 0..<ns {
            let id = s[1 + 2 * i]
            guard let index = frame.components.firstIndex(where: { $0.id == id }) else {
                throw codecError(codec, "scan names component \(id), which the frame does not have")
            }
            guard !comps.contains(where: { $0.index == index }) else { throw codecError(codec, "scan names component \(id) twice") }
            let t = s[2 + 2 * i]
            guard t >> 4 <= 3, t & 15 <= 3 else { throw codecError(codec, "scan table selector out of range") }
            comps.append(JPEGScanComponent(index: index, td: Int(t >> 4), ta: Int(t & 15)))
        }
        let b = 1 + 2 * ns
        return JPEGScanHeader(components: comps, ss: Int(s[b]), se: Int(s[b + 1]), ah: Int(s[b + 2] >> 4), al: Int(s[b + 2] & 15))
    }

    /// DHT (T.81 B.2.4.2): one or more tables; class 0 is DC (and lossless), class 1 AC.
    func huffmanTables(_ s: UnsafeBufferPointer<UInt8>, into dc: inout [JPEGHuffmanTable?], ac: inout [JPEGHuffmanTable?]) throws {
        var p = 0
        while p < s.count {
            guard p + 17 <= s.count else { throw codecError(codec, "Huffman table segment too short") }
            let tc = Int(s[p] >> 4), th = Int(s[p] & 15)
            guard tc <= 1, th <= 3 else { throw codecError(codec, "Huffman table class \(tc) or destination \(th) out of range") }
            let counts = (0..<16).map { Int(s[p + 1 + $0]) }
            let n = counts.reduce(0, +)
            guard p + 17 + n <= s.count else { throw codecError(codec, "Huffman table values run past the segment") }
            let values = Array(s[(p + 17)..<(p + 17 + n)])
            let table = try JPEGHuffmanTable(counts: counts, values: values, codec: codec)
            if tc == 0 { dc[th] = table } else { ac[th] = table }
            p += 17 + n
        }
    }

    /// DRI (T.81 B.2.4.4).
    func restartInterval(_ s: UnsafeBufferPointer<UInt8>) throws -> Int {
        guard s.count >= 2 else { throw codecError(codec, "restart interval segment too short") }
        return Int(s[0]) << 8 | Int(s[1])
    }
}

/// The frame header of a JPEG stream, read without decoding: for choosing a decoder (lossless or
/// DCT, 8 or 12 bit). Throws when no frame header comes before the first scan.
func jpegFrameHeader(_ data: UnsafeBufferPointer<UInt8>, codec: String) throws -> JPEGFrameHeader {
    var parser = JPEGMarkerParser(data, codec: codec)
    guard data.count >= 2, data[0] == 0xFF, data[1] == JPEGMarker.soi else {
        throw codecError(codec, "data does not start with the start-of-image marker FFD8")
    }
    parser.pos = 2
    while true {
        let m = try parser.nextMarker()
        if JPEGMarker.isStartOfFrame(m) { return try parser.frameHeader(try parser.segment(), marker: m) }
        if m == JPEGMarker.sos || m == JPEGMarker.eoi { throw codecError(codec, "no frame header before \(String(format2: m))") }
        if m == JPEGMarker.soi || (m >= JPEGMarker.rst0 && m <= JPEGMarker.rst7) || m == 0x01 { continue }
        _ = try parser.segment()
    }
}
