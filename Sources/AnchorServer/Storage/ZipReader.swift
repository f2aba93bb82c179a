import AnchorDICOM
import Foundation

/// Reads the entries of a ZIP archive (PKWARE APPNOTE 6.3.x: end of central directory record, central
/// directory, local headers), methods 0 (stored) and 8 (deflate). Enough for a case uploaded as one zip.
enum ZipReader {
    struct Entry { var name: String; var bytes: [UInt8] }
    struct Failure: Error, CustomStringConvertible { var description: String }

    static func isZip(_ b: [UInt8]) -> Bool { b.count >= 4 && b[0] == 0x50 && b[1] == 0x4B && b[2] == 0x03 && b[3] == 0x04 }

    static func entries(_ b: [UInt8], maxTotal: Int = 4 << 30) throws -> [Entry] {
        func u16(_ p: Int) -> Int { Int(b[p]) | Int(b[p + 1]) << 8 }
        func u32(_ p: Int) -> Int { u16(p) | u16(p + 2) << 16 }
        // End of central directory: signature 0x06054b50 within the last 65,557 bytes.
        var eocd = -1
        var p = b.count - 22
        while p >= max(0, b.count - 65_557) {
            if b[p] == 0x50 && b[p + 1] == 0x4B && b[p + 2] == 0x05 && b[p + 3] == 0x06 { eocd = p; break }
            p -= 1
        }
        guard eocd >= 0 else { throw Failure(description: "zip archive has no end of central directory record") }
        let count = u16(eocd + 10)
        var cd = u32(eocd + 16)
        var out: [Entry] = []
        var total = 0
        for _ in 0..<count {
            guard cd + 46 <= b.count, u32(cd) == 0x0201_4B50 else { throw Failure(description: "zip central directory is damaged") }
            let method = u16(cd + 10)
            let compressed = u32(cd + 20), size = u32(cd + 24)
            let nameLen = u16(cd + 28), extraLen = u16(cd + 30), commentLen = u16(cd + 32)
            let local = u32(cd + 42)
            guard cd + 46 + nameLen <= b.count else { throw Failure(description: "zip entry name runs past the end") }
            let name = String(decoding: b[(cd + 46)..<(cd + 46 + nameLen)], as: UTF8.self)
            cd += 46 + nameLen + extraLen + commentLen
            if name.hasSuffix("/") { continue }
            guard local + 30 <= b.count, u32(local) == 0x0403_4B50 else { throw Failure(description: "zip entry \(name): bad local header") }
            let start = local + 30 + u16(local + 26) + u16(local + 28)
            guard start + compressed <= b.count else { throw Failure(description: "zip entry \(name) runs past the end") }
            total += size
            guard total <= maxTotal else { throw Failure(description: "zip archive expands beyond \(maxTotal) bytes") }
            let data = b[start..<(start + compressed)]
            switch method {
            case 0: out.append(Entry(name: name, bytes: Array(data)))
            case 8:
                do { out.append(Entry(name: name, bytes: try inflateRaw(data, maxOutput: size + 1024))) } catch {
                    throw Failure(description: "zip entry \(name) could not be inflated")
                }
            default: throw Failure(description: "zip entry \(name) uses compression method \(method); only stored and deflate are supported")
            }
        }
        return out
    }
}
