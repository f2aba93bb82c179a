/// The one error type of AnchorNetwork: what went wrong with which peer or association.
public struct NetworkError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        /// The TCP connection could not be made or was lost.
        case connectionFailed = "connection_failed"
        /// The peer rejected the association (A-ASSOCIATE-RJ, PS3.8 9.3.4).
        case associationRejected = "association_rejected"
        /// The association was aborted by either side (A-ABORT, PS3.8 9.3.8).
        case aborted = "aborted"
        /// A PDU broke PS3.8 section 9: wrong type, bad lengths, a field out of range.
        case protocolError = "protocol_error"
        /// A PDU longer than the maximum length negotiated (PS3.8 D.1).
        case pduTooLarge = "pdu_too_large"
        /// No acceptable presentation context for what was to be sent (PS3.8 9.3.3.2).
        case noPresentationContext = "no_presentation_context"
        /// A DIMSE message could not be read or answered as PS3.7 section 9 describes.
        case dimseError = "dimse_error"
        /// The peer answered a C-STORE or C-ECHO with a failure status (PS3.7 C).
        case failureStatus = "failure_status"
        /// ARTIM or idle timer expired (PS3.8 9.1.5).
        case timeout = "timeout"
        /// A file to send could not be read, or a received object could not be written.
        case fileError = "file_error"
        /// Bad configuration: an AE title too long, a port out of range.
        case invalidConfiguration = "invalid_configuration"
    }

    public var code: Code
    public var message: String
    /// What the error concerns: `HOST:PORT`, an AE title, a file path, a SOP Instance UID.
    public var concerns: String?
    /// The DIMSE status the peer answered, for `failureStatus`.
    public var status: UInt16?

    public init(_ code: Code, _ message: String, concerns: String? = nil, status: UInt16? = nil) {
        self.code = code
        self.message = message
        self.concerns = concerns
        self.status = status
    }

    public var description: String {
        (concerns.map { "\($0): " } ?? "") + message
    }
}
