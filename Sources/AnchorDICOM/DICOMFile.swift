import Foundation

/// A DICOM Part 10 file (PS3.10 section 7): optional 128-byte preamble and `DICM`, the file meta
/// information (group 0002, always explicit VR little endian), then the data set in the transfer syntax.
///
/// Also reads what real systems write that strays from that: no preamble, no meta group at all (read as
/// implicit VR little endian unless the bytes show explicit VR, as pydicom does with `force=True`), a meta
/// group without Transfer Syntax UID (CMS Monaco), and a meta group that claims explicit VR over implicit data.
public struct DICOMFile: Sendable {
    public var path: String?
    /// The 128-byte preamble, when the file had one.
    public var preamble: [UInt8]?
    /// File meta information (group 0002); empty when the file had none.
    public var meta: DataSet
    public var dataSet: DataSet
    /// The syntax the data set was actually read with.
    public var transferSyntax: TransferSyntax
    /// Things read that were not as the standard says, but were recovered from.
    public var warnings: [String]

    public init(meta: DataSet, dataSet: DataSet, transferSyntax: TransferSyntax, path: String? = nil) {
        self.meta = meta
        self.dataSet = dataSet
        self.transferSyntax = transferSyntax
        self.path = path
        self.preamble = nil
        self.warnings = []
    }

    /// Reads a file from disk.
    public static func read(path: String, limits: ResourceLimits = .default) throws -> DICOMFile {
        try DICOMFile(bytes: try readFileBytes(path), path: path, limits: limits)
    }

    /// Parses the bytes of a Part 10 file (or of a bare data set). `limits` bounds the nesting of
    /// sequences and the size a deflated data set may expand to.
    public init(bytes: [UInt8], path: String? = nil, limits: ResourceLimits = .default) throws {
        self.path = path
        warnings = []
        let parser = DataSetParser(bytes: bytes, path: path, maxDepth: limits.maxSequenceDepth)
        var pos = 0
        if bytes.count >= 132, bytes[128] == 0x44, bytes[129] == 0x49, bytes[130] == 0x43, bytes[131] == 0x4D {
            preamble = Array(bytes[0..<128])
            pos = 132
        } else if bytes.count >= 4, bytes[0] == 0x44, bytes[1] == 0x49, bytes[2] == 0x43, bytes[3] == 0x4D {
            preamble = nil
            pos = 4
            warnings.append("no 128-byte preamble before DICM")
        } else {
            preamble = nil
        }
        // File meta group: explicit VR little endian (PS3.10 7.1), implicit in some old writers.
        if bytes.count - pos >= 8, parser.u16(pos, true) == 0x0002 {
            let metaExplicit = parser.hasVR(at: pos + 4)
            if !metaExplicit { warnings.append("file meta group in implicit VR") }
            meta = try parser.parseElements(pos: &pos, end: bytes.count, mode: .metaGroup, explicit: metaExplicit, little: true,
                                            encapsulated: false, depth: 0, charset: .default)
        } else {
            meta = DataSet()
            if preamble == nil && !DICOMFile.looksLikeDataSet(bytes, at: pos) {
                throw DICOMError(.notDICOM, "not a DICOM file: no DICM prefix, no file meta group, and the bytes do not start with a DICOM data element", file: path, offset: pos)
            }
        }

        var syntax: TransferSyntax
        if let uid = meta.string(.transferSyntaxUID) {
            syntax = TransferSyntax(uid: uid)
        } else {
            syntax = DICOMFile.inferSyntax(bytes, at: pos)
            if !meta.isEmpty { warnings.append("file meta group has no Transfer Syntax UID; read as \(syntax.name)") }
        }
        // A meta group that claims explicit VR over data written implicitly (seen in the wild; pydicom tolerates it).
        if syntax.isExplicitVR && syntax.isLittleEndian && !syntax.isDeflated && bytes.count - pos >= 8 && !parser.hasVR(at: pos + 4) {
            warnings.append("transfer syntax \(syntax.uid) says explicit VR but the data is implicit VR; read as implicit")
            syntax = .implicitVRLittleEndian
        }
        transferSyntax = syntax

        if syntax.isDeflated {
            // Raw DEFLATE (PS3.5 A.5), expanded no further than the limits allow for its size: a stream
            // can expand about 1032 times, and a small file must not become hundreds of MB in memory.
            let compressed = bytes.count - pos
            let cap = limits.inflateAllowance(compressedBytes: compressed)
            let inflated: [UInt8]
            do {
                inflated = try Inflater.inflate(bytes[pos...], maxOutput: cap)
            } catch Inflater.Failure.tooLarge(_) {
                throw DICOMError(.limitExceeded, "deflated data set of \(ResourceLimits.describe(bytes: compressed)) expands beyond \(ResourceLimits.describe(bytes: cap)) (limit: at most \(limits.maxInflateRatio) times its compressed size above \(ResourceLimits.describe(bytes: limits.inflateRatioFloorBytes)), never above \(ResourceLimits.describe(bytes: limits.maxInflatedBytes)))", file: path, offset: pos)
            } catch {
                throw DICOMError(.decodeFailed, "deflated data set could not be inflated (\(error))", file: path, offset: pos)
            }
            let p2 = DataSetParser(bytes: inflated, path: path, maxDepth: limits.maxSequenceDepth)
            var q = 0
            dataSet = try p2.parseElements(pos: &q, end: inflated.count, mode: .top, explicit: true, little: true,
                                           encapsulated: false, depth: 0, charset: .default)
        } else {
            dataSet = try parser.parseElements(pos: &pos, end: bytes.count, mode: .top, explicit: syntax.isExplicitVR,
                                               little: syntax.isLittleEndian, encapsulated: syntax.isEncapsulated,
                                               depth: 0, charset: .default)
        }
    }

    /// Transfer syntax guessed from the first element's bytes: explicit VR when a VR is where explicit
    /// VR puts it, big endian when the group number only makes sense byte-swapped; else implicit VR LE.
    static func inferSyntax(_ b: [UInt8], at pos: Int) -> TransferSyntax {
        guard b.count - pos >= 8 else { return .implicitVRLittleEndian }
        let explicit = VR(byte0: b[pos + 4], byte1: b[pos + 5]) != nil
        let groupLE = UInt16(b[pos]) | UInt16(b[pos + 1]) << 8
        let groupBE = UInt16(b[pos]) << 8 | UInt16(b[pos + 1])
        if explicit && groupLE > 0x00FF && groupBE <= 0x00FF { return .explicitVRBigEndian }
        return explicit ? .explicitVRLittleEndian : .implicitVRLittleEndian
    }

    /// A bare data set starts with a small group number (0008 in practice) in either byte order.
    static func looksLikeDataSet(_ b: [UInt8], at pos: Int) -> Bool {
        guard b.count - pos >= 8 else { return false }
        let groupLE = UInt16(b[pos]) | UInt16(b[pos + 1]) << 8
        let groupBE = UInt16(b[pos]) << 8 | UInt16(b[pos + 1])
        return (groupLE >= 0x0002 && groupLE <= 0x0028) || (groupBE >= 0x0002 && groupBE <= 0x0028)
    }

    // MARK: Convenience

    public var sopClassUID: String? { dataSet.string(.sopClassUID) ?? meta.string(.mediaStorageSOPClassUID) }
    public var sopInstanceUID: String? { dataSet.string(.sopInstanceUID) ?? meta.string(.mediaStorageSOPInstanceUID) }
    public var modality: String? { dataSet.string(.modality) }
}

/// Reads a whole file into memory with POSIX calls (about 2x faster than `Data(contentsOf:)` plus a copy
/// to `[UInt8]` here). Throws a `DICOMError` naming the file.
public func readFileBytes(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else {
        let code: DICOMError.Code = errno == ENOENT ? .fileNotFound : .ioError
        throw DICOMError(code, String(cString: strerror(errno)), file: path)
    }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw DICOMError(.ioError, String(cString: strerror(errno)), file: path) }
    if (st.st_mode & S_IFMT) == S_IFDIR { throw DICOMError(.ioError, "is a directory", file: path) }
    let size = Int(st.st_size)
    var failure: Int32 = 0
    let bytes = [UInt8](unsafeUninitializedCapacity: size) { buf, count in
        var done = 0
        while done < size {
            let n = Foundation.read(fd, buf.baseAddress! + done, size - done)
            if n < 0 { if errno == EINTR { continue }; failure = errno; break }
            if n == 0 { break }
            done += n
        }
        count = done
    }
    if failure != 0 { throw DICOMError(.ioError, String(cString: strerror(failure)), file: path) }
    return bytes
}
