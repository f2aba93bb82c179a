import NIOCore

/// A DIMSE command set (PS3.7 section 9.3, E.1): group 0000 elements, always encoded in implicit VR
/// little endian whatever the presentation context's transfer syntax (PS3.7 6.3.1).
public struct CommandSet: Sendable, Equatable {
    /// Command Field values (PS3.7 Table E.1-1, 9.3.1.1 and 9.3.5.1).
    public enum Field: UInt16, Sendable {
        case cStoreRequest = 0x0001
        case cStoreResponse = 0x8001
        case cEchoRequest = 0x0030
        case cEchoResponse = 0x8030
    }

    /// (0000,0800) value meaning no data set follows (PS3.7 Table E.1-1).
    public static let noDataSet: UInt16 = 0x0101

    /// Elements by tag number (element part of group 0000): numbers or UIDs/text.
    public private(set) var numbers: [UInt16: UInt16] = [:]
    public private(set) var texts: [UInt16: String] = [:]

    public init() {}

    // Element numbers of group 0000 (PS3.7 Table E.1-1).
    static let affectedSOPClassUID: UInt16 = 0x0002
    static let commandFieldTag: UInt16 = 0x0100
    static let messageIDTag: UInt16 = 0x0110
    static let respondedToTag: UInt16 = 0x0120
    static let moveOriginatorAETag: UInt16 = 0x1030
    static let priorityTag: UInt16 = 0x0700
    static let dataSetTypeTag: UInt16 = 0x0800
    static let statusTag: UInt16 = 0x0900
    static let errorCommentTag: UInt16 = 0x0902
    static let affectedSOPInstanceUID: UInt16 = 0x1000

    public var commandField: UInt16? { numbers[Self.commandFieldTag] }
    public var messageID: UInt16? { numbers[Self.messageIDTag] }
    public var messageIDBeingRespondedTo: UInt16? { numbers[Self.respondedToTag] }
    public var status: UInt16? { numbers[Self.statusTag] }
    public var hasDataSet: Bool { (numbers[Self.dataSetTypeTag] ?? Self.noDataSet) != Self.noDataSet }
    public var affectedSOPClass: String? { texts[Self.affectedSOPClassUID] }
    public var affectedSOPInstance: String? { texts[Self.affectedSOPInstanceUID] }
    public var errorComment: String? { texts[Self.errorCommentTag] }

    public mutating func set(_ element: UInt16, number: UInt16) { numbers[element] = number }
    public mutating func set(_ element: UInt16, text: String) { texts[element] = text }

    /// C-ECHO-RQ (PS3.7 9.3.5.1).
    public static func echoRequest(messageID: UInt16) -> CommandSet {
        var c = CommandSet()
        c.set(affectedSOPClassUID, text: DICOMUID.verification)
        c.set(commandFieldTag, number: Field.cEchoRequest.rawValue)
        c.set(messageIDTag, number: messageID)
        c.set(dataSetTypeTag, number: noDataSet)
        return c
    }

    /// C-STORE-RQ (PS3.7 9.3.1.1); priority medium (0).
    public static func storeRequest(messageID: UInt16, sopClass: String, sopInstance: String) -> CommandSet {
        var c = CommandSet()
        c.set(affectedSOPClassUID, text: sopClass)
        c.set(commandFieldTag, number: Field.cStoreRequest.rawValue)
        c.set(messageIDTag, number: messageID)
        c.set(priorityTag, number: 0)
        c.set(dataSetTypeTag, number: 0x0000)
        c.set(affectedSOPInstanceUID, text: sopInstance)
        return c
    }

    /// A response (PS3.7 9.3.1.2, 9.3.5.2): the request's command field with bit 15 set, the same
    /// affected SOP class and instance, and a status (PS3.7 Annex C).
    public static func response(to request: CommandSet, status: UInt16, errorComment: String? = nil) -> CommandSet {
        var c = CommandSet()
        if let cls = request.affectedSOPClass { c.set(affectedSOPClassUID, text: cls) }
        c.set(commandFieldTag, number: (request.commandField ?? 0) | 0x8000)
        c.set(respondedToTag, number: request.messageID ?? 0)
        c.set(dataSetTypeTag, number: noDataSet)
        c.set(statusTag, number: status)
        if let inst = request.affectedSOPInstance { c.set(affectedSOPInstanceUID, text: inst) }
        if let errorComment, status != 0 { c.set(errorCommentTag, text: String(errorComment.prefix(64))) }
        return c
    }

    /// Implicit VR little endian bytes, Command Group Length (0000,0000) first (PS3.7 E.1).
    public func encoded() -> ByteBuffer {
        var body = ByteBuffer()
        let tags = Set(numbers.keys).union(texts.keys).sorted()
        for t in tags {
            body.writeInteger(UInt16(0), endianness: .little)
            body.writeInteger(t, endianness: .little)
            if let n = numbers[t] {
                body.writeInteger(UInt32(2), endianness: .little)
                body.writeInteger(n, endianness: .little)
            } else if let s = texts[t] {
                var bytes = Array(s.utf8)
                // UI values are padded with NUL, text with a space, to an even length (PS3.5 6.2).
                if bytes.count % 2 == 1 { bytes.append(t == Self.affectedSOPClassUID || t == Self.affectedSOPInstanceUID ? 0 : 0x20) }
                body.writeInteger(UInt32(bytes.count), endianness: .little)
                body.writeBytes(bytes)
            }
        }
        var out = ByteBuffer()
        out.writeInteger(UInt32(0), endianness: .little)   // (0000,0000) tag
        out.writeInteger(UInt32(4), endianness: .little)
        out.writeInteger(UInt32(body.readableBytes), endianness: .little)
        out.writeBuffer(&body)
        return out
    }

    /// Decodes a command set. Elements are read as the data dictionary types them: US for the
    /// numbers above, text for the rest; unknown elements are kept as text.
    public init(decoding buffer: ByteBuffer) throws {
        var b = buffer
        while b.readableBytes > 0 {
            guard let group: UInt16 = b.readInteger(endianness: .little), let element: UInt16 = b.readInteger(endianness: .little),
                  let length: UInt32 = b.readInteger(endianness: .little), Int(length) <= b.readableBytes,
                  let value = b.readSlice(length: Int(length)) else {
                throw NetworkError(.dimseError, "command set element runs past the end of the command (PS3.7 6.3.1)")
            }
            guard group == 0x0000 else {
                throw NetworkError(.dimseError, "command set holds an element outside group 0000 (\(group))")
            }
            switch element {
            case 0x0000: continue
            case Self.commandFieldTag, Self.messageIDTag, Self.respondedToTag, Self.priorityTag, Self.dataSetTypeTag, Self.statusTag,
                 0x1031 /* Move Originator Message ID */:
                guard length == 2, let n: UInt16 = value.getInteger(at: value.readerIndex, endianness: .little) else {
                    throw NetworkError(.dimseError, "command element (0000,\(String(element, radix: 16))) is not a 2-byte US value")
                }
                numbers[element] = n
            default:
                texts[element] = (value.getString(at: value.readerIndex, length: value.readableBytes) ?? "").trimmingCharacters(in: "\0 ")
            }
        }
    }
}

/// DIMSE status codes Anchor sends or reads (PS3.7 Annex C, PS3.4 B.2.3).
public enum DIMSEStatus {
    public static let success: UInt16 = 0x0000
    /// Refused: SOP Class not supported (PS3.7 C.5.8).
    public static let sopClassNotSupported: UInt16 = 0x0122
    /// Unrecognised operation (PS3.7 C.5.10).
    public static let unrecognisedOperation: UInt16 = 0x0211
    /// Refused: out of resources (PS3.4 B.2.3).
    public static let outOfResources: UInt16 = 0xA700
    /// Error: cannot understand (PS3.4 B.2.3).
    public static let cannotUnderstand: UInt16 = 0xC000

    /// Success, or a warning (0001, Bxxx): the object was stored (PS3.7 C.1, C.3).
    public static func isSuccessOrWarning(_ s: UInt16) -> Bool { s == 0 || s == 0x0001 || (s & 0xF000) == 0xB000 }
}
