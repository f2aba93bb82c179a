import CAnchorCodecs
import COpenJPEG

/// JPEG 2000 decoding (ITU-T T.800 | ISO/IEC 15444-1; DICOM PS3.5 A.4.4, transfer syntaxes
/// 1.2.840.10008.1.2.4.90 lossless only and .91) through OpenJPEG. A codestream with the multiple
/// component transform (T.800 Annex G, RCT or ICT: Photometric Interpretation YBR_RCT or YBR_ICT)
/// comes out as RGB, which OpenJPEG computes while decoding.
enum JPEG2000Decoder {
    static let codec = "JPEG 2000"

    static func decode(_ data: UnsafeBufferPointer<UInt8>, layout: PixelFrameLayout) throws -> [UInt8] {
        var message = [CChar](repeating: 0, count: 512)
        var warning = [CChar](repeating: 0, count: 512)
        let raw = message.withUnsafeMutableBufferPointer { m in
            warning.withUnsafeMutableBufferPointer { w in
                anchor_j2k_decode(data.baseAddress, data.count, m.baseAddress, m.count, w.baseAddress, w.count)
            }
        }
        guard let raw else {
            throw codecError(codec, String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        defer { anchor_j2k_free(raw) }
        let text = String(decoding: warning.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // OpenJPEG decodes what it has of a codestream cut short and says so only in a warning: samples
        // it never received would be zeros, so the frame is refused.
        if text.lowercased().contains("too short") || text.lowercased().contains("truncated") {
            throw codecError(codec, "codestream is truncated (\(text))")
        }
        let image = raw.assumingMemoryBound(to: opj_image_t.self).pointee
        let count = Int(image.numcomps)
        guard count >= 1, let comps = image.comps else { throw codecError(codec, "image has no components") }
        let first = comps[0]
        let width = Int(first.w), height = Int(first.h)
        var precision = 0
        for k in 0..<count {
            let c = comps[k]
            guard Int(c.w) == width, Int(c.h) == height, c.dx == 1, c.dy == 1, c.data != nil else {
                throw codecError(codec, "component \(k) is subsampled or missing (\(c.w)x\(c.h), step \(c.dx)x\(c.dy)); not supported")
            }
            precision = max(precision, Int(c.prec))
        }
        try layout.check(codec: codec, width: width, height: height, components: count, precision: precision)
        let bytes = layout.bytesPerSample
        let n = width * height
        var out = [UInt8](repeating: 0, count: n * count * bytes)
        out.withUnsafeMutableBufferPointer { o in
            for k in 0..<count {
                let src = comps[k].data!
                for i in 0..<n {
                    // Signed components are two's complement in the DICOM frame (PS3.5 8.2.4).
                    let v = UInt32(bitPattern: src[i])
                    let at = (i * count + k) * bytes
                    o[at] = UInt8(truncatingIfNeeded: v)
                    if bytes > 1 { o[at + 1] = UInt8(truncatingIfNeeded: v >> 8) }
                    if bytes > 2 {
                        o[at + 2] = UInt8(truncatingIfNeeded: v >> 16)
                        o[at + 3] = UInt8(truncatingIfNeeded: v >> 24)
                    }
                }
            }
        }
        return out
    }
}
