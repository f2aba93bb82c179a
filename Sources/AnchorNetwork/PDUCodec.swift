import NIOCore

// Encoding and decoding of PDUs (PS3.8 9.3). All multi-byte integers of the upper layer are big
// endian (PS3.8 9.3.1), unlike DIMSE messages, which are little endian.

extension PDU {
    /// Appends the PDU's bytes to `out`.
    public func encode(into out: inout ByteBuffer) {
        switch self {
        case .associateRequest(let rq):
            out.writeAssociateHeader(kind: .associateRequest, called: rq.calledAETitle, calling: rq.callingAETitle) { body in
                body.writeItem(0x10) { $0.writeString(rq.applicationContext) }
                for pc in rq.contexts {
                    // Presentation Context Item, RQ (PS3.8 9.3.2.2, Table 9-13).
                    body.writeItem(0x20) { item in
                        item.writeInteger(pc.id)
                        item.writeRepeatingByte(0, count: 3)
                        item.writeItem(0x30) { $0.writeString(pc.abstractSyntax) }
                        for ts in pc.transferSyntaxes { item.writeItem(0x40) { $0.writeString(ts) } }
                    }
                }
                body.writeUserInformation(rq.userInformation)
            }
        case .associateAccept(let ac):
            out.writeAssociateHeader(kind: .associateAccept, called: ac.calledAETitle, calling: ac.callingAETitle) { body in
                body.writeItem(0x10) { $0.writeString(ac.applicationContext) }
                for pc in ac.contexts {
                    // Presentation Context Item, AC (PS3.8 9.3.3.2, Table 9-18).
                    body.writeItem(0x21) { item in
                        item.writeInteger(pc.id)
                        item.writeInteger(UInt8(0))
                        item.writeInteger(pc.result.rawValue)
                        item.writeInteger(UInt8(0))
                        item.writeItem(0x40) { $0.writeString(pc.transferSyntax) }
                    }
                }
                body.writeUserInformation(ac.userInformation)
            }
        case .associateReject(let rj):
            out.writeFixedPDU(.associateReject, [0, rj.result, rj.source, rj.reason])
        case .data(let pdvs):
            out.writeInteger(PDU.Kind.data.rawValue)
            out.writeInteger(UInt8(0))
            let length = pdvs.reduce(0) { $0 + 6 + $1.data.readableBytes }
            out.writeInteger(UInt32(length))
            for pdv in pdvs {
                // PDV item (PS3.8 9.3.5.1): length covers the context ID, the header and the fragment.
                out.writeInteger(UInt32(2 + pdv.data.readableBytes))
                out.writeInteger(pdv.contextID)
                out.writeInteger(UInt8((pdv.isCommand ? 1 : 0) | (pdv.isLast ? 2 : 0)))
                var d = pdv.data
                out.writeBuffer(&d)
            }
        case .releaseRequest:
            out.writeFixedPDU(.releaseRequest, [0, 0, 0, 0])
        case .releaseResponse:
            out.writeFixedPDU(.releaseResponse, [0, 0, 0, 0])
        case .abort(let a):
            out.writeFixedPDU(.abort, [0, 0, a.source, a.reason])
        }
    }

    /// Decodes one PDU's body (the bytes after the six-byte header).
    static func decode(kind rawKind: UInt8, body: inout ByteBuffer) throws -> PDU {
        guard let kind = Kind(rawValue: rawKind) else {
            throw NetworkError(.protocolError, "unrecognised PDU type 0x\(String(rawKind, radix: 16))")
        }
        switch kind {
        case .associateRequest, .associateAccept:
            // Protocol version, reserved, called AE, calling AE, 32 reserved bytes (PS3.8 Table 9-11).
            guard let version: UInt16 = body.readInteger(), body.skip(2),
                  let called = body.readString(length: 16), let calling = body.readString(length: 16),
                  body.readableBytes >= 32 else {
                throw NetworkError(.protocolError, "A-ASSOCIATE PDU shorter than its fixed fields")
            }
            body.moveReaderIndex(forwardBy: 32)
            guard version & 1 == 1 else {
                throw NetworkError(.protocolError, "protocol version \(version) does not include version 1 (PS3.8 9.3.2)")
            }
            var applicationContext: String?
            var proposed: [ProposedContext] = []
            var accepted: [AcceptedContext] = []
            var user: UserInformation?
            try body.forEachItem { type, item in
                switch type {
                case 0x10: applicationContext = item.readUID()
                case 0x20 where kind == .associateRequest:
                    guard let id: UInt8 = item.readInteger(), item.readableBytes >= 3 else {
                        throw NetworkError(.protocolError, "presentation context item too short")
                    }
                    item.moveReaderIndex(forwardBy: 3)
                    var abstract: String?
                    var syntaxes: [String] = []
                    try item.forEachItem { sub, value in
                        if sub == 0x30 { abstract = value.readUID() }
                        if sub == 0x40 { syntaxes.append(value.readUID()) }
                    }
                    proposed.append(ProposedContext(id: id, abstractSyntax: abstract ?? "", transferSyntaxes: syntaxes))
                case 0x21 where kind == .associateAccept:
                    guard let id: UInt8 = item.readInteger(), item.skip(1),
                          let result: UInt8 = item.readInteger(), item.readableBytes >= 1 else {
                        throw NetworkError(.protocolError, "presentation context item too short")
                    }
                    item.moveReaderIndex(forwardBy: 1)
                    var syntax = ""
                    try item.forEachItem { sub, value in if sub == 0x40 { syntax = value.readUID() } }
                    accepted.append(AcceptedContext(id: id, result: AcceptedContext.Result(rawValue: result) ?? .noReason, transferSyntax: syntax))
                case 0x50:
                    user = try item.readUserInformation()
                default:
                    break // Unknown items are ignored (PS3.8 9.3.1).
                }
            }
            guard let applicationContext else { throw NetworkError(.protocolError, "A-ASSOCIATE PDU without an application context item") }
            guard let user else { throw NetworkError(.protocolError, "A-ASSOCIATE PDU without a user information item") }
            let calledAE = called.trimmingAETitle(), callingAE = calling.trimmingAETitle()
            if kind == .associateRequest {
                return .associateRequest(AssociateRequest(calledAETitle: calledAE, callingAETitle: callingAE,
                                                          applicationContext: applicationContext, contexts: proposed,
                                                          userInformation: user))
            }
            return .associateAccept(AssociateAccept(calledAETitle: calledAE, callingAETitle: callingAE,
                                                    applicationContext: applicationContext, contexts: accepted,
                                                    userInformation: user))
        case .associateReject:
            guard let bytes = body.readBytes(length: 4) else { throw NetworkError(.protocolError, "A-ASSOCIATE-RJ shorter than 4 bytes") }
            return .associateReject(AssociateReject(result: bytes[1], source: bytes[2], reason: bytes[3]))
        case .data:
            var pdvs: [PresentationDataValue] = []
            while body.readableBytes > 0 {
                guard let length: UInt32 = body.readInteger(), length >= 2, Int(length) <= body.readableBytes,
                      let id: UInt8 = body.readInteger(), let header: UInt8 = body.readInteger(),
                      let data = body.readSlice(length: Int(length) - 2) else {
                    throw NetworkError(.protocolError, "presentation data value item length runs past the end of its P-DATA-TF PDU")
                }
                pdvs.append(PresentationDataValue(contextID: id, isCommand: header & 1 == 1, isLast: header & 2 == 2, data: data))
            }
            if pdvs.isEmpty { throw NetworkError(.protocolError, "P-DATA-TF PDU with no presentation data value") }
            return .data(pdvs)
        case .releaseRequest: return .releaseRequest
        case .releaseResponse: return .releaseResponse
        case .abort:
            guard let bytes = body.readBytes(length: 4) else { throw NetworkError(.protocolError, "A-ABORT shorter than 4 bytes") }
            return .abort(Abort(source: bytes[2], reason: bytes[3]))
        }
    }
}

extension ByteBuffer {
    fileprivate mutating func writeFixedPDU(_ kind: PDU.Kind, _ body: [UInt8]) {
        writeInteger(kind.rawValue)
        writeInteger(UInt8(0))
        writeInteger(UInt32(body.count))
        writeBytes(body)
    }

    /// The A-ASSOCIATE-RQ/AC header (PS3.8 Tables 9-11 and 9-17), then the variable items.
    fileprivate mutating func writeAssociateHeader(kind: PDU.Kind, called: String, calling: String,
                                                   items: (inout ByteBuffer) -> Void) {
        writeInteger(kind.rawValue)
        writeInteger(UInt8(0))
        let lengthIndex = writerIndex
        writeInteger(UInt32(0))
        let start = writerIndex
        writeInteger(UInt16(1))           // protocol version 1
        writeInteger(UInt16(0))
        writeAETitle(called)
        writeAETitle(calling)
        writeRepeatingByte(0, count: 32)
        items(&self)
        setInteger(UInt32(writerIndex - start), at: lengthIndex)
    }

    /// An AE title in 16 bytes, padded with spaces (PS3.8 Table 9-11, PS3.5 AE VR).
    fileprivate mutating func writeAETitle(_ ae: String) {
        var bytes = Array(ae.utf8.prefix(16))
        bytes += [UInt8](repeating: 0x20, count: 16 - bytes.count)
        writeBytes(bytes)
    }

    /// An item: type, reserved byte, two-byte length, then what `body` writes (PS3.8 9.3.2.1 and on).
    fileprivate mutating func writeItem(_ type: UInt8, _ body: (inout ByteBuffer) -> Void) {
        writeInteger(type)
        writeInteger(UInt8(0))
        let lengthIndex = writerIndex
        writeInteger(UInt16(0))
        let start = writerIndex
        body(&self)
        setInteger(UInt16(writerIndex - start), at: lengthIndex)
    }

    /// User Information item (PS3.8 9.3.2.3, D.1; PS3.7 D.3.3.2).
    fileprivate mutating func writeUserInformation(_ u: UserInformation) {
        writeItem(0x50) { item in
            item.writeItem(0x51) { $0.writeInteger(u.maximumLength) }
            item.writeItem(0x52) { $0.writeString(u.implementationClassUID) }
            if let name = u.implementationVersionName { item.writeItem(0x55) { $0.writeString(String(name.prefix(16))) } }
        }
    }

    /// Calls `body` with each item (type, reserved, two-byte length, value) until the buffer is read.
    fileprivate mutating func forEachItem(_ body: (UInt8, inout ByteBuffer) throws -> Void) throws {
        while readableBytes > 0 {
            guard let type: UInt8 = readInteger(), skip(1),
                  let length: UInt16 = readInteger(), var value = readSlice(length: Int(length)) else {
                throw NetworkError(.protocolError, "item length runs past the end of its PDU")
            }
            try body(type, &value)
        }
    }

    fileprivate mutating func readUserInformation() throws -> UserInformation {
        var maxLength: UInt32 = 0
        var classUID = ""
        var versionName: String?
        try forEachItem { type, value in
            switch type {
            case 0x51:
                guard let v: UInt32 = value.readInteger() else { throw NetworkError(.protocolError, "maximum length sub-item shorter than 4 bytes") }
                maxLength = v
            case 0x52: classUID = value.readUID()
            case 0x55: versionName = value.readUID()
            default: break // role selection, asynchronous operations, extended negotiation: not negotiated
            }
        }
        return UserInformation(maximumLength: maxLength, implementationClassUID: classUID, implementationVersionName: versionName)
    }

    /// The rest of the buffer as text, without trailing NUL or space padding.
    fileprivate mutating func readUID() -> String {
        (readString(length: readableBytes) ?? "").trimmingAETitle().trimmingCharacters(in: "\0 ")
    }

    /// Skips `n` bytes when there are that many; false otherwise.
    fileprivate mutating func skip(_ n: Int) -> Bool {
        guard readableBytes >= n else { return false }
        moveReaderIndex(forwardBy: n)
        return true
    }
}

extension String {
    /// Leading and trailing spaces of an AE title are not significant (PS3.5 Table 6.2-1, AE).
    func trimmingAETitle() -> String { trimmingCharacters(in: " \0") }

    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s.removeFirst() }
        while let c = s.last, set.contains(c) { s.removeLast() }
        return String(s)
    }
}

/// Frames PDUs from the byte stream, refusing any PDU longer than allowed before reading its body, so a
/// peer cannot make the receiver buffer more than `maximumDataLength` (PS3.8 D.1: the maximum length
/// this side announced) or `maximumOtherLength` for the association PDUs.
final class PDUDecoder: ByteToMessageDecoder {
    typealias InboundOut = PDU
    let maximumDataLength: Int
    let maximumOtherLength: Int

    init(maximumDataLength: Int, maximumOtherLength: Int = 1 << 20) {
        self.maximumDataLength = maximumDataLength
        self.maximumOtherLength = maximumOtherLength
    }

    func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard buffer.readableBytes >= 6,
              let kind: UInt8 = buffer.getInteger(at: buffer.readerIndex),
              let length: UInt32 = buffer.getInteger(at: buffer.readerIndex + 2) else { return .needMoreData }
        let limit = kind == PDU.Kind.data.rawValue ? maximumDataLength : maximumOtherLength
        if Int(length) > limit {
            throw NetworkError(.pduTooLarge, "PDU of type \(kind) is \(length) bytes long, more than the \(limit) bytes allowed (PS3.8 D.1)")
        }
        guard buffer.readableBytes >= 6 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 6)
        var body = buffer.readSlice(length: Int(length))!
        context.fireChannelRead(wrapInboundOut(try PDU.decode(kind: kind, body: &body)))
        return .continue
    }

    func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

/// Writes PDUs as bytes.
final class PDUEncoder: MessageToByteEncoder {
    typealias OutboundIn = PDU
    func encode(data: PDU, out: inout ByteBuffer) throws { data.encode(into: &out) }
}
