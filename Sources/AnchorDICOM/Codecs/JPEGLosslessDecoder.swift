/// JPEG lossless decoding, the Huffman processes 14 and 14 selection value 1 (ITU-T T.81 Annex H;
/// DICOM PS3.5 A.4.1, transfer syntaxes 1.2.840.10008.1.2.4.57 and .70), in Swift: the libjpeg-turbo
/// packaged by common Linux distributions (2.1) has no lossless mode.
///
/// Supported: precision 2 to 16 bits (H.1.1), predictors 1 to 7 (Table H.1), point transform (H.1.2.3),
/// restart intervals (H.1.2.1), one to four components in one or several scans, interleaved or not,
/// with any sampling factors (A.2). Not supported: the arithmetic-coded (SOF11) and hierarchical
/// (differential) processes, which DICOM does not use for these syntaxes.
enum JPEGLosslessDecoder {
    static let codec = "JPEG Lossless"

    /// Decoded samples of every component, each on its own sample grid.
    struct Image {
        var frame: JPEGFrameHeader
        /// Per component: width and height of its grid (T.81 A.1.1), and where its samples start in `samples`.
        var widths: [Int]
        var heights: [Int]
        var offsets: [Int]
        /// Every component's samples, row by row, one component after the other.
        var samples: [UInt16]
        /// Point transform of the scan that coded each component (the output is shifted left by it).
        var pointTransforms: [Int]
    }

    /// Decodes a whole stream: SOI, tables, SOF3, one or more scans, EOI.
    static func decode(_ data: UnsafeBufferPointer<UInt8>) throws -> Image {
        var parser = JPEGMarkerParser(data, codec: codec)
        guard data.count >= 2, data[0] == 0xFF, data[1] == JPEGMarker.soi else {
            throw codecError(codec, "data does not start with the start-of-image marker FFD8")
        }
        parser.pos = 2
        var dc = [JPEGHuffmanTable?](repeating: nil, count: 4)
        var ac = [JPEGHuffmanTable?](repeating: nil, count: 4)
        var restartInterval = 0
        var image: Image?
        var decoded: [Bool] = []
        loop: while true {
            // A stream whose every component is decoded but whose EOI is missing loses nothing: accepted.
            if !decoded.isEmpty && !decoded.contains(false) && !parser.hasMarker { break loop }
            let m = try parser.nextMarker()
            switch m {
            case JPEGMarker.eoi:
                break loop
            case JPEGMarker.soi, 0x01, JPEGMarker.rst0...JPEGMarker.rst7:
                continue
            case JPEGMarker.dht:
                try parser.huffmanTables(try parser.segment(), into: &dc, ac: &ac)
            case JPEGMarker.dri:
                restartInterval = try parser.restartInterval(try parser.segment())
            case JPEGMarker.sos:
                guard var img = image else { throw codecError(codec, "scan before the frame header") }
                let scan = try parser.scanHeader(try parser.segment(), frame: img.frame)
                parser.pos = try decodeScan(data, at: parser.pos, scan: scan, image: &img, tables: dc, restartInterval: restartInterval)
                for c in scan.components { decoded[c.index] = true }
                image = img
            case 0xC3:
                guard image == nil else { throw codecError(codec, "more than one frame header") }
                let frame = try parser.frameHeader(try parser.segment(), marker: m)
                guard (2...16).contains(frame.precision) else {
                    throw codecError(codec, "sample precision \(frame.precision) bits is outside 2 to 16 (T.81 B.2.2)")
                }
                let hMax = frame.hMax, vMax = frame.vMax
                var widths: [Int] = [], heights: [Int] = [], offsets: [Int] = []
                var total = 0
                for c in frame.components {
                    // Component dimensions (A.1.1), rounded up to whole MCUs of an interleaved scan.
                    let w = ((frame.samplesPerLine + hMax - 1) / hMax) * c.h
                    let h = ((frame.lines + vMax - 1) / vMax) * c.v
                    let (count, over) = w.multipliedReportingOverflow(by: h)
                    guard !over, count <= 1 << 28 else { throw codecError(codec, "component of \(w)x\(h) samples is too large") }
                    widths.append(w); heights.append(h); offsets.append(total)
                    total += count
                }
                image = Image(frame: frame, widths: widths, heights: heights, offsets: offsets,
                              samples: [UInt16](repeating: 0, count: total),
                              pointTransforms: Array(repeating: 0, count: frame.components.count))
                decoded = Array(repeating: false, count: frame.components.count)
            default:
                if JPEGMarker.isStartOfFrame(m) {
                    throw codecError(codec, "the stream is \(JPEGMarker.processName(m)) (\(String(format2: m))), not lossless Huffman (FFC3)")
                }
                _ = try parser.segment() // APPn, COM, DQT and others carry nothing for this process
            }
        }
        guard let img = image else { throw codecError(codec, "no frame header") }
        if let missing = decoded.firstIndex(of: false) {
            throw codecError(codec, "component \(img.frame.components[missing].id) is in no scan (truncated)")
        }
        return img
    }

    /// One scan (T.81 H.2 with the MCU structure of A.2): returns the position after its entropy-coded data.
    static func decodeScan(_ data: UnsafeBufferPointer<UInt8>, at start: Int, scan: JPEGScanHeader, image: inout Image,
                           tables: [JPEGHuffmanTable?], restartInterval: Int) throws -> Int {
        let frame = image.frame
        let predictor = scan.ss
        let pt = scan.al
        // Predictor 0 is for the differential (hierarchical) process only (Table H.1).
        guard (1...7).contains(predictor) else { throw codecError(codec, "predictor \(predictor) is not 1 to 7 (T.81 Table H.1)") }
        guard pt < frame.precision else { throw codecError(codec, "point transform \(pt) is not below the precision \(frame.precision)") }
        var huff: [JPEGHuffmanTable] = []
        for c in scan.components {
            guard let t = tables[c.td] else { throw codecError(codec, "scan uses Huffman table \(c.td), which is not defined") }
            huff.append(t)
            image.pointTransforms[c.index] = pt
        }
        // The initial prediction 2^(P-Pt-1) (H.1.2.1).
        let initial = Int32(1) << Int32(frame.precision - pt - 1)
        let interleaved = scan.components.count > 1
        // MCU geometry (A.2.2, A.2.3): one sample per MCU when not interleaved, Hi x Vi samples of each
        // component when interleaved.
        let mcusPerLine: Int, mcuRows: Int
        if interleaved {
            mcusPerLine = (frame.samplesPerLine + frame.hMax - 1) / frame.hMax
            mcuRows = (frame.lines + frame.vMax - 1) / frame.vMax
        } else {
            let c = frame.components[scan.components[0].index]
            mcusPerLine = (frame.samplesPerLine * c.h + frame.hMax - 1) / frame.hMax
            mcuRows = (frame.lines * c.v + frame.vMax - 1) / frame.vMax
        }
        // Restart intervals start on an MCU row: the first line of each interval is predicted as the
        // first line of the scan (H.1.2.1), which is defined only at the start of a line.
        if restartInterval > 0 && restartInterval % mcusPerLine != 0 {
            throw codecError(codec, "restart interval \(restartInterval) is not a whole number of MCU rows (\(mcusPerLine) MCUs each)")
        }
        let rowsPerInterval = restartInterval > 0 ? restartInterval / mcusPerLine : mcuRows
        var reader = JPEGBitReader(data, at: start)
        var restartCount = 0
        var mcuRow = 0
        while mcuRow < mcuRows {
            let intervalEnd = min(mcuRows, mcuRow + rowsPerInterval)
            if mcuRow > 0 {
                try reader.restart(expected: restartCount, codec: codec)
                restartCount += 1
            }
            let firstRow = mcuRow
            if !interleaved {
                let sc = scan.components[0]
                let w = image.widths[sc.index]
                let range = image.offsets[sc.index]..<(image.offsets[sc.index] + w * image.heights[sc.index])
                // A non-interleaved scan covers the component's own dimensions (A.2.2).
                try image.samples.withUnsafeMutableBufferPointer { all in
                    try decodeRows(&reader, plane: UnsafeMutableBufferPointer(rebasing: all[range]), width: w, columns: mcusPerLine,
                                   rows: firstRow..<intervalEnd, table: huff[0], predictor: predictor, initial: initial)
                }
            } else {
                let widths = image.widths, offsets = image.offsets
                try image.samples.withUnsafeMutableBufferPointer { all in
                    let base = all.baseAddress!
                    for r in firstRow..<intervalEnd {
                        for mx in 0..<mcusPerLine {
                            for (k, sc) in scan.components.enumerated() {
                                let comp = frame.components[sc.index]
                                let w = widths[sc.index]
                                let plane = base + offsets[sc.index]
                                for v in 0..<comp.v {
                                    let y = r * comp.v + v
                                    let firstLine = y == firstRow * comp.v
                                    for h in 0..<comp.h {
                                        let x = mx * comp.h + h
                                        let i = y * w + x
                                        let px: Int32
                                        if firstLine {
                                            px = x == 0 ? initial : Int32(plane[i - 1])
                                        } else if x == 0 {
                                            px = Int32(plane[i - w])
                                        } else {
                                            px = predict(predictor, ra: Int32(plane[i - 1]), rb: Int32(plane[i - w]), rc: Int32(plane[i - w - 1]))
                                        }
                                        guard let t = reader.decode(huff[k]) else {
                                            throw codecError(codec, "invalid Huffman code in line \(y) of component \(comp.id)")
                                        }
                                        guard t <= 16 else { throw codecError(codec, "difference category \(t) exceeds 16 (T.81 Table H.2)") }
                                        let diff = t == 16 ? 32768 : reader.receiveExtend(t)
                                        plane[i] = UInt16(truncatingIfNeeded: px &+ Int32(diff))
                                    }
                                }
                            }
                        }
                        if reader.overran { break }
                    }
                }
            }
            if reader.overran {
                throw codecError(codec, "entropy-coded data ends before the scan is complete (truncated or corrupt)")
            }
            mcuRow = intervalEnd
        }
        return try reader.finish(codec: codec)
    }

    /// The prediction Px of T.81 Table H.1 from the reconstructed neighbours Ra (left), Rb (above) and
    /// Rc (above left); shifts are arithmetic (H.1.2.1).
    @inline(__always)
    static func predict(_ selection: Int, ra: Int32, rb: Int32, rc: Int32) -> Int32 {
        switch selection {
        case 1: return ra
        case 2: return rb
        case 3: return rc
        case 4: return ra + rb - rc
        case 5: return ra + ((rb - rc) >> 1)
        case 6: return rb + ((ra - rc) >> 1)
        default: return (ra + rb) >> 1
        }
    }

    /// The rows of one restart interval of a single-component scan: the common case (grayscale CT and
    /// MR), kept free of the MCU bookkeeping. Reconstruction is modulo 2^16 (H.1.2.1, H.2.1).
    @inline(__always)
    static func decodeRows(_ reader: inout JPEGBitReader, plane: UnsafeMutableBufferPointer<UInt16>, width w: Int, columns: Int,
                           rows: Range<Int>, table: JPEGHuffmanTable, predictor: Int, initial: Int32) throws {
        guard columns <= w, rows.upperBound * w <= plane.count else { throw codecError(codec, "scan larger than its component") }
        let p = plane.baseAddress!
        for y in rows {
            let line = p + y * w
            let above = line - w
            for x in 0..<columns {
                let px: Int32
                if y == rows.lowerBound {
                    px = x == 0 ? initial : Int32(line[x - 1])
                } else if x == 0 {
                    px = Int32(above[0])
                } else {
                    switch predictor {
                    case 1: px = Int32(line[x - 1])
                    case 2: px = Int32(above[x])
                    case 3: px = Int32(above[x - 1])
                    case 4: px = Int32(line[x - 1]) + Int32(above[x]) - Int32(above[x - 1])
                    case 5: px = Int32(line[x - 1]) + ((Int32(above[x]) - Int32(above[x - 1])) >> 1)
                    case 6: px = Int32(above[x]) + ((Int32(line[x - 1]) - Int32(above[x - 1])) >> 1)
                    default: px = (Int32(line[x - 1]) + Int32(above[x])) >> 1
                    }
                }
                guard let t = reader.decode(table) else {
                    throw codecError(codec, "invalid Huffman code in line \(y)")
                }
                let diff: Int32
                if t == 0 {
                    diff = 0
                } else if t < 16 {
                    diff = Int32(reader.receiveExtend(t))
                } else if t == 16 {
                    diff = 32768 // SSSS 16 has no additional bits (H.1.2.2)
                } else {
                    throw codecError(codec, "difference category \(t) exceeds 16 (T.81 Table H.2)")
                }
                line[x] = UInt16(truncatingIfNeeded: px &+ diff)
            }
            if reader.overran { return }
        }
    }

    /// The decoded frame as interleaved little-endian samples of `bytesPerSample` bytes, each shifted
    /// left by its point transform (H.1.2.3). Components sampled below the maximum are replicated.
    static func interleave(_ image: Image, bytesPerSample: Int) throws -> [UInt8] {
        let f = image.frame
        let n = f.components.count
        let width = f.samplesPerLine, height = f.lines
        guard bytesPerSample == 2 || (bytesPerSample == 1 && f.precision <= 8) else {
            throw codecError(codec, "\(f.precision)-bit samples do not fit \(8 * bytesPerSample)-bit Bits Allocated")
        }
        var out = [UInt8](repeating: 0, count: width * height * n * bytesPerSample)
        out.withUnsafeMutableBufferPointer { o in
            for (k, c) in f.components.enumerated() {
                let plane = image.offsets[k]
                let w = image.widths[k]
                let pt = image.pointTransforms[k]
                let same = c.h == f.hMax && c.v == f.vMax
                for y in 0..<height {
                    // A component sampled below the maximum covers Hmax/Hi columns per sample (A.1.1).
                    let row = plane + (same ? y : y * c.v / f.vMax) * w
                    for x in 0..<width {
                        let s = Int(image.samples[row + (same ? x : x * c.h / f.hMax)]) << pt
                        let i = (y * width + x) * n + k
                        if bytesPerSample == 1 {
                            o[i] = UInt8(truncatingIfNeeded: s)
                        } else {
                            o[2 * i] = UInt8(truncatingIfNeeded: s)
                            o[2 * i + 1] = UInt8(truncatingIfNeeded: s >> 8)
                        }
                    }
                }
            }
        }
        return out
    }
}
