import AnchorDICOM
import NIOCore
import NIOPosix

/// Where and as whom an SCU associates.
public struct SCUConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var calledAETitle: String
    public var callingAETitle: String
    /// Connection, ARTIM (waiting for A-ASSOCIATE-AC or A-RELEASE-RP, PS3.8 9.1.5) and response
    /// timeout: the association is given up after this long with nothing read or written.
    public var timeoutSeconds: Double
    /// Maximum length of P-DATA-TF variable fields this side receives (PS3.8 D.1).
    public var maximumPDULength: UInt32

    public init(host: String, port: Int, calledAETitle: String, callingAETitle: String = "ANCHOR",
                timeoutSeconds: Double = 30, maximumPDULength: UInt32 = 262_144) {
        self.host = host
        self.port = port
        self.calledAETitle = calledAETitle
        self.callingAETitle = callingAETitle
        self.timeoutSeconds = timeoutSeconds
        self.maximumPDULength = maximumPDULength
    }

    /// Checks AE titles: 1-16 characters of the default repertoire without backslash or control
    /// characters, not all spaces (PS3.5 Table 6.2-1, AE).
    public static func validateAETitle(_ ae: String, role: String) throws {
        let trimmed = ae.trimmingAETitle()
        guard !trimmed.isEmpty, ae.utf8.count <= 16,
              ae.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x5C }) else {
            throw NetworkError(.invalidConfiguration, "\(role) AE title must be 1 to 16 printable ASCII characters without a backslash", concerns: ae)
        }
    }
}

/// The answer of the SCP to one C-STORE.
public struct StoreResult: Sendable {
    public var sopInstanceUID: String
    public var status: UInt16
    public var errorComment: String?
    /// The transfer syntax the object was sent in.
    public var transferSyntax: String
    public var isSuccess: Bool { DIMSEStatus.isSuccessOrWarning(status) }
}

/// A DICOM association requested by this side (the SCU of Verification and Storage, PS3.4 A and B).
///
/// Use `withAssociation`: it negotiates, runs the body, then releases (or aborts when the body
/// throws) and closes.
public final class SCUAssociation {
    /// The accepted presentation contexts and their transfer syntaxes.
    public let acceptedContexts: [AcceptedContext]
    /// The proposed contexts, by ID.
    let proposed: [UInt8: ProposedContext]
    /// The peer's A-ASSOCIATE-AC.
    public let accept: AssociateAccept
    let configuration: SCUConfiguration
    var inbound: NIOAsyncChannelInboundStream<PDU>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<PDU>
    var nextMessageID: UInt16 = 1

    init(accept: AssociateAccept, proposed: [ProposedContext], configuration: SCUConfiguration,
         inbound: NIOAsyncChannelInboundStream<PDU>.AsyncIterator, outbound: NIOAsyncChannelOutboundWriter<PDU>) {
        self.accept = accept
        self.acceptedContexts = accept.contexts.filter { $0.result == .acceptance }
        self.proposed = Dictionary(proposed.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        self.configuration = configuration
        self.inbound = inbound
        self.outbound = outbound
    }

    /// The presentation contexts to propose for Verification and for a set of objects: one per SOP
    /// class and own transfer syntax, each offering the syntaxes the object can be sent in (PS3.8 9.3.2.2).
    public static func contexts(for objects: [(sopClass: String, syntaxes: [String])], verification: Bool = true) throws -> [ProposedContext] {
        var out: [ProposedContext] = []
        var seen = Set<[String]>()
        var id: UInt8 = 1
        func add(_ abstract: String, _ syntaxes: [String]) throws {
            guard seen.insert([abstract] + syntaxes).inserted else { return }
            // Context IDs are odd numbers 1-255, so at most 128 contexts (PS3.8 9.3.2.2).
            guard out.count < 128 else {
                throw NetworkError(.noPresentationContext, "more than 128 kinds of object (SOP class and transfer syntax) for one association")
            }
            out.append(ProposedContext(id: id, abstractSyntax: abstract, transferSyntaxes: syntaxes))
            id &+= 2
        }
        if verification { try add(DICOMUID.verification, NetworkTransferSyntax.uncompressed) }
        for o in objects { try add(o.sopClass, o.syntaxes) }
        return out
    }

    /// Negotiates an association, runs `body` on it, then releases it (PS3.8 7.2). When `body`
    /// throws, the association is aborted (PS3.8 7.3) and the error rethrown.
    public static func withAssociation<R>(_ configuration: SCUConfiguration, contexts: [ProposedContext],
                                          _ body: (SCUAssociation) async throws -> R) async throws -> R {
        try SCUConfiguration.validateAETitle(configuration.calledAETitle, role: "called")
        try SCUConfiguration.validateAETitle(configuration.callingAETitle, role: "calling")
        let peer = "\(configuration.host):\(configuration.port)"
        let timeout = TimeAmount.milliseconds(Int64(configuration.timeoutSeconds * 1000))
        let channel: NIOAsyncChannel<PDU, PDU>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(timeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        try sync.addHandler(IdleStateHandler(allTimeout: timeout))
                        try sync.addHandler(ByteToMessageHandler(PDUDecoder(maximumDataLength: Int(configuration.maximumPDULength))))
                        try sync.addHandler(MessageToByteHandler(PDUEncoder()))
                        try sync.addHandler(IdleToError(seconds: configuration.timeoutSeconds))
                        return try NIOAsyncChannel<PDU, PDU>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw NetworkError(.connectionFailed, "cannot connect: \(describe(error))", concerns: peer)
        }
        return try await channel.executeThenClose { inbound, outbound in
            var iterator = inbound.makeAsyncIterator()
            let request = AssociateRequest(
                calledAETitle: configuration.calledAETitle, callingAETitle: configuration.callingAETitle, contexts: contexts,
                userInformation: UserInformation(maximumLength: configuration.maximumPDULength,
                                                 implementationClassUID: implementationClassUID,
                                                 implementationVersionName: implementationVersionName))
            let answer: PDU?
            do {
                try await outbound.write(.associateRequest(request))
                answer = try await iterator.next()
            } catch {
                throw NetworkError(.connectionFailed, "no answer to the association request: \(describe(error))", concerns: peer)
            }
            let accept: AssociateAccept
            switch answer {
            case .associateAccept(let ac): accept = ac
            case .associateReject(let rj):
                throw NetworkError(.associationRejected, "association rejected: \(rj)", concerns: "\(configuration.calledAETitle) at \(peer)")
            case .abort(let a):
                throw NetworkError(.aborted, "association \(a)", concerns: peer)
            case nil:
                throw NetworkError(.connectionFailed, "the peer closed the connection without answering the association request", concerns: peer)
            default:
                try? await outbound.write(.abort(.unexpectedPDU))
                throw NetworkError(.protocolError, "unexpected answer to the association request", concerns: peer)
            }
            let association = SCUAssociation(accept: accept, proposed: contexts, configuration: configuration,
                                             inbound: iterator, outbound: outbound)
            let result: R
            do {
                result = try await body(association)
            } catch {
                if let e = error as? NetworkError, e.code == .aborted || e.code == .connectionFailed || e.code == .timeout {
                    throw e
                }
                try? await outbound.write(.abort(.byUser))
                throw error
            }
            try await association.release()
            return result
        }
    }

    /// C-ECHO (PS3.7 9.1.5): true when the peer answered success.
    public func echo() async throws {
        guard let pc = acceptedContexts.first(where: { proposed[$0.id]?.abstractSyntax == DICOMUID.verification }) else {
            throw NetworkError(.noPresentationContext, "the peer did not accept the Verification SOP class", concerns: peerName)
        }
        let id = takeMessageID()
        try await send(command: CommandSet.echoRequest(messageID: id), contextID: pc.id)
        let response = try await readResponse(to: id)
        guard response.status == DIMSEStatus.success else {
            throw NetworkError(.failureStatus, "C-ECHO answered with status 0x\(hex(response.status ?? 0xFFFF))", concerns: peerName,
                               status: response.status)
        }
    }

    /// C-STORE (PS3.7 9.1.1) of one object, in its own transfer syntax when the peer accepted it, else
    /// converted to an accepted uncompressed one. Returns the peer's status; throws when the object
    /// cannot be sent at all or the association fails.
    public func store(_ object: OutgoingObject, progress: ((Int) -> Void)? = nil) async throws -> StoreResult {
        let candidates = acceptedContexts.filter { proposed[$0.id]?.abstractSyntax == object.sopClassUID }
        let possible = object.proposedSyntaxes
        guard let pc = candidates.first(where: { $0.transferSyntax == object.transferSyntax })
                ?? candidates.first(where: { possible.contains($0.transferSyntax) }) else {
            let why = candidates.isEmpty ? "the peer did not accept SOP class \(object.sopClassUID)"
                : "the peer accepted none of the transfer syntaxes this object can be sent in"
            throw NetworkError(.noPresentationContext, why, concerns: object.path)
        }
        let data = try object.dataSet(in: pc.transferSyntax)
        let id = takeMessageID()
        try await send(command: CommandSet.storeRequest(messageID: id, sopClass: object.sopClassUID, sopInstance: object.sopInstanceUID),
                       contextID: pc.id)
        // Data set fragments, each PDU within the peer's maximum length (PS3.8 D.1; 0 means unlimited).
        let peerMax = Int(accept.userInformation.maximumLength)
        let chunk = peerMax == 0 ? 1 << 20 : max(1, min(peerMax, 4 << 20) - 6)
        var offset = data.startIndex
        repeat {
            let end = min(offset + chunk, data.endIndex)
            let pdv = PresentationDataValue(contextID: pc.id, isCommand: false, isLast: end == data.endIndex,
                                            data: ByteBuffer(bytes: data[offset..<end]))
            try await write(.data([pdv]))
            progress?(end - data.startIndex)
            offset = end
        } while offset < data.endIndex
        let response = try await readResponse(to: id)
        return StoreResult(sopInstanceUID: object.sopInstanceUID, status: response.status ?? 0xFFFF,
                           errorComment: response.errorComment, transferSyntax: pc.transferSyntax)
    }

    /// A-RELEASE (PS3.8 7.2): request, then wait for the response.
    func release() async throws {
        try await write(.releaseRequest)
        while true {
            switch try await nextPDU() {
            case .releaseResponse: return
            case .data: continue // a late fragment; nothing is outstanding
            default:
                throw NetworkError(.protocolError, "unexpected answer to A-RELEASE-RQ", concerns: peerName)
            }
        }
    }

    var peerName: String { "\(configuration.calledAETitle) at \(configuration.host):\(configuration.port)" }

    func takeMessageID() -> UInt16 {
        defer { nextMessageID = nextMessageID == UInt16.max ? 1 : nextMessageID + 1 }
        return nextMessageID
    }

    func write(_ pdu: PDU) async throws {
        do { try await outbound.write(pdu) } catch {
            throw NetworkError(.connectionFailed, "connection lost: \(describe(error))", concerns: peerName)
        }
    }

    func send(command: CommandSet, contextID: UInt8) async throws {
        let bytes = command.encoded()
        try await write(.data([PresentationDataValue(contextID: contextID, isCommand: true, isLast: true, data: bytes)]))
    }

    func nextPDU() async throws -> PDU {
        let pdu: PDU?
        do { pdu = try await inbound.next() } catch let e as NetworkError {
            throw NetworkError(e.code, e.message, concerns: peerName)
        } catch {
            throw NetworkError(.connectionFailed, "connection lost: \(describe(error))", concerns: peerName)
        }
        switch pdu {
        case nil: throw NetworkError(.connectionFailed, "the peer closed the connection", concerns: peerName)
        case .abort(let a)?: throw NetworkError(.aborted, "association \(a)", concerns: peerName)
        case let p?: return p
        }
    }

    /// Reads command fragments until a whole command answering `messageID`.
    func readResponse(to messageID: UInt16) async throws -> CommandSet {
        var buffer = ByteBuffer()
        while true {
            guard case .data(let pdvs) = try await nextPDU() else {
                throw NetworkError(.protocolError, "expected a DIMSE response", concerns: peerName)
            }
            for pdv in pdvs where pdv.isCommand {
                var d = pdv.data
                guard buffer.readableBytes + d.readableBytes <= 65_536 else {
                    throw NetworkError(.dimseError, "response command longer than 64 KiB", concerns: peerName)
                }
                buffer.writeBuffer(&d)
                if pdv.isLast {
                    let command = try CommandSet(decoding: buffer)
                    buffer.clear()
                    if command.messageIDBeingRespondedTo == messageID { return command }
                }
            }
        }
    }
}

/// Turns the idle event into an error, so a waiting reader sees a timeout.
final class IdleToError: ChannelInboundHandler {
    typealias InboundIn = PDU
    typealias InboundOut = PDU
    let seconds: Double
    init(seconds: Double) { self.seconds = seconds }
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.fireErrorCaught(NetworkError(.timeout, "nothing received or sent for \(seconds) s"))
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}

func hex(_ v: UInt16) -> String {
    let s = String(v, radix: 16, uppercase: true)
    return String(repeating: "0", count: 4 - s.count) + s
}

func describe(_ error: Error) -> String {
    if let e = error as? NetworkError { return e.message }
    if let e = error as? IOError { return e.description }
    return "\(error)"
}
