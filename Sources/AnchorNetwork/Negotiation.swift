import AnchorDICOM

/// What an SCP accepts, and its answer to an A-ASSOCIATE-RQ (PS3.8 7.1.1, 9.3.3, 9.3.4).
public struct AcceptancePolicy: Sendable {
    /// This SCP's AE title: a request calling another is rejected (PS3.8 Table 9-21, reason 7).
    public var aeTitle: String
    /// Calling AE titles allowed to associate, each optionally tied to peer addresses; nil allows any.
    public var allowedCallers: [AllowedCaller]?
    /// Abstract syntaxes accepted: Verification and the radiotherapy storage classes by default.
    public var abstractSyntaxes: Set<String>
    /// Transfer syntaxes accepted for storage classes; Verification takes the uncompressed ones only.
    public var storageTransferSyntaxes: Set<String>
    /// Maximum length of P-DATA-TF variable fields this side receives (PS3.8 D.1), the bound on memory
    /// per association while receiving.
    public var maximumPDULength: UInt32

    /// A calling AE title, and the addresses it may come from (empty: any).
    public struct AllowedCaller: Sendable, Equatable {
        public var aeTitle: String
        public var addresses: [String]
        public init(aeTitle: String, addresses: [String] = []) {
            self.aeTitle = aeTitle
            self.addresses = addresses
        }
    }

    public init(aeTitle: String, allowedCallers: [AllowedCaller]? = nil,
                abstractSyntaxes: Set<String> = Set([DICOMUID.verification] + StorageSOPClass.radiotherapy),
                storageTransferSyntaxes: Set<String> = Set(NetworkTransferSyntax.uncompressed + NetworkTransferSyntax.storedAsIs),
                maximumPDULength: UInt32 = 262_144) {
        self.aeTitle = aeTitle
        self.allowedCallers = allowedCallers
        self.abstractSyntaxes = abstractSyntaxes
        self.storageTransferSyntaxes = storageTransferSyntaxes
        self.maximumPDULength = maximumPDULength
    }

    /// The answer to `request` from a peer at `peerAddress` (an IP address without port): an
    /// A-ASSOCIATE-AC, or an A-ASSOCIATE-RJ saying why (PS3.8 Table 9-21).
    public func answer(_ request: AssociateRequest, peerAddress: String?) -> PDU {
        guard request.applicationContext == DICOMUID.applicationContext else {
            return .associateReject(.applicationContextNotSupported)
        }
        // AE titles compare without their insignificant leading and trailing spaces (PS3.5 AE VR).
        guard request.calledAETitle == aeTitle.trimmingAETitle() else { return .associateReject(.calledAENotRecognised) }
        if let allowedCallers {
            let calling = request.callingAETitle
            let ok = allowedCallers.contains { caller in
                caller.aeTitle.trimmingAETitle() == calling
                    && (caller.addresses.isEmpty || peerAddress.map { caller.addresses.contains($0) } == true)
            }
            guard ok else { return .associateReject(.callingAENotRecognised) }
        }
        var answers: [AcceptedContext] = []
        for pc in request.contexts {
            answers.append(answer(pc))
        }
        let user = UserInformation(maximumLength: maximumPDULength, implementationClassUID: implementationClassUID,
                                   implementationVersionName: implementationVersionName)
        return .associateAccept(AssociateAccept(calledAETitle: request.calledAETitle, callingAETitle: request.callingAETitle,
                                                applicationContext: DICOMUID.applicationContext, contexts: answers,
                                                userInformation: user))
    }

    /// One presentation context: accepted with the first proposed transfer syntax this side takes (the
    /// proposer's order is its preference, PS3.8 9.3.2.2), else rejected with the reason (PS3.8 Table 9-18).
    func answer(_ pc: ProposedContext) -> AcceptedContext {
        guard abstractSyntaxes.contains(pc.abstractSyntax) else {
            return AcceptedContext(id: pc.id, result: .abstractSyntaxNotSupported, transferSyntax: "")
        }
        let acceptable = pc.abstractSyntax == DICOMUID.verification ? Set(NetworkTransferSyntax.uncompressed) : storageTransferSyntaxes
        guard let ts = pc.transferSyntaxes.first(where: acceptable.contains) else {
            return AcceptedContext(id: pc.id, result: .transferSyntaxesNotSupported, transferSyntax: "")
        }
        return AcceptedContext(id: pc.id, result: .acceptance, transferSyntax: ts)
    }
}

/// Anchor's implementation class UID and version name, sent in every association (PS3.7 D.3.3.2).
/// They are the ones AnchorDICOM writes in file meta groups, so a file names the program that made it.
public let implementationClassUID = DICOMWriter.implementationClassUID
public let implementationVersionName = DICOMWriter.implementationVersionName
