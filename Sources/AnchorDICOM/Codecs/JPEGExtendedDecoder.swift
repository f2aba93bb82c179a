import Foundation

/// 12-bit sequential DCT JPEG with Huffman coding (ITU-T T.81 process 4, extended; DICOM PS3.5 A.4.1,
/// transfer syntax 1.2.840.10008.1.2.4.51 with Bits Stored above 8), in Swift: the libjpeg-turbo 2.1
/// packaged by Debian 12 is built for 8-bit samples only. Grayscale (one component) only, which is what
/// 12-bit DICOM images (CT, MR, radiographs) use.
///
/// Decoding follows T.81 Annex F: DC and AC coefficients (F.2.2.1, F.2.2.2), dequantisation (A.3.4), the
/// inverse DCT of A.3.3 computed exactly in double precision, the level shift of A.3.1 and clamping to
/// the sample range. An exact inverse DCT is within one of any conforming decoder's output (T.83 allows
/// such differences: the DCT processes are not bit-exact).
enum JPEGExtendedDecoder {
    static let codec = "JPEG Extended (12-bit)"

    /// Zig-zag order (T.81 Figure A.6): the natural index of the k-th coefficient.
    static let zigzag: [Int] = [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21,
        28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61,
        54, 47, 55, 62, 63,
    ]

    /// C(u) cos((2x+1) u pi / 16) / 2 (A.3.3): cosTable[x * 8 + u].
    static let cosTable: [Double] = (0..<64).map { i in
        let x = Double(i / 8), u = Double(i % 8)
        let c = u == 0 ? 1 / 2.0.squareRoot() : 1
        return c * cos((2 * x + 1) * u * Double.pi / 16) / 2
    }

    /// Decodes a whole stream to one plane of samples, row by row.
    static func decode(_ data: UnsafeBufferPointer<UInt8>) throws -> (frame: JPEGFrameHeader, samples: [UInt16]) {
        var parser = JPEGMarkerParser(data, codec: codec)
        guard data.count >= 2, data[0] == 0xFF, data[1] == JPEGMarker.soi else {
            throw codecError(codec, "data does not start with the start-of-image marker FFD8")
        }
        parser.pos = 2
        var dc = [JPEGHuffmanTable?](repeating: nil, count: 4)
        var ac = [JPEGHuffmanTable?](repeating: nil, count: 4)
        var quant = [[Int32]?](repeating: nil, count: 4)
        var restartInterval = 0
        var frame: JPEGFrameHeader?
        var samples: [UInt16] = []
        var scans = 0
        loop: while true {
            if scans == 1 && !parser.hasMarker { break loop } // complete, only EOI missing
            let m = try parser.nextMarker()
            switch m {
            case JPEGMarker.eoi:
                break loop
            case JPEGMarker.soi, 0x01, JPEGMarker.rst0...JPEGMarker.rst7:
                continue
            case JPEGMarker.dht:
                try parser.huffmanTables(try parser.segment(), into: &dc, ac: &ac)
            case JPEGMarker.dqt:
                // B.2.4.1: Pq (0: 8-bit, 1: 16-bit values), Tq, 64 values in zig-zag order.
                let s = try parser.segment()
                var p = 0
                while p < s.count {
                    let pq = Int(s[p] >> 4), tq = Int(s[p] & 15)
                    guard pq <= 1, tq <= 3, p + 1 + 64 * (pq + 1) <= s.count else {
                        throw codecError(codec, "quantisation table segment malformed")
                    }
                    var table = [Int32](repeating: 0, count: 64)
                    for k in 0..<64 {
                        table[k] = pq == 0 ? Int32(s[p + 1 + k]) : Int32(s[p + 1 + 2 * k]) << 8 | Int32(s[p + 2 + 2 * k])
                    }
                    quant[tq] = table
                    p += 1 + 64 * (pq + 1)
                }
            case JPEGMarker.dri:
                restartInterval = try parser.restartInterval(try parser.segment())
            case 0xC0, 0xC1:
                guard frame == nil else { throw codecError(codec, "more than one frame header") }
                let f = try parser.frameHeader(try parser.segment(), marker: m)
                guard f.precision == 8 || f.precision == 12 else {
                    throw codecError(codec, "sample precision \(f.precision) is not 8 or 12 (T.81 B.2.2)")
                }
                guard f.components.count == 1 else {
                    throw codecError(codec, "\(f.components.count)-component \(f.precision)-bit DCT images are not supported (grayscale only)")
                }
                let (count, over) = f.samplesPerLine.multipliedReportingOverflow(by: f.lines)
                guard !over, count <= 1 << 28 else { throw codecError(codec, "image of \(f.samplesPerLine)x\(f.lines) is too large") }
                frame = f
            case JPEGMarker.sos:
                guard let f = frame else { throw codecError(codec, "scan before the frame header") }
                let scan = try parser.scanHeader(try parser.segment(), frame: f)
                guard scans == 0 else { throw codecError(codec, "more than one scan in a sequential grayscale image") }
                guard scan.ss == 0, scan.se == 63, scan.ah == 0, scan.al == 0 else {
                    throw codecError(codec, "scan parameters Ss=\(scan.ss) Se=\(scan.se) Ah=\(scan.ah) Al=\(scan.al) are not sequential (B.2.3)")
                }
                let sc = scan.components[0]
                guard let dcTable = dc[sc.td], let acTable = ac[sc.ta] else {
                    throw codecError(codec, "scan uses an undefined Huffman table")
                }
                guard let q = quant[f.components[sc.index].tq] else {
                    throw codecError(codec, "frame uses quantisation table \(f.components[sc.index].tq), which is not defined")
                }
                var out: [UInt16] = []
                parser.pos = try decodeScan(data, at: parser.pos, frame: f, dc: dcTable, ac: acTable, quant: q,
                                            restartInterval: restartInterval, into: &out)
                samples = out
                scans += 1
            default:
                if JPEGMarker.isStartOfFrame(m) {
                    throw codecError(codec, "the stream is \(JPEGMarker.processName(m)) (\(String(format2: m))); only sequential Huffman DCT is supported for 12-bit samples")
                }
                _ = try parser.segment()
            }
        }
        guard let f = frame, scans == 1 else { throw codecError(codec, "no complete frame and scan before the end of image (truncated)") }
        return (f, samples)
    }

    /// The single grayscale scan (A.2.2: one data unit per MCU), blocks cropped to the image on output.
    static func decodeScan(_ data: UnsafeBufferPointer<UInt8>, at start: Int, frame f: JPEGFrameHeader, dc: JPEGHuffmanTable,
                           ac: JPEGHuffmanTable, quant: [Int32], restartInterval: Int, into out: inout [UInt16]) throws -> Int {
        let width = f.samplesPerLine, height = f.lines
        let blocksX = (width + 7) / 8, blocksY = (height + 7) / 8
        let total = blocksX * blocksY
        let shift = Double(1 << (f.precision - 1))
        let maxSample = Double((1 << f.precision) - 1)
        out = [UInt16](repeating: 0, count: width * height)
        var reader = JPEGBitReader(data, at: start)
        var coef = [Int32](repeating: 0, count: 64)
        var tmp = [Double](repeating: 0, count: 64)
        var predictor = 0
        var restartCount = 0
        let cosT = cosTable
        for b in 0..<total {
            if restartInterval > 0 && b > 0 && b % restartInterval == 0 {
                try reader.restart(expected: restartCount, codec: codec)
                restartCount += 1
                predictor = 0 // F.2.1.3.1: the DC prediction restarts at zero
            }
            for k in 0..<64 { coef[k] = 0 }
            guard let t = reader.decode(dc), t <= 15 else { throw codecError(codec, "invalid DC code in block \(b)") }
            predictor += reader.receiveExtend(t)
            coef[0] = Int32(truncatingIfNeeded: predictor) &* quant[0]
            var k = 1
            while k < 64 {
                guard let rs = reader.decode(ac) else { throw codecError(codec, "invalid AC code in block \(b)") }
                let r = rs >> 4, s = rs & 15
                if s == 0 {
                    if r != 15 { break } // EOB
                    k += 16 // ZRL
                    continue
                }
                k += r
                guard k < 64 else { throw codecError(codec, "AC coefficients run past the block in block \(b)") }
                coef[zigzag[k]] = Int32(reader.receiveExtend(s)) &* quant[k]
                k += 1
            }
            if reader.overran { throw codecError(codec, "entropy-coded data ends at block \(b) of \(total) (truncated or corrupt)") }
            // Separable inverse DCT (A.3.3): rows then columns.
            for v in 0..<8 {
                for x in 0..<8 {
                    var sum = 0.0
                    for u in 0..<8 where coef[v * 8 + u] != 0 { sum += cosT[x * 8 + u] * Double(coef[v * 8 + u]) }
                    tmp[v * 8 + x] = sum
                }
            }
            let bx = (b % blocksX) * 8, by = (b / blocksX) * 8
            for y in 0..<8 where by + y < height {
                for x in 0..<8 where bx + x < width {
                    var sum = 0.0
                    for v in 0..<8 { sum += cosT[y * 8 + v] * tmp[v * 8 + x] }
                    let value = min(max((sum + shift).rounded(), 0), maxSample)
                    out[(by + y) * width + bx + x] = UInt16(value)
                }
            }
        }
        return try reader.finish(codec: codec)
    }
}
