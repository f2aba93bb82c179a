import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// An object received by C-STORE and written durably: the file exists under its final name, its
/// bytes and its directory entry flushed to disk, before the SCP answers success.
public struct StoredObject: Sendable {
    /// The Part 10 file written.
    public var path: String
    public var sopClassUID: String
    public var sopInstanceUID: String
    /// The presentation context's transfer syntax, in which the data set was received and stored.
    public var transferSyntax: String
    public var callingAETitle: String
    public var calledAETitle: String
    /// The peer's IP address.
    public var peerAddress: String?
    /// Size of the file written, in bytes.
    public var fileSize: Int
}

/// Settings of a storage SCP.
public struct StorageSCPConfiguration: Sendable {
    public var policy: AcceptancePolicy
    /// Folder receiving the files (`SOPInstanceUID.dcm`); partial objects live in its `.incoming`
    /// subfolder until complete.
    public var directory: String
    /// ARTIM timer (PS3.8 9.1.5): how long a new connection may wait before its A-ASSOCIATE-RQ, and how
    /// long this side waits for the peer to close after a rejection, release or abort.
    public var artimTimeoutSeconds: Double
    /// An established association with no PDU read or written for this long is aborted.
    public var idleTimeoutSeconds: Double
    /// Associations open at once; more are rejected as transient (local limit exceeded, PS3.8 Table 9-21).
    public var maximumAssociations: Int

    public init(policy: AcceptancePolicy, directory: String, artimTimeoutSeconds: Double = 30, idleTimeoutSeconds: Double = 300,
                maximumAssociations: Int = 64) {
        self.policy = policy
        self.directory = directory
        self.artimTimeoutSeconds = artimTimeoutSeconds
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.maximumAssociations = maximumAssociations
    }
}

/// Something that happened on an association, for logs.
public struct AssociationEvent: Sendable {
    public enum Kind: String, Sendable {
        case accepted, rejected, released, aborted, stored, storeFailed = "store_failed", echo, timeout, protocolError = "protocol_error"
    }
    public var kind: Kind
    public var callingAETitle: String?
    public var peerAddress: String?
    public var detail: String
}

/// A C-STORE and C-ECHO service class provider (PS3.4 Annex A and B) over the DICOM upper layer (PS3.8),
/// on SwiftNIO: any number of concurrent associations, each holding at most one P-DATA-TF PDU in
/// memory; received data sets are streamed to a temporary file, flushed and renamed before success is
/// answered, and then handed to `onStored`.
public final class StorageSCP: Sendable {
    public let configuration: StorageSCPConfiguration
    let onStored: @Sendable (StoredObject) throws -> Void
    let onEvent: @Sendable (AssociationEvent) -> Void
    let group: MultiThreadedEventLoopGroup
    let threadPool: NIOThreadPool
    let state = NIOLockedValueBox<(channel: Channel?, open: Int)>((nil, 0))

    /// `onStored` runs after the file is durable and before the SCU is told success; when it throws,
    /// the SCU is told "out of resources" (A700, PS3.4 B.2.3) and the file stays where it is.
    public init(configuration: StorageSCPConfiguration,
                onEvent: @escaping @Sendable (AssociationEvent) -> Void = { _ in },
                onStored: @escaping @Sendable (StoredObject) throws -> Void = { _ in }) {
        self.configuration = configuration
        self.onStored = onStored
        self.onEvent = onEvent
        group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, System.coreCount))
        threadPool = NIOThreadPool(numberOfThreads: max(2, System.coreCount))
    }

    var incomingDirectory: String { configuration.directory + "/.incoming" }

    /// Starts listening; returns the port bound (useful with port 0). Creates the folder, and removes
    /// partial files a crash left in `.incoming`.
    @discardableResult
    public func start(host: String = "0.0.0.0", port: Int) async throws -> Int {
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: incomingDirectory, withIntermediateDirectories: true)
            for name in try fm.contentsOfDirectory(atPath: incomingDirectory) where name.hasSuffix(".part") {
                try? fm.removeItem(atPath: incomingDirectory + "/" + name)
            }
        } catch {
            throw NetworkError(.fileError, "cannot prepare the receiving folder: \(error.localizedDescription)", concerns: configuration.directory)
        }
        threadPool.start()
        let scp = self
        let channel: Channel
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        try sync.addHandler(IdleStateHandler(allTimeout: .milliseconds(Int64(scp.configuration.idleTimeoutSeconds * 1000))))
                        try sync.addHandler(ByteToMessageHandler(PDUDecoder(maximumDataLength: Int(scp.configuration.policy.maximumPDULength))))
                        try sync.addHandler(MessageToByteHandler(PDUEncoder()))
                        try sync.addHandler(SCPAssociationHandler(scp: scp))
                    }
                }
                .bind(host: host, port: port).get()
        } catch {
            try? await threadPool.shutdownGracefully()
            throw NetworkError(.connectionFailed, "cannot listen: \(error)", concerns: "\(host):\(port)")
        }
        state.withLockedValue { $0.channel = channel }
        return channel.localAddress?.port ?? port
    }

    /// Stops listening, closes open associations, and waits for writes in progress.
    public func stop() async {
        let channel = state.withLockedValue { s -> Channel? in defer { s.channel = nil }; return s.channel }
        try? await channel?.close()
        try? await group.shutdownGracefully()
        try? await threadPool.shutdownGracefully()
    }

    /// Associations open now.
    public var openAssociations: Int { state.withLockedValue { $0.open } }

    func associationOpened() -> Bool {
        state.withLockedValue { s in
            s.open += 1
            return s.open <= configuration.maximumAssociations
        }
    }

    func associationClosed() { state.withLockedValue { $0.open -= 1 } }
}

/// One association on the SCP side: the state machine of PS3.8 9.2 reduced to what an acceptor does.
final class SCPAssociationHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = PDU
    typealias OutboundOut = PDU

    enum Phase { case awaitingRequest, established, completingStore, closing }

    /// A C-STORE whose data set is arriving.
    final class IncomingStore {
        let command: CommandSet
        let contextID: UInt8
        let transferSyntax: String
        /// The failure to answer instead of storing (data is then read and dropped).
        var failure: (status: UInt16, comment: String)?
        var fd: Int32 = -1
        var tempPath = ""
        var finalPath = ""
        var size = 0
        init(command: CommandSet, contextID: UInt8, transferSyntax: String) {
            self.command = command
            self.contextID = contextID
            self.transferSyntax = transferSyntax
        }
    }

    let scp: StorageSCP
    var phase = Phase.awaitingRequest
    var withinLimit = true
    var artim: Scheduled<Void>?
    var request: AssociateRequest?
    /// Accepted presentation contexts: ID to (abstract syntax, transfer syntax).
    var contexts: [UInt8: (abstract: String, syntax: String)] = [:]
    var peerMaximumLength = 0
    var peerAddress: String?
    var commandBuffer = ByteBuffer()
    var commandContext: UInt8?
    var store: IncomingStore?
    /// PDUs read while a store is being made durable, replayed in order once it is answered.
    var held: [PDU] = []
    var echoResponsePending: CommandSet?

    init(scp: StorageSCP) { self.scp = scp }

    static let maximumCommandLength = 65_536

    func channelActive(context: ChannelHandlerContext) {
        peerAddress = context.remoteAddress?.ipAddress
        withinLimit = scp.associationOpened()
        startARTIM(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        artim?.cancel()
        discardPartialStore()
        phase = .closing
        scp.associationClosed()
        context.fireChannelInactive()
    }

    /// ARTIM (PS3.8 9.1.5): closes the connection when it expires.
    func startARTIM(context: ChannelHandlerContext) {
        artim?.cancel()
        let seconds = scp.configuration.artimTimeoutSeconds
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        artim = context.eventLoop.scheduleTask(in: .milliseconds(Int64(seconds * 1000))) {
            let (handler, context) = bound.value
            handler.event(.timeout, "ARTIM timer expired after \(seconds) s")
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent, phase == .established || phase == .awaitingRequest {
            self.event(.timeout, "no PDU for \(scp.configuration.idleTimeoutSeconds) s: aborting")
            abort(context: context, .byUser)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        let reason: Abort
        if let e = error as? NetworkError {
            event(.protocolError, e.message)
            reason = e.code == .pduTooLarge ? .invalidParameter : .unrecognisedPDU
        } else if error is IOError || error is ChannelError {
            context.close(promise: nil)
            return
        } else {
            event(.protocolError, "\(error)")
            reason = .unrecognisedPDU
        }
        abort(context: context, reason)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let pdu = unwrapInboundIn(data)
        if phase == .completingStore {
            held.append(pdu)
            return
        }
        handle(pdu, context: context)
    }

    func handle(_ pdu: PDU, context: ChannelHandlerContext) {
        switch (phase, pdu) {
        case (.awaitingRequest, .associateRequest(let rq)):
            artim?.cancel()
            request = rq
            let answer = withinLimit ? scp.configuration.policy.answer(rq, peerAddress: peerAddress) : .associateReject(.localLimitExceeded)
            switch answer {
            case .associateAccept(let ac):
                for pc in ac.contexts where pc.result == .acceptance {
                    let abstract = rq.contexts.first { $0.id == pc.id }?.abstractSyntax ?? ""
                    contexts[pc.id] = (abstract, pc.transferSyntax)
                }
                peerMaximumLength = Int(rq.userInformation.maximumLength)
                phase = .established
                event(.accepted, "\(contexts.count) of \(rq.contexts.count) presentation contexts accepted")
            case .associateReject(let rj):
                phase = .closing
                event(.rejected, rj.description)
                startARTIM(context: context)
            default: break
            }
            context.writeAndFlush(wrapOutboundOut(answer), promise: nil)
        case (.established, .data(let pdvs)):
            for pdv in pdvs {
                guard phase == .established else { held.append(.data([pdv])); continue }
                if !receive(pdv, context: context) { return }
            }
        case (.established, .releaseRequest):
            // A-RELEASE (PS3.8 7.2): answer, then wait for the peer to close under ARTIM.
            if store != nil {
                event(.protocolError, "A-RELEASE-RQ in the middle of a C-STORE data set")
                abort(context: context, .unexpectedPDU)
                return
            }
            phase = .closing
            event(.released, "released by the peer")
            context.writeAndFlush(wrapOutboundOut(.releaseResponse), promise: nil)
            startARTIM(context: context)
        case (_, .abort(let a)):
            event(.aborted, a.description)
            discardPartialStore()
            phase = .closing
            context.close(promise: nil)
        case (.closing, _):
            break // PDUs after a rejection or release are ignored until the peer closes (PS3.8 9.2, Sta13).
        default:
            event(.protocolError, "unexpected PDU for the association's state")
            abort(context: context, .unexpectedPDU)
        }
    }

    /// Handles one presentation data value; false when the association was aborted.
    func receive(_ pdv: PresentationDataValue, context: ChannelHandlerContext) -> Bool {
        guard let pc = contexts[pdv.contextID] else {
            event(.protocolError, "presentation data value on presentation context \(pdv.contextID), which was not accepted")
            abort(context: context, .invalidParameter)
            return false
        }
        if pdv.isCommand {
            guard store == nil else {
                event(.protocolError, "a command fragment arrived before the last fragment of the data set (PS3.8 E.2)")
                abort(context: context, .unexpectedPDU)
                return false
            }
            if let c = commandContext, c != pdv.contextID {
                abort(context: context, .invalidParameter)
                return false
            }
            commandContext = pdv.contextID
            var data = pdv.data
            guard commandBuffer.readableBytes + data.readableBytes <= Self.maximumCommandLength else {
                event(.protocolError, "command set longer than \(Self.maximumCommandLength) bytes")
                abort(context: context, .invalidParameter)
                return false
            }
            commandBuffer.writeBuffer(&data)
            guard pdv.isLast else { return true }
            let bytes = commandBuffer
            commandBuffer.clear()
            commandContext = nil
            let command: CommandSet
            do { command = try CommandSet(decoding: bytes) } catch {
                event(.protocolError, "\(error)")
                abort(context: context, .invalidParameter)
                return false
            }
            return begin(command, contextID: pdv.contextID, context: pc, channelContext: context)
        }
        guard let store, store.contextID == pdv.contextID else {
            event(.protocolError, "data set fragment without a C-STORE request on its presentation context")
            abort(context: context, .unexpectedPDU)
            return false
        }
        if store.failure == nil {
            write(pdv.data, to: store)
        }
        if pdv.isLast { complete(store, context: context) }
        return true
    }

    /// A complete command: C-ECHO is answered, C-STORE opens its temporary file.
    func begin(_ command: CommandSet, contextID: UInt8, context pc: (abstract: String, syntax: String),
               channelContext context: ChannelHandlerContext) -> Bool {
        switch command.commandField {
        case CommandSet.Field.cEchoRequest.rawValue:
            // C-ECHO (PS3.7 9.1.5): success.
            event(.echo, "C-ECHO answered")
            send(CommandSet.response(to: command, status: DIMSEStatus.success), contextID: contextID, context: context)
            return true
        case CommandSet.Field.cStoreRequest.rawValue where command.hasDataSet:
            let s = IncomingStore(command: command, contextID: contextID, transferSyntax: pc.syntax)
            store = s
            let sopClass = command.affectedSOPClass ?? ""
            let sopInstance = command.affectedSOPInstance ?? ""
            if sopClass != pc.abstract {
                // The command's class must be the context's abstract syntax (PS3.7 9.3.1.1).
                s.failure = (DIMSEStatus.sopClassNotSupported, "SOP class \(sopClass) sent on a context for \(pc.abstract)")
            } else if !isValidUID(sopInstance) {
                s.failure = (DIMSEStatus.cannotUnderstand, "Affected SOP Instance UID is not a valid UID")
            } else {
                open(s, sopClass: sopClass, sopInstance: sopInstance)
            }
            return true
        default:
            if command.hasDataSet {
                // Read and drop the data set, then say the operation is not recognised.
                let s = IncomingStore(command: command, contextID: contextID, transferSyntax: pc.syntax)
                s.failure = (DIMSEStatus.unrecognisedOperation, "only C-ECHO and C-STORE are provided")
                store = s
            } else {
                send(CommandSet.response(to: command, status: DIMSEStatus.unrecognisedOperation), contextID: contextID, context: context)
            }
            return true
        }
    }

    /// UIDs are digits and dots, at most 64 characters (PS3.5 9.1); checked because they name files.
    func isValidUID(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 64 && s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E }
            && s.first != "." && s.last != "."
    }

    /// Creates the temporary file and writes the Part 10 header.
    func open(_ s: IncomingStore, sopClass: String, sopInstance: String) {
        s.tempPath = scp.incomingDirectory + "/\(UUID().uuidString).part"
        s.finalPath = scp.configuration.directory + "/\(sopInstance).dcm"
        s.fd = Foundation.open(s.tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard s.fd >= 0 else {
            s.failure = (DIMSEStatus.outOfResources, "cannot create a file: \(String(cString: strerror(errno)))")
            return
        }
        let header = Part10.fileHeader(sopClass: sopClass, sopInstance: sopInstance, transferSyntax: s.transferSyntax,
                                       sourceAETitle: request?.callingAETitle ?? "")
        var b = ByteBuffer(); b.writeBytes(header)
        write(b, to: s)
    }

    /// Appends bytes to the temporary file. Writes go to the page cache and return at once; the flush
    /// to disk happens once per object, off the event loop, in `complete`.
    func write(_ data: ByteBuffer, to s: IncomingStore) {
        guard s.fd >= 0 else { return }
        let failed: Int32? = data.withUnsafeReadableBytes { raw -> Int32? in
            var done = 0
            while done < raw.count {
                let n = Foundation.write(s.fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 { if errno == EINTR { continue }; return errno }
                done += n
            }
            return nil
        }
        s.size += data.readableBytes
        if let failed {
            s.failure = (DIMSEStatus.outOfResources, "cannot write: \(String(cString: strerror(failed)))")
            close(s.fd); s.fd = -1
            unlink(s.tempPath)
        }
    }

    /// The last fragment arrived: make the file durable off the event loop (fsync, rename, fsync of
    /// the folder), tell the user, then answer the C-STORE (PS3.7 9.3.1.2).
    func complete(_ s: IncomingStore, context: ChannelHandlerContext) {
        if let failure = s.failure {
            store = nil
            event(.storeFailed, "\(s.command.affectedSOPInstance ?? "?"): \(failure.comment)")
            send(CommandSet.response(to: s.command, status: failure.status, errorComment: failure.comment), contextID: s.contextID, context: context)
            return
        }
        phase = .completingStore
        let fd = s.fd, temp = s.tempPath, final = s.finalPath, size = s.size
        s.fd = -1   // the thread pool owns it now
        let object = StoredObject(path: final, sopClassUID: s.command.affectedSOPClass ?? "", sopInstanceUID: s.command.affectedSOPInstance ?? "",
                                  transferSyntax: s.transferSyntax, callingAETitle: request?.callingAETitle ?? "",
                                  calledAETitle: request?.calledAETitle ?? "", peerAddress: peerAddress, fileSize: size)
        let scp = self.scp
        let directory = scp.configuration.directory
        let future = scp.threadPool.runIfActive(eventLoop: context.eventLoop) { () throws -> Void in
            defer { if fd >= 0 { close(fd) } }
            guard fsync(fd) == 0 else {
                let e = errno; unlink(temp)
                throw NetworkError(.fileError, "cannot flush to disk: \(String(cString: strerror(e)))", concerns: final)
            }
            guard rename(temp, final) == 0 else {
                let e = errno; unlink(temp)
                throw NetworkError(.fileError, "cannot rename into place: \(String(cString: strerror(e)))", concerns: final)
            }
            // The rename is durable only once the folder's entry is flushed.
            let dirFD = Foundation.open(directory, O_RDONLY | O_DIRECTORY)
            if dirFD >= 0 { fsync(dirFD); close(dirFD) }
            try scp.onStored(object)
        }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let command = s.command, contextID = s.contextID
        future.whenComplete { result in
            let (handler, context) = bound.value
            handler.store = nil
            guard handler.phase == .completingStore else { return } // aborted meanwhile
            handler.phase = .established
            switch result {
            case .success:
                handler.event(.stored, "\(object.sopInstanceUID) (\(size) bytes)")
                handler.send(CommandSet.response(to: command, status: DIMSEStatus.success), contextID: contextID, context: context)
            case .failure(let error):
                let message = (error as? NetworkError)?.message ?? "\(error)"
                handler.event(.storeFailed, "\(object.sopInstanceUID): \(message)")
                handler.send(CommandSet.response(to: command, status: DIMSEStatus.outOfResources, errorComment: message),
                             contextID: contextID, context: context)
            }
            let replay = handler.held
            handler.held = []
            for pdu in replay {
                if handler.phase == .completingStore { handler.held.append(pdu); continue }
                handler.handle(pdu, context: context)
            }
        }
    }

    /// Sends a command set in as many PDVs as the peer's maximum length allows (PS3.8 D.1).
    func send(_ command: CommandSet, contextID: UInt8, context: ChannelHandlerContext) {
        var bytes = command.encoded()
        let chunk = peerMaximumLength == 0 ? bytes.readableBytes : max(1, peerMaximumLength - 6)
        while bytes.readableBytes > 0 {
            let n = min(chunk, bytes.readableBytes)
            let slice = bytes.readSlice(length: n)!
            let pdv = PresentationDataValue(contextID: contextID, isCommand: true, isLast: bytes.readableBytes == 0, data: slice)
            context.write(wrapOutboundOut(.data([pdv])), promise: nil)
        }
        context.flush()
    }

    func abort(context: ChannelHandlerContext, _ reason: Abort) {
        discardPartialStore()
        guard phase != .closing else { context.close(promise: nil); return }
        phase = .closing
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.abort(reason))).whenComplete { _ in bound.value.close(promise: nil) }
    }

    /// A half-received object leaves nothing behind (its temporary file is removed).
    func discardPartialStore() {
        guard let s = store else { return }
        if s.fd >= 0 {
            close(s.fd); s.fd = -1
            unlink(s.tempPath)
        }
        if phase != .completingStore { store = nil }
    }

    func event(_ kind: AssociationEvent.Kind, _ detail: String) {
        scp.onEvent(AssociationEvent(kind: kind, callingAETitle: request?.callingAETitle, peerAddress: peerAddress, detail: detail))
    }
}
