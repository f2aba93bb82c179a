@testable import AnchorDICOM
import AnchorTestSupport
import Foundation
import Testing

/// The Swift JPEG lossless decoder (T.81 Annex H) on streams made by the test encoder: every predictor,
/// precision, point transform, restart interval and component layout, checked against the exact input.
struct JPEGLosslessDecoderTests {
    /// Deterministic samples of `precision` bits: a smooth ramp with noise and a few jumps between the
    /// extremes (which make the 16-bit differences of category 16).
    static func samples(width: Int, height: Int, precision: Int, seed: UInt64) -> [Int] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        let top = (1 << precision) - 1
        return (0..<(width * height)).map { i in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            let x = i % width, y = i / width
            if state % 97 == 0 { return (state >> 8) % 2 == 0 ? 0 : top }
            let ramp = (x * 37 + y * 11) % (top + 1)
            let noise = Int(state >> 40) % max(1, (top + 1) / 16)
            return min(top, ramp + noise)
        }
    }

    static func decode(_ stream: [UInt8], width: Int, height: Int, components: Int, precision: Int) throws -> [Int] {
        let bitsAllocated = precision <= 8 ? 8 : 16
        let layout = PixelFrameLayout(rows: height, columns: width, samplesPerPixel: components, bitsAllocated: bitsAllocated,
                                      bitsStored: precision, pixelRepresentation: 0)
        let bytes = try PixelCodecs.decode(stream[...], transferSyntax: TransferSyntax(uid: "1.2.840.10008.1.2.4.57"), layout: layout)
        if bitsAllocated == 8 { return bytes.map(Int.init) }
        return stride(from: 0, to: bytes.count, by: 2).map { Int(bytes[$0]) | Int(bytes[$0 + 1]) << 8 }
    }

    /// Interleaves planes the way a decoded DICOM frame holds them.
    static func interleaved(_ planes: [[Int]], pointTransform: Int = 0) -> [Int] {
        let n = planes[0].count
        return (0..<(n * planes.count)).map { (planes[$0 % planes.count][$0 / planes.count] >> pointTransform) << pointTransform }
    }

    @Test(arguments: 1...7)
    func everyPredictorAtEveryPrecisionIsExact(predictor: Int) throws {
        for precision in [2, 5, 8, 12, 15, 16] {
            let (w, h) = (23, 17)
            let plane = Self.samples(width: w, height: h, precision: precision, seed: UInt64(predictor * 100 + precision))
            let stream = LosslessJPEGEncoder(precision: precision, predictor: predictor).encode([plane], width: w, height: h)
            let out = try Self.decode(stream, width: w, height: h, components: 1, precision: precision)
            #expect(out == plane, "predictor \(predictor), \(precision) bits")
        }
    }

    @Test func longHuffmanCodesDecode() throws {
        for predictor in [1, 7] {
            let plane = Self.samples(width: 40, height: 9, precision: 16, seed: 7)
            var enc = LosslessJPEGEncoder(precision: 16, predictor: predictor)
            enc.table = .skewed // codes of 10 to 16 bits go through the slow path of F.2.2.3
            let out = try Self.decode(enc.encode([plane], width: 40, height: 9), width: 40, height: 9, components: 1, precision: 16)
            #expect(out == plane)
        }
    }

    @Test func differenceOf32768HasNoAdditionalBits() throws {
        // Alternating 0 and 32768 with predictor 1: every difference is 32768 modulo 2^16, category 16,
        // coded without additional bits (T.81 H.1.2.2, Table H.2).
        let plane = (0..<64).map { $0 % 2 == 0 ? 0 : 32768 }
        let out = try Self.decode(LosslessJPEGEncoder(precision: 16, predictor: 1).encode([plane], width: 8, height: 8),
                                  width: 8, height: 8, components: 1, precision: 16)
        #expect(out == plane)
    }

    @Test func pointTransformShiftsTheOutput() throws {
        for pt in [1, 3, 7] {
            let plane = Self.samples(width: 19, height: 11, precision: 12, seed: UInt64(pt))
            var enc = LosslessJPEGEncoder(precision: 12, predictor: 6)
            enc.pointTransform = pt
            let out = try Self.decode(enc.encode([plane], width: 19, height: 11), width: 19, height: 11, components: 1, precision: 12)
            // H.1.2.3: the decoder scales the reconstructed values up by 2^Pt.
            #expect(out == plane.map { ($0 >> pt) << pt }, "Pt \(pt)")
        }
    }

    @Test func restartIntervalsResetThePrediction() throws {
        let (w, h) = (16, 12)
        let plane = Self.samples(width: w, height: h, precision: 16, seed: 3)
        for rows in [1, 2, 5] {
            for predictor in [1, 4, 7] {
                var enc = LosslessJPEGEncoder(precision: 16, predictor: predictor)
                enc.restartInterval = rows * w
                let stream = enc.encode([plane], width: w, height: h)
                #expect(stream.indices.dropLast().contains { stream[$0] == 0xFF && stream[$0 + 1] == 0xD0 })
                let out = try Self.decode(stream, width: w, height: h, components: 1, precision: 16)
                #expect(out == plane, "restart every \(rows) rows, predictor \(predictor)")
            }
        }
    }

    @Test func restartIntervalInsideARowIsRefused() throws {
        let plane = Self.samples(width: 8, height: 4, precision: 8, seed: 1)
        var stream = LosslessJPEGEncoder(precision: 8, predictor: 1).encode([plane], width: 8, height: 4)
        // Insert DRI of 3 MCUs after SOI.
        stream.insert(contentsOf: [0xFF, 0xDD, 0, 4, 0, 3], at: 2)
        let e = try #require(throws: DICOMError.self) { try Self.decode(stream, width: 8, height: 4, components: 1, precision: 8) }
        #expect(e.message.contains("restart interval 3"))
    }

    @Test func threeComponentsInterleavedOrInSeparateScans() throws {
        let (w, h) = (13, 9)
        let planes = (0..<3).map { Self.samples(width: w, height: h, precision: 8, seed: UInt64(10 + $0)) }
        for interleavedScan in [true, false] {
            for restart in [0, w * 2] {
                var enc = LosslessJPEGEncoder(precision: 8, predictor: 5)
                enc.interleaved = interleavedScan
                enc.restartInterval = restart
                let out = try Self.decode(enc.encode(planes, width: w, height: h), width: w, height: h, components: 3, precision: 8)
                #expect(out == Self.interleaved(planes), "interleaved \(interleavedScan), restart \(restart)")
            }
        }
    }

    @Test func sixteenBitSignedCTValuesSurviveThroughPixelData() throws {
        // CT in two's complement: -1024 ... 3071 HU stored as 16-bit patterns, predictor 1 (SV1).
        let (w, h) = (32, 24)
        let hu = (0..<(w * h)).map { i in (i * 53) % 4096 - 1024 }
        let plane = hu.map { $0 & 0xFFFF }
        let stream = LosslessJPEGEncoder(precision: 16, predictor: 1).encode([plane], width: w, height: h)
        var ds = DataSet()
        ds.set(.rows, .US, number: Double(h))
        ds.set(.columns, .US, number: Double(w))
        ds.set(.bitsAllocated, .US, number: 16)
        ds.set(.bitsStored, .US, number: 16)
        ds.set(.pixelRepresentation, .US, number: 1)
        ds.set(.samplesPerPixel, .US, number: 1)
        ds.set(.photometricInterpretation, .CS, "MONOCHROME2")
        // The frame split over two fragments (PS3.5 A.4: a frame may span fragments).
        let cut = stream.count / 2
        ds.set(DataElement(tag: .pixelData, vr: .OB, value: .fragments(offsetTable: [][...], fragments: [stream[..<cut], stream[cut...]])))
        let px = try #require(try PixelData(ds, transferSyntax: TransferSyntax(uid: "1.2.840.10008.1.2.4.70")))
        #expect(try px.storedValues(frame: 0) == hu.map(Double.init))
    }

    @Test func arithmeticAndDCTStreamsAreNamedNotMisread() throws {
        var stream = LosslessJPEGEncoder(precision: 8, predictor: 1).encode([[Int](repeating: 9, count: 16)], width: 4, height: 4)
        let sof = try #require(stream.indices.first { stream[$0] == 0xFF && stream[$0 + 1] == 0xC3 })
        stream[sof + 1] = 0xCB // lossless, arithmetic coding
        let e = try #require(throws: DICOMError.self) { try Self.decode(stream, width: 4, height: 4, components: 1, precision: 8) }
        #expect(e.code == .decodeFailed)
        #expect(e.message.contains("lossless, arithmetic"))
    }

    @Test func missingEndOfImageLosesNothingAndIsAccepted() throws {
        let plane = Self.samples(width: 9, height: 7, precision: 10, seed: 2)
        let stream = LosslessJPEGEncoder(precision: 10, predictor: 3).encode([plane], width: 9, height: 7)
        #expect(Array(stream.suffix(2)) == [0xFF, 0xD9])
        #expect(try Self.decode(Array(stream.dropLast(2)), width: 9, height: 7, components: 1, precision: 10) == plane)
    }

    @Test func headerTooLargeForItsStreamIsRefusedBeforeAllocating() throws {
        // A 4000x4000 frame header over a few hundred bytes of data: each sample needs at least one bit.
        var stream = LosslessJPEGEncoder(precision: 16, predictor: 1).encode([[Int](repeating: 0, count: 16)], width: 4, height: 4)
        let sof = try #require(stream.indices.first { stream[$0] == 0xFF && stream[$0 + 1] == 0xC3 })
        stream.replaceSubrange((sof + 5)..<(sof + 9), with: [0x0F, 0xA0, 0x0F, 0xA0])
        let e = try #require(throws: DICOMError.self) { try Self.decode(stream, width: 4000, height: 4000, components: 1, precision: 16) }
        #expect(e.message.contains("cannot hold 16000000 samples"))
        let huge = PixelFrameLayout(rows: 60000, columns: 60000, samplesPerPixel: 3, bitsAllocated: 16, bitsStored: 16, pixelRepresentation: 0)
        let big = try #require(throws: DICOMError.self) {
            try PixelCodecs.decode(stream[...], transferSyntax: TransferSyntax(uid: "1.2.840.10008.1.2.4.70"), layout: huge)
        }
        #expect(big.message.contains("exceeds the 1024 MiB"))
    }

    @Test func streamSizeMustMatchTheDataSet() throws {
        let stream = LosslessJPEGEncoder(precision: 8, predictor: 1).encode([[Int](repeating: 9, count: 20)], width: 5, height: 4)
        let e = try #require(throws: DICOMError.self) { try Self.decode(stream, width: 4, height: 5, components: 1, precision: 8) }
        #expect(e.message.contains("Columns 4, Rows 5"))
    }
}
