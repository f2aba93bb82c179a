import CAnchorCodecs
import COpenJPEG

/// JPEG 2000 decoding (ITU-T T.800 | ISO/IEC 15444-1; DICOM PS3.5 A.4.4, transfer syntaxes
/// 1.2.840.10008.1.2.4.90 lossless only and .91) through OpenJPEG. A codestream with the multiple
/// component transform (T.800 Annex G, RCT or ICT: Photometric Interpretation YBR_RCT or YBR_ICT)
/// comes out as RGB, which OpenJPEG computes while decoding.
enum JPEG2000Decoder {
    static let codec = "JPEG 2000"

    static func decode(_ data: UnsafeBufferPointer<UInt8>, layout: PixelFrameLayout) throws -> [UInt8] {
        // The image size from the SIZ marker segment, checked before OpenJPEG allocates for it.
        let size = try imageSize(data)
        try layout.check(codec: codec, width: size.width, height: size.height, components: size.components, precision: 0)
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

extension JPEG2000Decoder {
    /// Width, height and component count from the SIZ marker segment (T.800 A.5.1), which follows SOC
    /// at the start of a codestream; in a JP2 file the codestream is found by its SOC and SIZ markers.
    static func imageSize(_ data: UnsafeBufferPointer<UInt8>) throws -> (width: Int, height: Int, components: Int) {
        var start = -1
        var i = 0
        while i + 3 < min(data.count, 4096) {
            if data[i] == 0xFF && data[i + 1] == 0x4F && data[i + 2] == 0xFF && data[i + 3] == 0x51 { start = i; break }
            i += 1
        }
        guard start >= 0 else { throw codecError(codec, "no codestream: the SOC and SIZ markers (FF4F FF51) are missing") }
        let p = start + 4
        guard p + 38 <= data.count else { throw codecError(codec, "the SIZ marker segment is cut short (truncated)") }
        func u32(_ o: Int) -> Int { Int(data[p + o]) << 24 | Int(data[p + o + 1]) << 16 | Int(data[p + o + 2]) << 8 | Int(data[p + o + 3]) }
        // Lsiz(2) Rsiz(2) Xsiz Ysiz XOsiz YOsiz (4 each) ... Csiz(2) at offset 36.
        let xsiz = u32(4), ysiz = u32(8), xo = u32(12), yo = u32(16)
        let csiz = Int(data[p + 36]) << 8 | Int(data[p + 37])
        guard xsiz > xo, ysiz > yo else { throw codecError(codec, "the SIZ marker segment gives an empty image (\(xsiz)-\(xo) x \(ysiz)-\(yo))") }
        return (xsiz - xo, ysiz - yo, csiz)
    }
}
