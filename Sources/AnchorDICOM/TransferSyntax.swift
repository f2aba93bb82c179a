/// A transfer syntax: how a data set is encoded (DICOM PS3.5 section 10 and Annex A).
public struct TransferSyntax: Hashable, Sendable {
    public let uid: String
    public let isExplicitVR: Bool
    public let isLittleEndian: Bool
    /// Deflated Explicit VR Little Endian (PS3.5 A.5): the data set after the meta group is raw deflate (RFC 1951).
    public let isDeflated: Bool
    /// Pixel data in fragments (PS3.5 A.4): RLE, JPEG family, JPEG 2000, ...
    public let isEncapsulated: Bool

    public init(uid: String, isExplicitVR: Bool, isLittleEndian: Bool, isDeflated: Bool = false, isEncapsulated: Bool = false) {
        self.uid = uid
        self.isExplicitVR = isExplicitVR
        self.isLittleEndian = isLittleEndian
        self.isDeflated = isDeflated
        self.isEncapsulated = isEncapsulated
    }

    public static let implicitVRLittleEndian = TransferSyntax(uid: "1.2.840.10008.1.2", isExplicitVR: false, isLittleEndian: true)
    public static let explicitVRLittleEndian = TransferSyntax(uid: "1.2.840.10008.1.2.1", isExplicitVR: true, isLittleEndian: true)
    public static let deflatedExplicitVRLittleEndian = TransferSyntax(uid: "1.2.840.10008.1.2.1.99", isExplicitVR: true, isLittleEndian: true, isDeflated: true)
    public static let explicitVRBigEndian = TransferSyntax(uid: "1.2.840.10008.1.2.2", isExplicitVR: true, isLittleEndian: false)
    public static let rleLossless = TransferSyntax(uid: "1.2.840.10008.1.2.5", isExplicitVR: true, isLittleEndian: true, isEncapsulated: true)

    /// The transfer syntax for a UID. Unknown UIDs under 1.2.840.10008.1.2.4 (JPEG family) and other
    /// unknown ones are taken as encapsulated explicit VR little endian, as every compressed syntax is (PS3.5 A.4).
    public init(uid raw: String) {
        let uid = raw.trimmingDICOMPadding()
        switch uid {
        case TransferSyntax.implicitVRLittleEndian.uid: self = .implicitVRLittleEndian
        case TransferSyntax.explicitVRLittleEndian.uid: self = .explicitVRLittleEndian
        case TransferSyntax.deflatedExplicitVRLittleEndian.uid, "1.2.840.10008.1.2.8.1": // 8.1 = JPIP Referenced Deflate
            self = TransferSyntax(uid: uid, isExplicitVR: true, isLittleEndian: true, isDeflated: true)
        case TransferSyntax.explicitVRBigEndian.uid: self = .explicitVRBigEndian
        default:
            self = TransferSyntax(uid: uid, isExplicitVR: true, isLittleEndian: true, isEncapsulated: true)
        }
    }

    /// The standard's name for the syntax, from the data dictionary.
    public var name: String { DataDictionary.uidName(uid) ?? "Unknown transfer syntax" }
}

extension String {
    /// Removes trailing spaces and NULs and leading spaces (PS3.5 section 6.2 padding rules).
    public func trimmingDICOMPadding() -> String {
        var s = Substring(self)
        while let last = s.last, last == " " || last == "\0" { s.removeLast() }
        while let first = s.first, first == " " { s.removeFirst() }
        return String(s)
    }
}
