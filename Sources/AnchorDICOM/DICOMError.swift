/// The one error type of AnchorDICOM: what went wrong, where in which file, at which tag.
public struct DICOMError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        case fileNotFound = "file_not_found"
        case ioError = "io_error"
        case notDICOM = "not_dicom"
        case truncated = "truncated"
        case lengthPastEnd = "length_past_end"
        case invalidVR = "invalid_vr"
        case missingDelimiter = "missing_delimiter"
        case nestingTooDeep = "nesting_too_deep"
        case invalidItem = "invalid_item"
        case unsupportedTransferSyntax = "unsupported_transfer_syntax"
        case decodeFailed = "decode_failed"
        case invalidValue = "invalid_value"
        case writeFailed = "write_failed"
        /// A size declared or produced by the input is above a `ResourceLimits` value, or above what the
        /// input holds: refused before it was allocated.
        case limitExceeded = "limit_exceeded"
        /// A zip archive that is damaged, or uses what the reader refuses (overlapping entries, unsafe
        /// names, encryption, ZIP64).
        case invalidArchive = "invalid_archive"
    }

    public var code: Code
    public var message: String
    /// Path of the file, when the bytes came from one.
    public var file: String?
    /// Byte offset in the file (after the preamble is counted; in the inflated stream for deflated files).
    public var offset: Int?
    public var tag: Tag?

    public init(_ code: Code, _ message: String, file: String? = nil, offset: Int? = nil, tag: Tag? = nil) {
        self.code = code
        self.message = message
        self.file = file
        self.offset = offset
        self.tag = tag
    }

    public var description: String {
        var parts: [String] = []
        if let file { parts.append(file) }
        if let offset { parts.append("byte \(offset)") }
        if let tag { parts.append("tag \(tag)") }
        let place = parts.isEmpty ? "" : parts.joined(separator: ", ") + ": "
        return place + message
    }
}
