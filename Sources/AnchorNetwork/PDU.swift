import NIOCore

/// A protocol data unit of the DICOM upper layer (PS3.8 section 9.3). Every PDU starts with a one-byte
/// type, a reserved byte and a four-byte big endian length of what follows (PS3.8 9.3.1).
public enum PDU: Sendable, Equatable {
    case associateRequest(AssociateRequest)
    case associateAccept(AssociateAccept)
    case associateReject(AssociateReject)
    /// P-DATA-TF (PS3.8 9.3.5): one or more presentation data values.
    case data([PresentationDataValue])
    case releaseRequest
    case releaseResponse
    case abort(Abort)

    /// PDU types (PS3.8 Table 9-11 and following).
    enum Kind: UInt8 {
        case associateRequest = 0x01, associateAccept = 0x02, associateReject = 0x03
        case data = 0x04, releaseRequest = 0x05, releaseResponse = 0x06, abort = 0x07
    }
}

/// A presentation context as proposed in an A-ASSOCIATE-RQ (PS3.8 9.3.2.2).
public struct ProposedContext: Sendable, Equatable {
    /// Odd number 1-255 (PS3.8 9.3.2.2).
    public var id: UInt8
    public var abstractSyntax: String
    public var transferSyntaxes: [String]

    public init(id: UInt8, abstractSyntax: String, transferSyntaxes: [String]) {
        self.id = id
        self.abstractSyntax = abstractSyntax
        self.transferSyntaxes = transferSyntaxes
    }
}

/// The answer to one proposed presentation context in an A-ASSOCIATE-AC (PS3.8 9.3.3.2, Table 9-18).
public struct AcceptedContext: Sendable, Equatable {
    /// Result/Reason field values (PS3.8 Table 9-18).
    public enum Result: UInt8, Sendable {
        case acceptance = 0
        case userRejection = 1
        case noReason = 2
        case abstractSyntaxNotSupported = 3
        case transferSyntaxesNotSupported = 4
    }
    public var id: UInt8
    public var result: Result
    /// The chosen transfer syntax; meaningful only on acceptance (PS3.8 9.3.3.2).
    public var transferSyntax: String

    public init(id: UInt8, result: Result, transferSyntax: String) {
        self.id = id
        self.result = result
        self.transferSyntax = transferSyntax
    }
}

/// The User Information item's sub-items that Anchor reads and writes (PS3.8 9.3.2.3, PS3.7 D.3.3).
public struct UserInformation: Sendable, Equatable {
    /// Maximum length of the P-DATA-TF variable field this side receives; 0 means no limit (PS3.8 D.1.1).
    public var maximumLength: UInt32
    /// Implementation Class UID (PS3.7 D.3.3.2), required.
    public var implementationClassUID: String
    /// Implementation Version Name (PS3.7 D.3.3.2), optional, at most 16 characters.
    public var implementationVersionName: String?

    public init(maximumLength: UInt32, implementationClassUID: String, implementationVersionName: String?) {
        self.maximumLength = maximumLength
        self.implementationClassUID = implementationClassUID
        self.implementationVersionName = implementationVersionName
    }
}

/// A-ASSOCIATE-RQ (PS3.8 9.3.2).
public struct AssociateRequest: Sendable, Equatable {
    public var calledAETitle: String
    public var callingAETitle: String
    public var applicationContext: String
    public var contexts: [ProposedContext]
    public var userInformation: UserInformation

    public init(calledAETitle: String, callingAETitle: String, applicationContext: String = DICOMUID.applicationContext,
                contexts: [ProposedContext], userInformation: UserInformation) {
        self.calledAETitle = calledAETitle
        self.callingAETitle = callingAETitle
        self.applicationContext = applicationContext
        self.contexts = contexts
        self.userInformation = userInformation
    }
}

/// A-ASSOCIATE-AC (PS3.8 9.3.3).
public struct AssociateAccept: Sendable, Equatable {
    public var calledAETitle: String
    public var callingAETitle: String
    public var applicationContext: String
    public var contexts: [AcceptedContext]
    public var userInformation: UserInformation
}

/// A-ASSOCIATE-RJ (PS3.8 9.3.4, Table 9-21).
public struct AssociateReject: Sendable, Equatable, CustomStringConvertible {
    /// 1 rejected-permanent, 2 rejected-transient.
    public var result: UInt8
    /// 1 DICOM UL service-user, 2 service-provider (ACSE), 3 service-provider (presentation).
    public var source: UInt8
    public var reason: UInt8

    public init(result: UInt8, source: UInt8, reason: UInt8) {
        self.result = result
        self.source = source
        self.reason = reason
    }

    /// Called AE title not recognised (PS3.8 Table 9-21: source 1, reason 7).
    public static let calledAENotRecognised = AssociateReject(result: 1, source: 1, reason: 7)
    /// Calling AE title not recognised (source 1, reason 3).
    public static let callingAENotRecognised = AssociateReject(result: 1, source: 1, reason: 3)
    /// Application context name not supported (source 1, reason 2).
    public static let applicationContextNotSupported = AssociateReject(result: 1, source: 1, reason: 2)
    /// Protocol version not supported (source 2, reason 2).
    public static let protocolVersionNotSupported = AssociateReject(result: 1, source: 2, reason: 2)
    /// Local limit exceeded: too many associations (source 3, reason 2), transient.
    public static let localLimitExceeded = AssociateReject(result: 2, source: 3, reason: 2)

    /// The reason in the standard's words (PS3.8 Table 9-21).
    public var description: String {
        let kind = result == 2 ? "transient" : "permanent"
        let why: String
        switch (source, reason) {
        case (1, 1): why = "no reason given"
        case (1, 2): why = "application context name not supported"
        case (1, 3): why = "calling AE title not recognised"
        case (1, 7): why = "called AE title not recognised"
        case (2, 1): why = "no reason given (ACSE)"
        case (2, 2): why = "protocol version not supported"
        case (3, 1): why = "temporary congestion"
        case (3, 2): why = "local limit exceeded"
        default: why = "source \(source), reason \(reason)"
        }
        return "\(why) (\(kind) rejection)"
    }
}

/// A-ABORT (PS3.8 9.3.8, Table 9-26).
public struct Abort: Sendable, Equatable, CustomStringConvertible {
    /// 0 DICOM UL service-user, 2 service-provider.
    public var source: UInt8
    /// For the provider: 0 not specified, 1 unrecognised PDU, 2 unexpected PDU, 4 unrecognised PDU
    /// parameter, 5 unexpected PDU parameter, 6 invalid PDU parameter value.
    public var reason: UInt8

    public init(source: UInt8, reason: UInt8) {
        self.source = source
        self.reason = reason
    }

    public static let byUser = Abort(source: 0, reason: 0)
    public static let unexpectedPDU = Abort(source: 2, reason: 2)
    public static let unrecognisedPDU = Abort(source: 2, reason: 1)
    public static let invalidParameter = Abort(source: 2, reason: 6)

    public var description: String {
        if source == 0 { return "aborted by the peer application" }
        switch reason {
        case 1: return "aborted: unrecognised PDU"
        case 2: return "aborted: unexpected PDU"
        case 4: return "aborted: unrecognised PDU parameter"
        case 5: return "aborted: unexpected PDU parameter"
        case 6: return "aborted: invalid PDU parameter value"
        default: return "aborted by the service provider"
        }
    }
}

/// One presentation data value item of a P-DATA-TF (PS3.8 9.3.5.1 and Annex E.2): a fragment of a
/// DIMSE command or data set on one presentation context.
public struct PresentationDataValue: Sendable, Equatable {
    public var contextID: UInt8
    /// Message control header bit 0 (PS3.8 E.2).
    public var isCommand: Bool
    /// Message control header bit 1: the last fragment of this command or data set.
    public var isLast: Bool
    public var data: ByteBuffer

    public init(contextID: UInt8, isCommand: Bool, isLast: Bool, data: ByteBuffer) {
        self.contextID = contextID
        self.isCommand = isCommand
        self.isLast = isLast
        self.data = data
    }
}
