import Foundation

/// Writes Part 10 files (PS3.10 section 7) in Explicit VR Little Endian (PS3.5 A.2), or in the file's own
/// encapsulated syntax when its pixel data is compressed (RLE, JPEG: those are explicit VR little endian
/// too), keeping every value's bytes (byte-swapped from big endian where the VR says how).
///
/// Sequences and items are written with undefined length (PS3.5 7.5.2), and group length elements other
/// than the meta group's are dropped (retired, PS3.5 7.2), so edited data sets never carry stale lengths.
public enum DICOMWriter {
    /// Anchor's implementation class UID: a UUID-derived UID under the 2.25 root (PS3.5 B.2).
    public static let implementationClassUID = "2.25.255418126399440290011237146367359412739"
    public static let implementationVersionName = "ANCHOR_0_1"

    /// The bytes of a complete Part 10 file.
    public static func encode(_ file: DICOMFile) throws -> [UInt8] {
        let syntax: TransferSyntax = file.transferSyntax.isEncapsulated ? file.transferSyntax : .explicitVRLittleEndian
        var out: [UInt8] = []
        out.reserveCapacity(estimatedSize(file.dataSet) + 512)
        out.append(contentsOf: file.preamble ?? [UInt8](repeating: 0, count: 128))
        out.append(contentsOf: Array("DICM".utf8))

        var meta = DataSet()
        for e in file.meta.elements where e.tag.group == 0x0002 && e.tag != .fileMetaInformationGroupLength {
            meta.set(e)
        }
        meta.set(.fileMetaInformationVersion, .OB, bytes: [0x00, 0x01])
        let sopClass = file.dataSet.string(.sopClassUID) ?? file.meta.string(.mediaStorageSOPClassUID) ?? ""
        let sopInstance = file.dataSet.string(.sopInstanceUID) ?? file.meta.string(.mediaStorageSOPInstanceUID) ?? ""
        meta.set(.mediaStorageSOPClassUID, .UI, sopClass)
        meta.set(.mediaStorageSOPInstanceUID, .UI, sopInstance)
        meta.set(.transferSyntaxUID, .UI, syntax.uid)
        meta.set(.implementationClassUID, .UI, implementationClassUID)
        meta.set(.implementationVersionName, .SH, implementationVersionName)
        var metaBytes: [UInt8] = []
        for e in meta.elements { try encode(e, in: meta, into: &metaBytes) }
        var groupLength: [UInt8] = []
        try encode(DataElement(tag: .fileMetaInformationGroupLength, vr: .UL, value: .bytes(le32(UInt32(metaBytes.count))[...])),
                   in: meta, into: &groupLength)
        out.append(contentsOf: groupLength)
        out.append(contentsOf: metaBytes)
        try encodeDataSet(file.dataSet, into: &out)
        return out
    }

    /// Writes the file to `path` through a temporary file in the same folder and a rename, so a crash
    /// never leaves a partial file under the real name.
    public static func write(_ file: DICOMFile, to path: String) throws {
        try writeAtomically(try encode(file), to: path)
    }

    /// Encodes the elements of a data set (no meta group), explicit VR little endian.
    public static func encodeDataSet(_ ds: DataSet, into out: inout [UInt8]) throws {
        for e in ds.elements where !(e.tag.isGroupLength) && e.tag.group != 0x0002 {
            try encode(e, in: ds, into: &out)
        }
    }

    static func encode(_ e: DataElement, in ds: DataSet, into out: inout [UInt8]) throws {
        switch e.value {
        case .sequence(let items):
            header(e.tag, .SQ, 0xFFFF_FFFF, into: &out)
            for item in items {
                appendTag(.item, &out); out.append(contentsOf: le32(0xFFFF_FFFF))
                try encodeDataSet(item, into: &out)
                appendTag(.itemDelimitation, &out); out.append(contentsOf: le32(0))
            }
            appendTag(.sequenceDelimitation, &out); out.append(contentsOf: le32(0))
        case .fragments(let table, let fragments):
            header(e.tag, e.vr == .OW ? .OW : .OB, 0xFFFF_FFFF, into: &out)
            for f in [table] + fragments {
                appendTag(.item, &out)
                out.append(contentsOf: le32(UInt32(f.count + f.count % 2)))
                out.append(contentsOf: f)
                if f.count % 2 == 1 { out.append(0) }
            }
            appendTag(.sequenceDelimitation, &out); out.append(contentsOf: le32(0))
        case .bytes(let raw):
            var vr = e.vr
            let padded = raw.count + raw.count % 2
            guard padded < 0xFFFF_FFFF else {
                throw DICOMError(.writeFailed, "value of \(raw.count) bytes is too long for a DICOM element", tag: e.tag)
            }
            // Short-length VRs hold at most 65534 bytes; longer values can only be written as UN (PS3.5 6.2.2).
            if !vr.hasLongLength && padded > 0xFFFE { vr = .UN }
            header(e.tag, vr, UInt32(padded), into: &out)
            var word = e.vr.wordSize
            if e.tag == .pixelData, let bits = ds.int(.bitsAllocated), bits >= 16 {
                // Big endian pixel cells are swapped whole (32-bit doses as 4 bytes), as the reader decodes them.
                word = bits / 8
            }
            if !ds.isLittleEndian && word > 1 && raw.count % word == 0 {
                let start = out.count
                out.append(contentsOf: raw)
                var i = start
                let swapWord = e.vr == .AT ? 2 : word
                while i < out.count {
                    out[i..<(i + swapWord)].reverse()
                    i += swapWord
                }
            } else {
                out.append(contentsOf: raw)
            }
            if raw.count % 2 == 1 { out.append(e.vr.paddingByte) }
        }
    }

    static func header(_ tag: Tag, _ vr: VR, _ length: UInt32, into out: inout [UInt8]) {
        appendTag(tag, &out)
        let v = Array(vr.rawValue.utf8)
        out.append(v[0]); out.append(v[1])
        if vr.hasLongLength {
            out.append(0); out.append(0)
            out.append(contentsOf: le32(length))
        } else {
            out.append(UInt8(length & 0xFF)); out.append(UInt8(length >> 8))
        }
    }

    @inline(__always) static func appendTag(_ t: Tag, _ out: inout [UInt8]) {
        out.append(UInt8(t.group & 0xFF)); out.append(UInt8(t.group >> 8))
        out.append(UInt8(t.element & 0xFF)); out.append(UInt8(t.element >> 8))
    }

    static func estimatedSize(_ ds: DataSet) -> Int {
        ds.elements.reduce(0) { $0 + $1.valueLength + 12 }
    }
}

@inline(__always) func le32(_ v: UInt32) -> [UInt8] {
    [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)]
}

/// Writes bytes to a temporary name beside `path`, flushes, then renames over `path` (POSIX rename is
/// atomic), so a crash never leaves a partial file under the real name. `mode` is the new file's permission.
public func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws {
    let dir = (path as NSString).deletingLastPathComponent
    let tmp = (dir.isEmpty ? "." : dir) + "/.\((path as NSString).lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
    let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, mode)
    guard fd >= 0 else { throw DICOMError(.writeFailed, String(cString: strerror(errno)), file: path) }
    var done = 0
    let ok: Bool = bytes.withUnsafeBytes { p in
        while done < bytes.count {
            let n = Foundation.write(fd, p.baseAddress! + done, bytes.count - done)
            if n < 0 { if errno == EINTR { continue }; return false }
            done += n
        }
        return fsync(fd) == 0
    }
    let err = errno
    close(fd)
    guard ok else { unlink(tmp); throw DICOMError(.writeFailed, String(cString: strerror(err)), file: path) }
    guard rename(tmp, path) == 0 else {
        let e = errno; unlink(tmp)
        throw DICOMError(.writeFailed, String(cString: strerror(e)), file: path)
    }
}
