extension PixelData {
    /// The Image Pixel attributes a decoder checks the compressed stream against.
    public var layout: PixelFrameLayout {
        PixelFrameLayout(rows: rows, columns: columns, samplesPerPixel: samplesPerPixel, bitsAllocated: bitsAllocated,
                         bitsStored: bitsStored, pixelRepresentation: pixelRepresentation,
                         photometricInterpretation: photometricInterpretation)
    }

    /// True when `frameBytes` can produce native bytes: native data, RLE, or a syntax `PixelCodecs` decodes.
    public var isDecodable: Bool {
        !isEncapsulated || transferSyntax.uid == TransferSyntax.rleLossless.uid || PixelCodecs.canDecode(transferSyntax)
    }
}
