import CAnchorCodecs

/// 8-bit DCT JPEG decoding (ITU-T T.81 processes 1 and 2, and the other 8-bit DCT processes
/// libjpeg-turbo reads; DICOM PS3.5 A.4.1, transfer syntaxes 1.2.840.10008.1.2.4.50 and .51) through
/// libjpeg-turbo, with its accurate integer inverse DCT. Three-component YCbCr comes out as RGB
/// (T.871 colour conversion as libjpeg applies it); a stream without JFIF or Adobe marker is taken as
/// RGB when the Photometric Interpretation says RGB.
enum JPEGBaselineDecoder {
    static let codec = "JPEG"

    static func decode(_ data: UnsafeBufferPointer<UInt8>, layout: PixelFrameLayout) throws -> [UInt8] {
        var info = anchor_jpeg_info()
        var message = [CChar](repeating: 0, count: 512)
        func text() -> String { String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        let header = message.withUnsafeMutableBufferPointer { m in
            anchor_jpeg_read_header(data.baseAddress, data.count, &info, m.baseAddress, m.count)
        }
        guard header == 0 else { throw codecError(codec, text()) }
        try layout.check(codec: codec, width: Int(info.width), height: Int(info.height), components: Int(info.components),
                         precision: Int(info.precision))
        let n = Int(info.width) * Int(info.height) * Int(info.components)
        // PS3.5 8.2.1: the Photometric Interpretation names the colour space of the compressed data; when
        // it says RGB and the stream carries no JFIF or Adobe marker to say otherwise, the components are
        // RGB, not libjpeg's default guess of YCbCr.
        let rgbUnlessMarked = layout.photometricInterpretation == "RGB"
        var raw = [UInt8](repeating: 0, count: n)
        let rc = message.withUnsafeMutableBufferPointer { m in
            raw.withUnsafeMutableBufferPointer { o in
                anchor_jpeg_decode(data.baseAddress, data.count, rgbUnlessMarked ? 1 : 0, &info, o.baseAddress, o.count, m.baseAddress, m.count)
            }
        }
        guard rc == 0 else { throw codecError(codec, text()) }
        return widen(raw, bytesIn: 1, bytesOut: layout.bytesPerSample, planarComponents: 1)
    }
}
