import CCharLS

/// JPEG-LS lossless and near-lossless decoding (ITU-T T.87 | ISO/IEC 14495-1; DICOM PS3.5 A.4.3,
/// transfer syntaxes 1.2.840.10008.1.2.4.80 and .81) through CharLS.
enum JPEGLSDecoder {
    static let codec = "JPEG-LS"

    /// Decodes one frame into interleaved little-endian samples of `layout.bytesPerSample` bytes.
    static func decode(_ data: UnsafeBufferPointer<UInt8>, layout: PixelFrameLayout) throws -> [UInt8] {
        // A JPEG-LS stream ends with EOI (T.87 C.1.2; DICOM pads a fragment to even length after it). A
        // stream cut short is refused here: CharLS 2.4 spends tens of seconds on some truncated streams
        // before it reports them (measured: 30 s for a 64x64 frame cut in half).
        var end = data.count
        while end > 0 && data[end - 1] == 0 { end -= 1 }
        guard end >= 4, data[end - 2] == 0xFF, data[end - 1] == 0xD9 else {
            throw codecError(codec, "the stream does not end with the end-of-image marker FFD9 (truncated)")
        }
        guard let decoder = charls_jpegls_decoder_create() else { throw codecError(codec, "cannot create a CharLS decoder") }
        defer { charls_jpegls_decoder_destroy(decoder) }
        func check(_ e: charls_jpegls_errc, _ what: String) throws {
            guard e.rawValue != 0 else { return }
            let message = charls_get_error_message(e).map { String(cString: $0) } ?? "error \(e.rawValue)"
            throw codecError(codec, "\(what): \(message)")
        }
        try check(charls_jpegls_decoder_set_source_buffer(decoder, data.baseAddress!, data.count), "reading the stream")
        try check(charls_jpegls_decoder_read_header(decoder), "reading the header")
        var info = charls_frame_info()
        try check(charls_jpegls_decoder_get_frame_info(decoder, &info), "reading the frame")
        var interleave = charls_interleave_mode(0)
        try check(charls_jpegls_decoder_get_interleave_mode(decoder, &interleave), "reading the interleave mode")
        let width = Int(info.width), height = Int(info.height), components = Int(info.component_count)
        let bits = Int(info.bits_per_sample)
        try layout.check(codec: codec, width: width, height: height, components: components, precision: bits)
        let bytesIn = bits <= 8 ? 1 : 2
        var size = 0
        try check(charls_jpegls_decoder_get_destination_size(decoder, 0, &size), "sizing the output")
        guard size == width * height * components * bytesIn else {
            throw codecError(codec, "CharLS asks for \(size) bytes for \(width)x\(height)x\(components) samples")
        }
        var raw = [UInt8](repeating: 0, count: size)
        try raw.withUnsafeMutableBytes { p in
            try check(charls_jpegls_decoder_decode_to_buffer(decoder, p.baseAddress!, size, 0), "decoding")
        }
        // Interleave mode none stores the components one plane after the other (T.87 A.2); DICOM frames
        // are pixel-interleaved (Planar Configuration 0 for decoded data, PS3.5 8.2.3).
        let planar = components > 1 && interleave.rawValue == 0
        return widen(raw, bytesIn: bytesIn, bytesOut: layout.bytesPerSample, planarComponents: planar ? components : 1)
    }
}

/// Copies samples from `bytesIn` to `bytesOut` bytes each (little endian), interleaving planes when
/// `planarComponents` > 1.
func widen(_ raw: [UInt8], bytesIn: Int, bytesOut: Int, planarComponents: Int) -> [UInt8] {
    if bytesIn == bytesOut && planarComponents == 1 { return raw }
    let n = raw.count / bytesIn
    let plane = n / planarComponents
    var out = [UInt8](repeating: 0, count: n * bytesOut)
    for i in 0..<n {
        // Sample i of the output is component i % c of pixel i / c, found in its plane.
        let src = planarComponents == 1 ? i : (i % planarComponents) * plane + i / planarComponents
        for b in 0..<min(bytesIn, bytesOut) { out[i * bytesOut + b] = raw[src * bytesIn + b] }
    }
    return out
}
