/// What a decoder is told about the frame it decodes: the Image Pixel attributes of the data set
/// (PS3.3 C.7.6.3), against which the compressed stream's own header is checked.
public struct PixelFrameLayout: Sendable, Equatable {
    public var rows: Int
    public var columns: Int
    public var samplesPerPixel: Int
    public var bitsAllocated: Int
    public var bitsStored: Int
    /// 0 unsigned, 1 two's complement.
    public var pixelRepresentation: Int
    /// Photometric Interpretation (0028,0004): tells a JPEG decoder whether three components without a
    /// JFIF or Adobe marker are RGB (no colour transform) or YCbCr.
    public var photometricInterpretation: String

    public init(rows: Int, columns: Int, samplesPerPixel: Int, bitsAllocated: Int, bitsStored: Int, pixelRepresentation: Int,
                photometricInterpretation: String = "") {
        self.rows = rows
        self.columns = columns
        self.samplesPerPixel = samplesPerPixel
        self.bitsAllocated = bitsAllocated
        self.bitsStored = bitsStored
        self.pixelRepresentation = pixelRepresentation
        self.photometricInterpretation = photometricInterpretation
    }

    /// Bytes of each decoded sample: Bits Allocated rounded up to whole bytes.
    public var bytesPerSample: Int { max(1, (bitsAllocated + 7) / 8) }

    /// Bytes of one decoded frame.
    public var frameByteCount: Int { rows * columns * samplesPerPixel * bytesPerSample }

    /// The stream's header must describe the frame the data set declares: same size and samples, and
    /// a sample precision that fits Bits Allocated (PS3.5 8.2: the compressed stream and the attributes
    /// describe one image). A mismatch is refused rather than guessed at.
    func check(codec: String, width: Int, height: Int, components: Int, precision: Int) throws {
        guard width == columns, height == rows else {
            throw codecError(codec, "stream holds \(width)x\(height) samples; the data set declares Columns \(columns), Rows \(rows)")
        }
        guard components == samplesPerPixel else {
            throw codecError(codec, "stream holds \(components) component(s); the data set declares Samples per Pixel \(samplesPerPixel)")
        }
        guard precision <= 8 * bytesPerSample, [8, 16, 32].contains(bitsAllocated) else {
            throw codecError(codec, "\(precision)-bit samples do not fit Bits Allocated \(bitsAllocated)")
        }
    }
}

/// The decoders of encapsulated pixel data (PS3.5 A.4, 8.2): one entry point that takes the bytes of
/// one frame and returns them as native pixel data would hold them.
///
/// | transfer syntax | UID | decoder |
/// |---|---|---|
/// | JPEG Baseline (process 1) | 1.2.840.10008.1.2.4.50 | libjpeg-turbo |
/// | JPEG Extended (processes 2 and 4), 8 bit | 1.2.840.10008.1.2.4.51 | libjpeg-turbo |
/// | JPEG Extended (process 4), 12 bit | 1.2.840.10008.1.2.4.51 | Swift (grayscale) |
/// | JPEG Lossless (process 14) | 1.2.840.10008.1.2.4.57 | Swift |
/// | JPEG Lossless SV1 (process 14, predictor 1) | 1.2.840.10008.1.2.4.70 | Swift |
/// | JPEG-LS Lossless | 1.2.840.10008.1.2.4.80 | CharLS |
/// | JPEG-LS Near-Lossless | 1.2.840.10008.1.2.4.81 | CharLS |
/// | JPEG 2000 Lossless Only | 1.2.840.10008.1.2.4.90 | OpenJPEG |
/// | JPEG 2000 | 1.2.840.10008.1.2.4.91 | OpenJPEG |
///
/// The JPEG syntaxes are dispatched on the stream's start-of-frame marker, not on the UID alone, so a
/// lossless stream labelled with a DCT syntax (or the reverse) still decodes as what it is.
public enum PixelCodecs {
    /// The compression families this module decodes.
    public enum Family: String, Sendable, CaseIterable {
        case jpeg, jpegLS, jpeg2000
    }

    /// Transfer syntax UIDs decoded here, with their family.
    public static let decodableTransferSyntaxes: [String: Family] = [
        "1.2.840.10008.1.2.4.50": .jpeg,
        "1.2.840.10008.1.2.4.51": .jpeg,
        "1.2.840.10008.1.2.4.57": .jpeg,
        "1.2.840.10008.1.2.4.70": .jpeg,
        "1.2.840.10008.1.2.4.80": .jpegLS,
        "1.2.840.10008.1.2.4.81": .jpegLS,
        "1.2.840.10008.1.2.4.90": .jpeg2000,
        "1.2.840.10008.1.2.4.91": .jpeg2000,
    ]

    /// The largest decoded frame accepted: 1 GiB, far above any CT, MR or radiograph (a 4096x4096 RGB
    /// 16-bit frame is 96 MiB), so that a header cannot make the decoder allocate without bound.
    public static let maximumFrameBytes = 1 << 30

    /// True when frames of this transfer syntax can be decoded here (RLE is decoded by `PixelData` itself).
    public static func canDecode(_ syntax: TransferSyntax) -> Bool {
        decodableTransferSyntaxes[syntax.uid] != nil
    }

    /// Decodes one compressed frame to native bytes: samples interleaved (Planar Configuration 0),
    /// `layout.bytesPerSample` bytes each, little endian. Three-sample frames come out as RGB where the
    /// codec converts colour (JPEG DCT YCbCr, JPEG 2000 with a component transform); see
    /// `photometricInterpretationAfterDecoding`.
    ///
    /// Throws `DICOMError` with code `decodeFailed` for damaged or mismatched data and
    /// `unsupportedTransferSyntax` for a syntax not listed.
    public static func decode(_ frame: ArraySlice<UInt8>, transferSyntax: TransferSyntax, layout: PixelFrameLayout) throws -> [UInt8] {
        guard let family = decodableTransferSyntaxes[transferSyntax.uid] else {
            throw DICOMError(.unsupportedTransferSyntax, "decoding \(transferSyntax.name) (\(transferSyntax.uid)) is not supported", tag: .pixelData)
        }
        guard layout.rows > 0, layout.columns > 0, (1...4).contains(layout.samplesPerPixel) else {
            throw DICOMError(.invalidValue, "cannot decode a frame of \(layout.columns)x\(layout.rows)x\(layout.samplesPerPixel) samples", tag: .pixelData)
        }
        guard !frame.isEmpty else { throw DICOMError(.decodeFailed, "\(transferSyntax.name): the frame is empty", tag: .pixelData) }
        let (bytes, over) = layout.rows.multipliedReportingOverflow(by: layout.columns * layout.samplesPerPixel * layout.bytesPerSample)
        guard !over, bytes <= maximumFrameBytes else {
            throw DICOMError(.invalidValue, "a decoded frame of \(layout.columns)x\(layout.rows)x\(layout.samplesPerPixel) samples at \(layout.bitsAllocated) bits exceeds the \(maximumFrameBytes >> 20) MiB Anchor decodes", tag: .pixelData)
        }
        let out: [UInt8] = try frame.withUnsafeBufferPointer { data in
            switch family {
            case .jpegLS: return try JPEGLSDecoder.decode(data, layout: layout)
            case .jpeg2000: return try JPEG2000Decoder.decode(data, layout: layout)
            case .jpeg: return try decodeJPEG(data, layout: layout)
            }
        }
        guard out.count == layout.frameByteCount else {
            throw DICOMError(.decodeFailed, "\(transferSyntax.name): decoded \(out.count) bytes; the frame needs \(layout.frameByteCount)", tag: .pixelData)
        }
        return out
    }

    /// The Photometric Interpretation of decoded samples: RGB where decoding converted colour (JPEG DCT
    /// with three components, and JPEG 2000's YBR_RCT and YBR_ICT, PS3.5 8.2.1 and 8.2.4), otherwise the
    /// one given.
    public static func photometricInterpretationAfterDecoding(_ given: String, transferSyntax: TransferSyntax, samplesPerPixel: Int) -> String {
        guard samplesPerPixel == 3 else { return given }
        switch transferSyntax.uid {
        case "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51": return "RGB"
        case "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91": return given == "YBR_RCT" || given == "YBR_ICT" ? "RGB" : given
        default: return given
        }
    }

    /// JPEG (T.81): the start-of-frame marker chooses the decoder.
    static func decodeJPEG(_ data: UnsafeBufferPointer<UInt8>, layout: PixelFrameLayout) throws -> [UInt8] {
        let header = try jpegFrameHeader(data, codec: "JPEG")
        // The stream's own frame header is checked before anything the size of the image is allocated.
        try layout.check(codec: "JPEG", width: header.samplesPerLine, height: header.lines,
                         components: header.components.count, precision: header.precision)
        let dct8 = [0xC0, 0xC1, 0xC2].contains(header.marker) && header.precision == 8
        let dct12 = [0xC0, 0xC1].contains(header.marker) && header.precision == 12
        switch header.marker {
        case 0xC3:
            // Every sample takes at least one bit of Huffman code (T.81 H.1.2.2): a stream shorter than
            // that cannot hold the frame, and is refused before its samples are allocated.
            let samples = header.samplesPerLine * header.lines * header.components.count
            guard samples <= 8 * data.count else {
                throw codecError(JPEGLosslessDecoder.codec, "\(data.count) bytes cannot hold \(samples) samples (truncated)")
            }
            let image = try JPEGLosslessDecoder.decode(data)
            return try JPEGLosslessDecoder.interleave(image, bytesPerSample: layout.bytesPerSample)
        case _ where dct8:
            return try JPEGBaselineDecoder.decode(data, layout: layout)
        case _ where dct12:
            // Each 8x8 block takes at least two bits (a DC code and an end-of-block, F.1.2).
            let blocks = ((header.samplesPerLine + 7) / 8) * ((header.lines + 7) / 8)
            guard blocks <= 4 * data.count else {
                throw codecError(JPEGExtendedDecoder.codec, "\(data.count) bytes cannot hold \(blocks) blocks (truncated)")
            }
            let (_, samples) = try JPEGExtendedDecoder.decode(data)
            var out = [UInt8](repeating: 0, count: samples.count * layout.bytesPerSample)
            for (i, s) in samples.enumerated() {
                out[i * layout.bytesPerSample] = UInt8(truncatingIfNeeded: s)
                if layout.bytesPerSample > 1 { out[i * layout.bytesPerSample + 1] = UInt8(truncatingIfNeeded: s >> 8) }
            }
            return out
        default:
            throw codecError("JPEG", "\(JPEGMarker.processName(header.marker)) at \(header.precision) bits (\(String(format2: header.marker))) is not supported")
        }
    }
}
