/// Raw DEFLATE decompression (RFC 1951), for the Deflated Explicit VR Little Endian transfer syntax
/// (PS3.5 A.5), whose data set is a raw deflate stream without zlib header. Pure Swift, so AnchorDICOM
/// needs no C library. Output is capped so that a small hostile stream cannot claim unbounded memory.
struct Inflater {
    enum Failure: Error { case truncated, invalid(String), tooLarge }

    private let input: ArraySlice<UInt8>
    private var pos: Int
    private var bitBuffer: UInt64 = 0
    private var bitCount = 0
    private(set) var output: [UInt8] = []
    private let maxOutput: Int

    /// - Parameter maxOutput: refuse to produce more than this many bytes (DEFLATE's best ratio is about 1032:1).
    init(_ input: ArraySlice<UInt8>, maxOutput: Int) {
        self.input = input
        self.pos = input.startIndex
        self.maxOutput = maxOutput
        output.reserveCapacity(min(maxOutput, input.count * 4))
    }

    /// Number of input bytes consumed so far.
    var consumed: Int { pos - input.startIndex - bitCount / 8 }

    static func inflate(_ input: ArraySlice<UInt8>, maxOutput: Int) throws -> [UInt8] {
        var s = Inflater(input, maxOutput: maxOutput)
        try s.run()
        return s.output
    }

    private mutating func need(_ n: Int) throws {
        while bitCount < n {
            guard pos < input.endIndex else { throw Failure.truncated }
            bitBuffer |= UInt64(input[pos]) << UInt64(bitCount)
            pos += 1
            bitCount += 8
        }
    }

    private mutating func bits(_ n: Int) throws -> Int {
        if n == 0 { return 0 }
        try need(n)
        let v = Int(bitBuffer & ((1 << UInt64(n)) - 1))
        bitBuffer >>= UInt64(n)
        bitCount -= n
        return v
    }

    /// Canonical Huffman decoding table (RFC 1951 section 3.2.2).
    struct Huffman {
        var counts = [Int](repeating: 0, count: 16)
        var symbols: [Int] = []
        init(lengths: [Int]) throws {
            for l in lengths { counts[l] += 1 }
            counts[0] = 0
            var left = 1
            for len in 1..<16 {
                left <<= 1
                left -= counts[len]
                if left < 0 { throw Failure.invalid("over-subscribed code lengths") }
            }
            var offs = [Int](repeating: 0, count: 16)
            for len in 1..<15 { offs[len + 1] = offs[len] + counts[len] }
            symbols = [Int](repeating: 0, count: lengths.count)
            for (sym, l) in lengths.enumerated() where l != 0 {
                symbols[offs[l]] = sym
                offs[l] += 1
            }
        }
    }

    private mutating func decode(_ h: Huffman) throws -> Int {
        var code = 0, first = 0, index = 0
        for len in 1..<16 {
            code |= try bits(1)
            let count = h.counts[len]
            if code - count < first { return h.symbols[index + (code - first)] }
            index += count
            first += count
            first <<= 1
            code <<= 1
        }
        throw Failure.invalid("bad Huffman code")
    }

    private static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    private static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    private static let distBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    private static let distExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    private static let fixedLit: Huffman = {
        var l = [Int](repeating: 8, count: 288)
        for i in 144..<256 { l[i] = 9 }
        for i in 256..<280 { l[i] = 7 }
        return try! Huffman(lengths: l)
    }()
    private static let fixedDist = try! Huffman(lengths: [Int](repeating: 5, count: 30))

    mutating func run() throws {
        var last = 0
        repeat {
            last = try bits(1)
            let type = try bits(2)
            switch type {
            case 0: try stored()
            case 1: try codes(Inflater.fixedLit, Inflater.fixedDist)
            case 2:
                let (l, d) = try dynamicTables()
                try codes(l, d)
            default: throw Failure.invalid("invalid block type")
            }
        } while last == 0
    }

    private mutating func stored() throws {
        bitBuffer = 0
        bitCount = 0
        guard input.endIndex - pos >= 4 else { throw Failure.truncated }
        let len = Int(input[pos]) | Int(input[pos + 1]) << 8
        let nlen = Int(input[pos + 2]) | Int(input[pos + 3]) << 8
        guard len == (~nlen & 0xFFFF) else { throw Failure.invalid("stored block length check failed") }
        pos += 4
        guard input.endIndex - pos >= len else { throw Failure.truncated }
        guard output.count + len <= maxOutput else { throw Failure.tooLarge }
        output.append(contentsOf: input[pos..<pos + len])
        pos += len
    }

    private mutating func dynamicTables() throws -> (Huffman, Huffman) {
        let nlen = try bits(5) + 257, ndist = try bits(5) + 1, ncode = try bits(4) + 4
        guard nlen <= 286, ndist <= 30 else { throw Failure.invalid("bad table counts") }
        let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
        var cl = [Int](repeating: 0, count: 19)
        for i in 0..<ncode { cl[order[i]] = try bits(3) }
        let lencode = try Huffman(lengths: cl)
        var lengths = [Int](repeating: 0, count: nlen + ndist)
        var i = 0
        while i < nlen + ndist {
            let sym = try decode(lencode)
            if sym < 16 { lengths[i] = sym; i += 1; continue }
            var len = 0, rep = 0
            switch sym {
            case 16:
                guard i > 0 else { throw Failure.invalid("repeat with no previous length") }
                len = lengths[i - 1]; rep = 3 + (try bits(2))
            case 17: rep = 3 + (try bits(3))
            default: rep = 11 + (try bits(7))
            }
            guard i + rep <= nlen + ndist else { throw Failure.invalid("too many lengths") }
            for _ in 0..<rep { lengths[i] = len; i += 1 }
        }
        guard lengths[256] != 0 else { throw Failure.invalid("no end-of-block code") }
        return (try Huffman(lengths: Array(lengths[0..<nlen])), try Huffman(lengths: Array(lengths[nlen...])))
    }

    private mutating func codes(_ lit: Huffman, _ dist: Huffman) throws {
        while true {
            var sym = try decode(lit)
            if sym < 256 {
                guard output.count < maxOutput else { throw Failure.tooLarge }
                output.append(UInt8(sym))
            } else if sym == 256 {
                return
            } else {
                sym -= 257
                guard sym < 29 else { throw Failure.invalid("bad length symbol") }
                let len = Inflater.lengthBase[sym] + (try bits(Inflater.lengthExtra[sym]))
                let ds = try decode(dist)
                guard ds < 30 else { throw Failure.invalid("bad distance symbol") }
                let d = Inflater.distBase[ds] + (try bits(Inflater.distExtra[ds]))
                guard d <= output.count else { throw Failure.invalid("distance too far back") }
                guard output.count + len <= maxOutput else { throw Failure.tooLarge }
                let start = output.count - d
                for k in 0..<len { output.append(output[start + k]) }
            }
        }
    }
}

/// Inflates a raw DEFLATE stream (RFC 1951), refusing to produce more than `maxOutput` bytes.
/// Used for deflated data sets and for zip archives of cases.
public func inflateRaw(_ data: ArraySlice<UInt8>, maxOutput: Int) throws -> [UInt8] {
    do { return try Inflater.inflate(data, maxOutput: maxOutput) } catch {
        throw DICOMError(.decodeFailed, "deflate stream could not be inflated (\(error))")
    }
}
