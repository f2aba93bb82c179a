/// Reads the entries of a ZIP archive (PKWARE APPNOTE 6.3.10: end of central directory record 4.3.16,
/// central directory 4.3.12, local file headers 4.3.7), methods 0 (stored) and 8 (deflate): enough for a
/// case uploaded as one zip, and strict about everything a hostile archive uses.
///
/// The whole central directory is read and checked before any entry is expanded, so that nothing is
/// allocated for an archive that will be refused:
/// - the entry count and the sum of the declared expanded sizes are capped (`ResourceLimits`
///   `maxArchiveEntries`, `maxArchiveExpandedBytes`), and each deflated entry's declared size must fit
///   the ratio allowance for its compressed size (`maxInflateRatio` above `inflateRatioFloorBytes`);
/// - every entry must have its own local header and data: two entries at the same offset, or whose
///   header-plus-data ranges overlap (the overlapping-file zip bomb, where a 20 KB archive expands to
///   gigabytes by pointing many entries at the same data), or that reach into the central directory, are
///   refused; the local header must agree with the central one (name, method);
/// - names are refused when they could escape a folder they were written into ("zip slip": absolute
///   paths, `..` components, drive letters, backslashes, NUL bytes) and when two entries share a name;
/// - encrypted entries (APPNOTE 4.4.4 bit 0, strong encryption bit 6, AES method 99), ZIP64 archives
///   (4.3.14) and split archives are refused with a message saying so;
/// - each entry is inflated no further than its declared size, then its size and CRC-32 must match.
public enum ZipReader {
    /// One file of the archive, expanded.
    public struct Entry: Sendable {
        /// The path inside the archive, with `/` separators (APPNOTE 4.4.17).
        public var name: String
        public var bytes: [UInt8]
        public init(name: String, bytes: [UInt8]) {
            self.name = name
            self.bytes = bytes
        }
    }

    /// What the central directory says about one entry, checked but not expanded.
    public struct EntryInfo: Sendable, Equatable {
        public var name: String
        /// 0 stored, 8 deflate.
        public var method: Int
        public var compressedSize: Int
        public var size: Int
        public var crc32: UInt32
        /// Offset of the local file header.
        public var localHeaderOffset: Int
        /// Offset of the entry's data (after the local header).
        public var dataOffset: Int
        public var isDirectory: Bool { name.hasSuffix("/") }
    }

    /// True when the bytes start with a local file header signature (`PK\3\4`).
    public static func isZip(_ b: [UInt8]) -> Bool { b.count >= 4 && b[0] == 0x50 && b[1] == 0x4B && b[2] == 0x03 && b[3] == 0x04 }

    /// The expanded files of the archive (folders left out), in central directory order, each checked
    /// as the type's documentation says. Throws a `DICOMError` (code `invalidArchive` or
    /// `limitExceeded`) naming the entry.
    public static func entries(_ b: [UInt8], limits: ResourceLimits = .default) throws -> [Entry] {
        let infos = try directory(b, limits: limits)
        var out: [Entry] = []
        out.reserveCapacity(infos.count)
        for info in infos where !info.isDirectory {
            out.append(Entry(name: info.name, bytes: try expand(info, in: b)))
        }
        return out
    }

    /// As `entries(_:limits:)` with the default limits but `maxTotal` bytes for all entries together.
    public static func entries(_ b: [UInt8], maxTotal: Int) throws -> [Entry] {
        var limits = ResourceLimits.default
        limits.maxArchiveExpandedBytes = maxTotal
        return try entries(b, limits: limits)
    }

    static func fail(_ message: String) -> DICOMError { DICOMError(.invalidArchive, "zip archive: " + message) }

    /// Reads and checks the central directory and every local header, without expanding anything.
    public static func directory(_ b: [UInt8], limits: ResourceLimits = .default) throws -> [EntryInfo] {
        func u16(_ p: Int) -> Int { Int(b[p]) | Int(b[p + 1]) << 8 }
        func u32(_ p: Int) -> Int { u16(p) | u16(p + 2) << 16 }
        guard b.count >= 22 else { throw fail("too short to hold an end of central directory record (\(b.count) bytes)") }
        // End of central directory (4.3.16): 22 bytes plus a comment of at most 65,535 bytes, at the end.
        var eocd = -1
        var p = b.count - 22
        while p >= max(0, b.count - 22 - 0xFFFF) {
            if b[p] == 0x50 && b[p + 1] == 0x4B && b[p + 2] == 0x05 && b[p + 3] == 0x06 && p + 22 + u16(p + 20) <= b.count { eocd = p; break }
            p -= 1
        }
        guard eocd >= 0 else { throw fail("no end of central directory record") }
        if eocd >= 20 && u32(eocd - 20) == 0x0706_4B50 {
            throw fail("ZIP64 archives (APPNOTE 4.3.14, for more than 65,535 entries or 4 GB) are not supported")
        }
        let disk = u16(eocd + 4), cdDisk = u16(eocd + 6), onDisk = u16(eocd + 8), count = u16(eocd + 10)
        let cdSize = u32(eocd + 12), cdOffset = u32(eocd + 16)
        if count == 0xFFFF || cdSize == 0xFFFF_FFFF || cdOffset == 0xFFFF_FFFF {
            throw fail("ZIP64 archives (APPNOTE 4.3.14, for more than 65,535 entries or 4 GB) are not supported")
        }
        guard disk == 0, cdDisk == 0, onDisk == count else { throw fail("split or spanned archives are not supported") }
        guard count <= limits.maxArchiveEntries else {
            throw DICOMError(.limitExceeded, "zip archive: \(count) entries, above the limit of \(limits.maxArchiveEntries)")
        }
        guard cdOffset <= eocd, cdSize <= eocd - cdOffset else { throw fail("the central directory lies outside the archive") }

        var infos: [EntryInfo] = []
        infos.reserveCapacity(count)
        var names = Set<String>()
        var total = 0
        var cd = cdOffset
        let cdEnd = cdOffset + cdSize
        for n in 0..<count {
            guard cd + 46 <= cdEnd, u32(cd) == 0x0201_4B50 else { throw fail("central directory entry \(n + 1) of \(count) is damaged") }
            let flags = u16(cd + 8), method = u16(cd + 10)
            let crc = UInt32(u32(cd + 16)), compressed = u32(cd + 20), size = u32(cd + 24)
            let nameLen = u16(cd + 28), extraLen = u16(cd + 30), commentLen = u16(cd + 32)
            let startDisk = u16(cd + 34), local = u32(cd + 42)
            guard cd + 46 + nameLen + extraLen + commentLen <= cdEnd else { throw fail("central directory entry \(n + 1) runs past the directory") }
            let nameBytes = b[(cd + 46)..<(cd + 46 + nameLen)]
            let name = String(decoding: nameBytes, as: UTF8.self)
            cd += 46 + nameLen + extraLen + commentLen

            if let reason = unsafeNameReason(nameBytes, name) { throw fail("entry name '\(printable(name))' refused: \(reason)") }
            guard names.insert(name).inserted else { throw fail("two entries are named '\(name)'") }
            if flags & 0x0001 != 0 || flags & 0x0040 != 0 || method == 99 {
                throw fail("entry \(name) is encrypted; encrypted archives are not supported")
            }
            if compressed == 0xFFFF_FFFF || size == 0xFFFF_FFFF || local == 0xFFFF_FFFF || startDisk == 0xFFFF {
                throw fail("entry \(name) uses ZIP64 sizes (APPNOTE 4.5.3); ZIP64 archives are not supported")
            }
            guard startDisk == 0 else { throw fail("split or spanned archives are not supported") }
            guard method == 0 || method == 8 else {
                throw fail("entry \(name) uses compression method \(method); only stored (0) and deflate (8) are supported")
            }
            if method == 0 && compressed != size { throw fail("stored entry \(name) declares \(compressed) bytes stored but \(size) expanded") }
            if method == 8 {
                let allowance = limits.inflateAllowance(compressedBytes: compressed)
                guard size <= allowance else {
                    throw DICOMError(.limitExceeded, "zip archive: entry \(name) declares \(ResourceLimits.describe(bytes: size)) from \(ResourceLimits.describe(bytes: compressed)) compressed, more than the limits allow (\(ResourceLimits.describe(bytes: allowance)))")
                }
            }
            total += size
            guard total <= limits.maxArchiveExpandedBytes else {
                throw DICOMError(.limitExceeded, "zip archive expands to more than \(ResourceLimits.describe(bytes: limits.maxArchiveExpandedBytes)), the limit (at entry \(name))")
            }

            // The local header (4.3.7) must be where the central directory says and agree with it.
            guard local + 30 <= cdOffset, u32(local) == 0x0403_4B50 else { throw fail("entry \(name): no local header at offset \(local)") }
            let localFlags = u16(local + 6), localMethod = u16(local + 8)
            let localNameLen = u16(local + 26), localExtraLen = u16(local + 28)
            guard localFlags & 0x0001 == 0 else { throw fail("entry \(name) is encrypted; encrypted archives are not supported") }
            guard localMethod == method else { throw fail("entry \(name): local header says method \(localMethod), central directory \(method)") }
            guard local + 30 + localNameLen <= cdOffset, b[(local + 30)..<(local + 30 + localNameLen)].elementsEqual(nameBytes) else {
                throw fail("entry \(name): the local header names another file")
            }
            let dataStart = local + 30 + localNameLen + localExtraLen
            guard dataStart <= cdOffset, compressed <= cdOffset - dataStart else {
                throw fail("entry \(name): its data run past the start of the central directory")
            }
            infos.append(EntryInfo(name: name, method: method, compressedSize: compressed, size: size, crc32: crc,
                                   localHeaderOffset: local, dataOffset: dataStart))
        }

        // Each entry's local header and data must be its own: overlapping ranges are how a few KB of
        // archive expand to gigabytes (many entries reading the same compressed data).
        let ranges = infos.sorted { ($0.localHeaderOffset, $0.dataOffset) < ($1.localHeaderOffset, $1.dataOffset) }
        for k in ranges.indices.dropFirst() {
            let a = ranges[k - 1], z = ranges[k]
            if z.localHeaderOffset == a.localHeaderOffset {
                throw fail("entries \(a.name) and \(z.name) share the local header at offset \(a.localHeaderOffset)")
            }
            if z.localHeaderOffset < a.dataOffset + a.compressedSize {
                throw fail("entries \(a.name) and \(z.name) overlap (bytes \(z.localHeaderOffset) to \(a.dataOffset + a.compressedSize)); overlapping entries are refused")
            }
        }
        return infos
    }

    /// The expanded bytes of one entry, inflated no further than its declared size, with size and CRC-32 checked.
    static func expand(_ info: EntryInfo, in b: [UInt8]) throws -> [UInt8] {
        let data = b[info.dataOffset..<(info.dataOffset + info.compressedSize)]
        let bytes: [UInt8]
        if info.method == 0 {
            bytes = Array(data)
        } else {
            do {
                bytes = try Inflater.inflate(data, maxOutput: info.size, expectedSize: info.size)
            } catch Inflater.Failure.tooLarge(_) {
                throw fail("entry \(info.name) inflates to more than the \(info.size) bytes it declares")
            } catch {
                throw fail("entry \(info.name) could not be inflated: \(error)")
            }
        }
        guard bytes.count == info.size else { throw fail("entry \(info.name) inflates to \(bytes.count) bytes; it declares \(info.size)") }
        guard crc32Checksum(bytes[...]) == info.crc32 else { throw fail("entry \(info.name) fails its CRC-32 check") }
        return bytes
    }

    /// Why a name could escape the folder it is extracted into, or nil when it is safe.
    static func unsafeNameReason(_ raw: ArraySlice<UInt8>, _ name: String) -> String? {
        if raw.isEmpty { return "empty name" }
        if raw.contains(0) { return "NUL byte in the name" }
        if raw.contains(0x5C) { return "backslash in the name (APPNOTE 4.4.17 requires forward slashes)" }
        if raw.first == 0x2F { return "absolute path" }
        if raw.count >= 2, raw[raw.startIndex + 1] == 0x3A, let c = raw.first, (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A { return "drive letter" }
        if name.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0 == ".." }) { return "'..' component" }
        return nil
    }

    static func printable(_ s: String) -> String {
        String(s.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : String($0) }.joined().prefix(200))
    }
}
