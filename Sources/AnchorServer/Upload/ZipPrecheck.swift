import Foundation

/// A look at a zip's central directory (PKWARE APPNOTE 6.3.x, 4.3.12 and 4.3.16) before anything is
/// expanded: entries whose local headers share or overlap the same bytes (the "overlapping files" zip
/// bomb, where thousands of entries expand one small block) are refused, as is a declared expanded
/// total beyond the upload's limit. Nothing is allocated from the declared sizes.
enum ZipPrecheck {
    /// Why the archive must not be expanded, or nil.
    static func problem(_ b: [UInt8], maxExpandedBytes: Int) -> String? {
        func u16(_ p: Int) -> Int { Int(b[p]) | Int(b[p + 1]) << 8 }
        func u32(_ p: Int) -> Int { u16(p) | u16(p + 2) << 16 }
        guard b.count >= 22 else { return "the zip archive is too short" }
        var eocd = -1
        var p = b.count - 22
        while p >= max(0, b.count - 65_557) {
            if b[p] == 0x50 && b[p + 1] == 0x4B && b[p + 2] == 0x05 && b[p + 3] == 0x06 { eocd = p; break }
            p -= 1
        }
        guard eocd >= 0 else { return nil }  // the reader reports a missing end record itself
        let count = u16(eocd + 10)
        var cd = u32(eocd + 16)
        var spans: [(start: Int, end: Int)] = []
        var declared = 0
        for _ in 0..<count {
            guard cd + 46 <= b.count, u32(cd) == 0x0201_4B50 else { return nil }
            let compressed = u32(cd + 20), size = u32(cd + 24)
            let nameLen = u16(cd + 28), extraLen = u16(cd + 30), commentLen = u16(cd + 32)
            let local = u32(cd + 42)
            let isDirectory = cd + 46 + nameLen <= b.count && nameLen > 0 && b[cd + 46 + nameLen - 1] == 0x2F
            cd += 46 + nameLen + extraLen + commentLen
            if isDirectory { continue }
            declared += size
            if declared > maxExpandedBytes {
                return "the zip archive declares more than \(maxExpandedBytes) bytes once expanded"
            }
            spans.append((local, local + 30 + compressed))
        }
        spans.sort { $0.start < $1.start }
        for (a, c) in zip(spans, spans.dropFirst()) where c.start < a.end {
            return "the zip archive has entries that share the same data (a zip bomb)"
        }
        return nil
    }
}
