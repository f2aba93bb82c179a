import AnchorDICOM
import Foundation

/// What the network needs of a Part 10 file (PS3.10 7.1): where its data set starts, which syntax
/// it is in, and the file meta group an SCP writes before received bytes.
public enum Part10 {
    /// The byte offset of the data set after the preamble, `DICM` and the file meta group (group 0002,
    /// explicit VR little endian, PS3.10 7.1), or 0 for a bare data set.
    public static func dataSetOffset(_ bytes: [UInt8]) -> Int {
        var pos = 0
        if bytes.count >= 132, bytes[128] == 0x44, bytes[129] == 0x49, bytes[130] == 0x43, bytes[131] == 0x4D {
            pos = 132
        } else if bytes.count >= 4, bytes[0] == 0x44, bytes[1] == 0x49, bytes[2] == 0x43, bytes[3] == 0x4D {
            pos = 4
        }
        while bytes.count - pos >= 8, bytes[pos] == 0x02, bytes[pos + 1] == 0x00 {
            let explicit = VR(byte0: bytes[pos + 4], byte1: bytes[pos + 5]) != nil
            var length: Int
            var header: Int
            if explicit, let vr = VR(byte0: bytes[pos + 4], byte1: bytes[pos + 5]) {
                if vr.hasLongLength {
                    guard bytes.count - pos >= 12 else { return pos }
                    length = Int(UInt32(bytes[pos + 8]) | UInt32(bytes[pos + 9]) << 8 | UInt32(bytes[pos + 10]) << 16 | UInt32(bytes[pos + 11]) << 24)
                    header = 12
                } else {
                    length = Int(UInt16(bytes[pos + 6]) | UInt16(bytes[pos + 7]) << 8)
                    header = 8
                }
            } else {
                length = Int(UInt32(bytes[pos + 4]) | UInt32(bytes[pos + 5]) << 8 | UInt32(bytes[pos + 6]) << 16 | UInt32(bytes[pos + 7]) << 24)
                header = 8
            }
            guard length != 0xFFFF_FFFF, pos + header + length <= bytes.count else { return pos }
            pos += header + length
        }
        return pos
    }

    /// Preamble, `DICM` and a file meta group for an object received over the network (PS3.10 7.1):
    /// the SOP class and instance from the C-STORE request, the presentation context's transfer
    /// syntax, Anchor's implementation UID and the sending AE title (0002,0016).
    public static func fileHeader(sopClass: String, sopInstance: String, transferSyntax: String, sourceAETitle: String) -> [UInt8] {
        var meta: [UInt8] = []
        func element(_ elementNumber: UInt16, _ vr: String, _ value: [UInt8]) {
            meta += [0x02, 0x00, UInt8(elementNumber & 0xFF), UInt8(elementNumber >> 8)]
            meta += Array(vr.utf8)
            if vr == "OB" {
                meta += [0, 0] + le32(UInt32(value.count))
            } else {
                meta += [UInt8(value.count & 0xFF), UInt8(value.count >> 8)]
            }
            meta += value
        }
        func text(_ s: String, pad: UInt8) -> [UInt8] {
            var b = Array(s.utf8)
            if b.count % 2 == 1 { b.append(pad) }
            return b
        }
        element(0x0001, "OB", [0x00, 0x01])
        element(0x0002, "UI", text(sopClass, pad: 0))
        element(0x0003, "UI", text(sopInstance, pad: 0))
        element(0x0010, "UI", text(transferSyntax, pad: 0))
        element(0x0012, "UI", text(DICOMWriter.implementationClassUID, pad: 0))
        element(0x0013, "SH", text(DICOMWriter.implementationVersionName, pad: 0x20))
        if !sourceAETitle.isEmpty { element(0x0016, "AE", text(String(sourceAETitle.prefix(16)), pad: 0x20)) }
        var out = [UInt8](repeating: 0, count: 128) + Array("DICM".utf8)
        out += [0x02, 0x00, 0x00, 0x00] + Array("UL".utf8) + [4, 0] + le32(UInt32(meta.count))
        return out + meta
    }

    static func le32(_ v: UInt32) -> [UInt8] {
        [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)]
    }

    /// The data set of `file` encoded in another uncompressed little endian syntax: explicit VR (PS3.5
    /// A.2, through AnchorDICOM's writer, which also swaps big endian values) or implicit VR (PS3.5 A.1,
    /// where the VR is left out and every length is four bytes).
    public static func transcode(_ file: DICOMFile, to syntax: String) throws -> [UInt8] {
        guard !file.transferSyntax.isEncapsulated else {
            throw NetworkError(.noPresentationContext, "an encapsulated (compressed) object is sent only in its own transfer syntax",
                               concerns: file.path)
        }
        var explicit: [UInt8] = []
        try DICOMWriter.encodeDataSet(file.dataSet, into: &explicit)
        if syntax == NetworkTransferSyntax.explicitVRLittleEndian { return explicit }
        guard syntax == NetworkTransferSyntax.implicitVRLittleEndian else {
            throw NetworkError(.noPresentationContext, "cannot convert to transfer syntax \(syntax)", concerns: file.path)
        }
        // Re-read the explicit little endian bytes so every value is little endian, then drop the VRs.
        var header = [UInt8](repeating: 0, count: 128) + Array("DICM".utf8)
        header += [0x02, 0x00, 0x10, 0x00] + Array("UI".utf8)
        let ts = Array(NetworkTransferSyntax.explicitVRLittleEndian.utf8) + [0]
        header += [UInt8(ts.count), 0] + ts
        let littleEndian = try DICOMFile(bytes: header + explicit, path: file.path)
        var out: [UInt8] = []
        out.reserveCapacity(explicit.count)
        encodeImplicit(littleEndian.dataSet, into: &out)
        return out
    }

    private static func encodeImplicit(_ ds: DataSet, into out: inout [UInt8]) {
        func tag(_ t: Tag) { out += [UInt8(t.group & 0xFF), UInt8(t.group >> 8), UInt8(t.element & 0xFF), UInt8(t.element >> 8)] }
        for e in ds.elements where !e.tag.isGroupLength && e.tag.group != 0x0002 {
            switch e.value {
            case .bytes(let raw):
                tag(e.tag)
                out += le32(UInt32(raw.count + raw.count % 2))
                out += raw
                if raw.count % 2 == 1 { out.append(e.vr.paddingByte) }
            case .sequence(let items):
                // Undefined length sequence and items, with delimiters (PS3.5 7.5.1, 7.5.2).
                tag(e.tag); out += le32(0xFFFF_FFFF)
                for item in items {
                    tag(.item); out += le32(0xFFFF_FFFF)
                    encodeImplicit(item, into: &out)
                    tag(.itemDelimitation); out += le32(0)
                }
                tag(.sequenceDelimitation); out += le32(0)
            case .fragments:
                break // not reached: encapsulated data is refused above
            }
        }
    }
}

/// A Part 10 file ready to send: its SOP class and instance, its syntax, and where its data set starts.
public struct OutgoingObject: Sendable {
    public var path: String
    public var sopClassUID: String
    public var sopInstanceUID: String
    public var transferSyntax: String
    /// The whole file's bytes.
    public var bytes: [UInt8]
    /// Offset of the data set in `bytes`.
    public var dataSetOffset: Int

    /// Reads and checks a file: it must parse as DICOM and name its SOP class and instance.
    public init(path: String) throws {
        let bytes: [UInt8]
        let file: DICOMFile
        do {
            bytes = try readFileBytes(path)
            file = try DICOMFile(bytes: bytes, path: path)
        } catch let e as DICOMError {
            throw NetworkError(.fileError, e.message, concerns: path)
        }
        guard let cls = file.sopClassUID, !cls.isEmpty else {
            throw NetworkError(.fileError, "no SOP Class UID (0008,0016): not a storable DICOM object", concerns: path)
        }
        guard let inst = file.sopInstanceUID, !inst.isEmpty else {
            throw NetworkError(.fileError, "no SOP Instance UID (0008,0018)", concerns: path)
        }
        self.path = path
        self.sopClassUID = cls
        self.sopInstanceUID = inst
        self.transferSyntax = file.transferSyntax.uid
        self.bytes = bytes
        self.dataSetOffset = Part10.dataSetOffset(bytes)
    }

    /// The data set's bytes in `syntax`: the file's own bytes when it is the file's syntax, otherwise
    /// converted between the uncompressed little endian syntaxes.
    public func dataSet(in syntax: String) throws -> ArraySlice<UInt8> {
        if syntax == transferSyntax { return bytes[dataSetOffset...] }
        do {
            return try Part10.transcode(try DICOMFile(bytes: bytes, path: path), to: syntax)[...]
        } catch let e as DICOMError {
            throw NetworkError(.fileError, e.message, concerns: path)
        }
    }

    /// Transfer syntaxes to propose for this object, its own first: an uncompressed object can also
    /// go in the other little endian syntaxes; a compressed or deflated one only as it is.
    public var proposedSyntaxes: [String] {
        let ts = TransferSyntax(uid: transferSyntax)
        if ts.isEncapsulated || ts.isDeflated { return [transferSyntax] }
        return [transferSyntax] + NetworkTransferSyntax.uncompressed.filter { $0 != transferSyntax }
    }
}
