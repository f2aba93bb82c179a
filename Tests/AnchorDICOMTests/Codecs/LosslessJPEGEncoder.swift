/// A small JPEG lossless encoder (ITU-T T.81 Annex H, Huffman coding) written for the tests: it makes
/// streams with every predictor, precision, point transform, restart interval and component layout the
/// decoder claims, so each can be checked against the exact samples that went in.
struct LosslessJPEGEncoder {
    enum Table {
        /// Every difference category with a 5-bit code.
        case flat
        /// Category k with a (k+1)-bit code up to 14 bits, then 16-bit codes: exercises long codes.
        case skewed

        var counts: [Int] {
            switch self {
            case .flat: return [0, 0, 0, 0, 17] + Array(repeating: 0, count: 11)
            case .skewed: return Array(repeating: 1, count: 14) + [0, 3]
            }
        }
    }

    var precision: Int
    var predictor: Int
    var pointTransform = 0
    /// In MCUs; 0 for none.
    var restartInterval = 0
    /// One scan holding every component (true) or one scan per component.
    var interleaved = true
    var table: Table = .flat

    /// Encodes `components` planes of `width` x `height` samples (sampling factors 1x1).
    func encode(_ components: [[Int]], width: Int, height: Int) -> [UInt8] {
        var out: [UInt8] = [0xFF, 0xD8]
        func segment(_ marker: UInt8, _ payload: [UInt8]) {
            out += [0xFF, marker, UInt8((payload.count + 2) >> 8), UInt8((payload.count + 2) & 0xFF)] + payload
        }
        let counts = table.counts
        segment(0xC4, [0x00] + counts.map(UInt8.init) + (0...16).map(UInt8.init))
        var sof: [UInt8] = [UInt8(precision), UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8), UInt8(width & 0xFF), UInt8(components.count)]
        for k in components.indices { sof += [UInt8(k + 1), 0x11, 0] }
        segment(0xC3, sof)
        if restartInterval > 0 { segment(0xDD, [UInt8(restartInterval >> 8), UInt8(restartInterval & 0xFF)]) }
        // Huffman codes from the counts (T.81 C.2).
        var codes = [(code: Int, length: Int)](repeating: (0, 0), count: 17)
        var code = 0, k = 0
        for length in 1...16 {
            for _ in 0..<counts[length - 1] { codes[k] = (code, length); code += 1; k += 1 }
            code <<= 1
        }
        let scans: [[Int]] = interleaved ? [Array(components.indices)] : components.indices.map { [$0] }
        for scan in scans {
            var sos: [UInt8] = [UInt8(scan.count)]
            for c in scan { sos += [UInt8(c + 1), 0x00] }
            sos += [UInt8(predictor), 0, UInt8(pointTransform)]
            segment(0xDA, sos)
            var writer = BitWriter()
            let mcusPerRow = width
            var mcu = 0, restarts = 0
            var intervalStartRow = 0
            for y in 0..<height {
                for x in 0..<width {
                    if restartInterval > 0 && mcu > 0 && mcu % restartInterval == 0 {
                        writer.flush()
                        out += writer.bytes
                        writer = BitWriter()
                        out += [0xFF, 0xD0 + UInt8(restarts % 8)]
                        restarts += 1
                        intervalStartRow = y
                    }
                    precondition(restartInterval == 0 || mcu % restartInterval != 0 || x == 0 || mcu == 0, "restart inside a row")
                    _ = mcusPerRow
                    for c in scan {
                        let s = { (yy: Int, xx: Int) -> Int in components[c][yy * width + xx] >> pointTransform }
                        let px: Int
                        if y == intervalStartRow {
                            px = x == 0 ? 1 << (precision - pointTransform - 1) : s(y, x - 1)
                        } else if x == 0 {
                            px = s(y - 1, x)
                        } else {
                            let ra = s(y, x - 1), rb = s(y - 1, x), rc = s(y - 1, x - 1)
                            switch predictor {
                            case 1: px = ra
                            case 2: px = rb
                            case 3: px = rc
                            case 4: px = ra + rb - rc
                            case 5: px = ra + ((rb - rc) >> 1)
                            case 6: px = rb + ((ra - rc) >> 1)
                            default: px = (ra + rb) >> 1
                            }
                        }
                        // Difference modulo 2^16, in -32767...32768 (H.1.2.1, Table H.2).
                        var diff = (s(y, x) - px) & 0xFFFF
                        if diff > 32768 { diff -= 65536 }
                        let category = diff == 32768 ? 16 : (diff == 0 ? 0 : Int.bitWidth - abs(diff).leadingZeroBitCount)
                        writer.write(codes[category].code, codes[category].length)
                        if category > 0 && category < 16 {
                            let bits = diff > 0 ? diff : diff + (1 << category) - 1
                            writer.write(bits, category)
                        }
                    }
                    mcu += 1
                }
            }
            writer.flush()
            out += writer.bytes
        }
        out += [0xFF, 0xD9]
        return out
    }

    /// Bits most significant first, 0xFF followed by a stuffed zero (F.1.2.3), padded with ones (F.1.2.3).
    struct BitWriter {
        var bytes: [UInt8] = []
        var acc = 0
        var count = 0

        mutating func write(_ value: Int, _ n: Int) {
            for i in stride(from: n - 1, through: 0, by: -1) {
                acc = acc << 1 | (value >> i) & 1
                count += 1
                if count == 8 { emit() }
            }
        }

        mutating func emit() {
            bytes.append(UInt8(acc))
            if acc == 0xFF { bytes.append(0) }
            acc = 0; count = 0
        }

        mutating func flush() {
            while count != 0 { acc = acc << 1 | 1; count += 1; if count == 8 { emit() } }
        }
    }
}
