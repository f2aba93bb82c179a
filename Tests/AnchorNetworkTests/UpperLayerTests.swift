@testable import AnchorNetwork
import NIOCore
import Testing

/// PDU and DIMSE encodings against the byte layouts of PS3.8 9.3 and PS3.7 E.1.
@Suite struct UpperLayerTests {
    func bytes(_ pdu: PDU) -> [UInt8] {
        var b = ByteBuffer()
        pdu.encode(into: &b)
        return b.readBytes(length: b.readableBytes)!
    }

    @Test func fixedLengthPDUsHaveTheStandardsBytes() {
        // PS3.8 Tables 9-24, 9-25, 9-26, 9-21: type, reserved, length 4, four bytes.
        #expect(bytes(.releaseRequest) == [0x05, 0, 0, 0, 0, 4, 0, 0, 0, 0])
        #expect(bytes(.releaseResponse) == [0x06, 0, 0, 0, 0, 4, 0, 0, 0, 0])
        #expect(bytes(.abort(Abort(source: 2, reason: 6))) == [0x07, 0, 0, 0, 0, 4, 0, 0, 2, 6])
        #expect(bytes(.associateReject(.calledAENotRecognised)) == [0x03, 0, 0, 0, 0, 4, 0, 1, 1, 7])
    }

    @Test func associateRequestLayoutAndRoundTrip() throws {
        let rq = RawPeer.request(called: "PACS", calling: "TPS")
        let b = bytes(.associateRequest(rq))
        #expect(b[0] == 0x01)
        let length = Int(b[2]) << 24 | Int(b[3]) << 16 | Int(b[4]) << 8 | Int(b[5])
        #expect(length == b.count - 6)
        #expect(b[6] == 0 && b[7] == 1)                                  // protocol version 1
        #expect(Array(b[10..<26]) == Array("PACS            ".utf8))    // called AE, space padded
        #expect(Array(b[26..<42]) == Array("TPS             ".utf8))
        #expect(b[74] == 0x10)                                            // application context item first
        var body = ByteBuffer(bytes: b[6...])
        #expect(try PDU.decode(kind: b[0], body: &body) == .associateRequest(rq))
    }

    @Test func associateAcceptRoundTrip() throws {
        let policy = AcceptancePolicy(aeTitle: "ANCHOR_SCP")
        let ac = policy.answer(RawPeer.request(), peerAddress: "127.0.0.1")
        let b = bytes(ac)
        var body = ByteBuffer(bytes: b[6...])
        #expect(try PDU.decode(kind: b[0], body: &body) == ac)
    }

    @Test func dataPDUCarriesFragmentsWithTheirControlHeader() throws {
        let pdvs = [PresentationDataValue(contextID: 3, isCommand: true, isLast: true, data: ByteBuffer(bytes: [1, 2, 3, 4])),
                    PresentationDataValue(contextID: 3, isCommand: false, isLast: false, data: ByteBuffer(bytes: [9, 9]))]
        let b = bytes(.data(pdvs))
        // PDV item: length (4) = 2 + data, context ID, header bit 0 command, bit 1 last (PS3.8 E.2).
        #expect(b == [0x04, 0, 0, 0, 0, 18, 0, 0, 0, 6, 3, 0x03, 1, 2, 3, 4, 0, 0, 0, 4, 3, 0x00, 9, 9])
        var body = ByteBuffer(bytes: b[6...])
        #expect(try PDU.decode(kind: 4, body: &body) == .data(pdvs))
    }

    @Test func truncatedItemIsAProtocolError() {
        var b = ByteBuffer(bytes: [0, 0, 0, 9, 1, 3, 0])   // PDV claims 9 bytes, 3 present
        #expect(throws: NetworkError.self) { try PDU.decode(kind: 4, body: &b) }
        var c = ByteBuffer(bytes: [0, 0, 0, 0])
        #expect(throws: NetworkError.self) { try PDU.decode(kind: 0x09, body: &c) }
    }

    @Test func commandSetIsImplicitLittleEndianWithGroupLength() throws {
        let c = CommandSet.echoRequest(messageID: 7)
        var b = c.encoded()
        let all = b.readBytes(length: b.readableBytes)!
        // (0000,0000) UL 4, value = bytes after it (PS3.7 E.1).
        #expect(Array(all[0..<8]) == [0, 0, 0, 0, 4, 0, 0, 0])
        let groupLength = Int(all[8]) | Int(all[9]) << 8 | Int(all[10]) << 16 | Int(all[11]) << 24
        #expect(groupLength == all.count - 12)
        // Affected SOP Class UID "1.2.840.10008.1.1" (17 chars) padded with NUL to 18.
        #expect(Array(all[12..<20]) == [0, 0, 2, 0, 18, 0, 0, 0])
        #expect(all[37] == 0)
        let decoded = try CommandSet(decoding: ByteBuffer(bytes: all))
        #expect(decoded.commandField == 0x0030 && decoded.messageID == 7 && !decoded.hasDataSet)
        #expect(decoded.affectedSOPClass == DICOMUID.verification)

        let rsp = CommandSet.response(to: CommandSet.storeRequest(messageID: 9, sopClass: StorageSOPClass.rtPlan, sopInstance: "1.2.3"),
                                      status: 0xA700, errorComment: "disk full")
        #expect(rsp.commandField == 0x8001 && rsp.messageIDBeingRespondedTo == 9 && rsp.status == 0xA700)
        #expect(try CommandSet(decoding: rsp.encoded()) == rsp)
    }

    @Test func policyRejectsUnknownAETitlesAndAnswersEachContext() {
        let policy = AcceptancePolicy(aeTitle: "ANCHOR_SCP", allowedCallers: [.init(aeTitle: "TPS", addresses: ["10.0.0.5"])])
        var rq = RawPeer.request(called: "OTHER", calling: "TPS")
        #expect(policy.answer(rq, peerAddress: "10.0.0.5") == .associateReject(.calledAENotRecognised))
        rq.calledAETitle = "ANCHOR_SCP"
        rq.callingAETitle = "STRANGER"
        #expect(policy.answer(rq, peerAddress: "10.0.0.5") == .associateReject(.callingAENotRecognised))
        rq.callingAETitle = "TPS"
        #expect(policy.answer(rq, peerAddress: "10.0.0.6") == .associateReject(.callingAENotRecognised))
        rq.contexts = [
            ProposedContext(id: 1, abstractSyntax: "1.2.840.10008.5.1.4.1.1.1", transferSyntaxes: [NetworkTransferSyntax.implicitVRLittleEndian]), // CR: not offered
            ProposedContext(id: 3, abstractSyntax: StorageSOPClass.rtDose, transferSyntaxes: ["1.2.3.999"]),
            ProposedContext(id: 5, abstractSyntax: StorageSOPClass.rtDose, transferSyntaxes: ["1.2.3.999", NetworkTransferSyntax.implicitVRLittleEndian]),
            ProposedContext(id: 7, abstractSyntax: DICOMUID.verification, transferSyntaxes: ["1.2.840.10008.1.2.4.50"]),
            ProposedContext(id: 9, abstractSyntax: StorageSOPClass.ctImage, transferSyntaxes: ["1.2.840.10008.1.2.4.90"]),
        ]
        guard case .associateAccept(let ac) = policy.answer(rq, peerAddress: "10.0.0.5") else {
            Issue.record("expected acceptance"); return
        }
        #expect(ac.contexts.map(\.result) == [.abstractSyntaxNotSupported, .transferSyntaxesNotSupported, .acceptance,
                                              .transferSyntaxesNotSupported, .acceptance])
        #expect(ac.contexts[2].transferSyntax == NetworkTransferSyntax.implicitVRLittleEndian)
        #expect(ac.contexts[4].transferSyntax == "1.2.840.10008.1.2.4.90")  // JPEG 2000 stored as it is
    }
}
