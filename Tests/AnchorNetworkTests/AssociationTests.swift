import AnchorDICOM
@testable import AnchorNetwork
import AnchorTestSupport
import Foundation
import NIOCore
import Testing

/// Anchor's SCU against Anchor's SCP in one process, and a raw peer doing what a good SCU never does.
@Suite struct AssociationTests {
    @Test func echoIsAnsweredOnAnAcceptedAssociation() async throws {
        try await withSCP { port, _, received in
            let config = SCUConfiguration(host: "127.0.0.1", port: port, calledAETitle: "ANCHOR_SCP", callingAETitle: "TEST_SCU")
            let contexts = try SCUAssociation.contexts(for: [])
            let implementation = try await SCUAssociation.withAssociation(config, contexts: contexts) { a in
                try await a.echo()
                return a.accept.userInformation.implementationClassUID
            }
            #expect(implementation == DICOMWriter.implementationClassUID)
            let kinds = received.eventList.map(\.kind)
            #expect(kinds.contains(.accepted) && kinds.contains(.echo) && kinds.contains(.released))
            #expect(received.eventList.first?.callingAETitle == "TEST_SCU")
        }
    }

    @Test func unsupportedContextsAreRejectedOneByOne() async throws {
        try await withSCP { port, _, _ in
            let config = SCUConfiguration(host: "127.0.0.1", port: port, calledAETitle: "ANCHOR_SCP")
            let contexts = [
                ProposedContext(id: 1, abstractSyntax: DICOMUID.verification, transferSyntaxes: [NetworkTransferSyntax.implicitVRLittleEndian]),
                ProposedContext(id: 3, abstractSyntax: "1.2.840.10008.5.1.4.1.1.1", transferSyntaxes: [NetworkTransferSyntax.implicitVRLittleEndian]),
                ProposedContext(id: 5, abstractSyntax: StorageSOPClass.rtPlan, transferSyntaxes: ["1.2.3.4.5"]),
            ]
            let results = try await SCUAssociation.withAssociation(config, contexts: contexts) { a in a.accept.contexts.map(\.result) }
            #expect(results == [.acceptance, .abstractSyntaxNotSupported, .transferSyntaxesNotSupported])
        }
    }

    @Test func unknownCalledAETitleIsRefused() async throws {
        try await withSCP { port, dir, received in
            let config = SCUConfiguration(host: "127.0.0.1", port: port, calledAETitle: "SOMEONE_ELSE")
            do {
                try await SCUAssociation.withAssociation(config, contexts: try SCUAssociation.contexts(for: [])) { a in try await a.echo() }
                Issue.record("association with a wrong called AE title was accepted")
            } catch let e as NetworkError {
                #expect(e.code == .associationRejected)
                #expect(e.message.contains("called AE title not recognised"))
            }
            #expect(received.eventList.contains { $0.kind == .rejected })
        }
    }

    @Test func callingAETitleNotAllowedIsRefused() async throws {
        let policy = AcceptancePolicy(aeTitle: "ANCHOR_SCP", allowedCallers: [.init(aeTitle: "ECLIPSE", addresses: ["127.0.0.1"])])
        try await withSCP(policy: policy) { port, _, _ in
            let stranger = SCUConfiguration(host: "127.0.0.1", port: port, calledAETitle: "ANCHOR_SCP", callingAETitle: "STRANGER")
            await #expect(throws: NetworkError.self) {
                try await SCUAssociation.withAssociation(stranger, contexts: try SCUAssociation.contexts(for: [])) { a in try await a.echo() }
            }
            let known = SCUConfiguration(host: "127.0.0.1", port: port, calledAETitle: "ANCHOR_SCP", callingAETitle: "ECLIPSE")
            try await SCUAssociation.withAssociation(known, contexts: try SCUAssociation.contexts(for: [])) { a in try await a.echo() }
        }
    }

    @Test func oversizedPDUIsRefusedWithAnAbort() async throws {
        let policy = AcceptancePolicy(aeTitle: "ANCHOR_SCP", maximumPDULength: 16384)
        try await withSCP(policy: policy) { port, _, received in
            let peer = try RawPeer(port: port)
            defer { peer.close() }
            peer.send(.associateRequest(RawPeer.request()))
            guard case .associateAccept(let ac)? = try peer.readPDU() else { Issue.record("no A-ASSOCIATE-AC"); return }
            #expect(ac.userInformation.maximumLength == 16384)
            // A P-DATA-TF claiming 16385 bytes: refused from its header, before any body is read.
            peer.send([0x04, 0, 0, 0, 0x40, 0x01])
            #expect(try peer.readPDU() == .abort(.invalidParameter))
            #expect(peer.closedByPeer())
            #expect(received.eventList.contains { $0.kind == .protocolError && $0.detail.contains("16385") })
        }
    }

    @Test func abortInTheMiddleOfAnObjectLeavesNothingStored() async throws {
        try await withSCP { port, dir, received in
            let peer = try RawPeer(port: port)
            defer { peer.close() }
            peer.send(.associateRequest(RawPeer.request()))
            guard case .associateAccept? = try peer.readPDU() else { Issue.record("no A-ASSOCIATE-AC"); return }
            let command = CommandSet.storeRequest(messageID: 1, sopClass: StorageSOPClass.ctImage, sopInstance: "1.2.826.0.1.3680043.2.1")
            peer.send(.data([PresentationDataValue(contextID: 3, isCommand: true, isLast: true, data: command.encoded())]))
            peer.send(.data([PresentationDataValue(contextID: 3, isCommand: false, isLast: false,
                                                   data: ByteBuffer(bytes: [UInt8](repeating: 7, count: 8000)))]))
            // The partial file exists while the object arrives...
            var partial: [String] = []
            for _ in 0..<50 where partial.isEmpty {
                partial = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/.incoming")) ?? []
                if partial.isEmpty { try await Task.sleep(nanoseconds: 20_000_000) }
            }
            #expect(partial.count == 1)
            peer.send(.abort(.byUser))
            #expect(peer.closedByPeer())
            try await Task.sleep(nanoseconds: 100_000_000)
            // ...and is gone after the abort; nothing under a real name, nothing handed to the user.
            #expect(storedFiles(dir).isEmpty)
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: dir + "/.incoming")) ?? []).isEmpty)
            #expect(received.stored.isEmpty)
            #expect(received.eventList.contains { $0.kind == .aborted })
        }
    }

    @Test func connectionDroppedMidObjectLeavesNothingStored() async throws {
        try await withSCP { port, dir, received in
            let peer = try RawPeer(port: port)
            peer.send(.associateRequest(RawPeer.request()))
            guard case .associateAccept? = try peer.readPDU() else { Issue.record("no A-ASSOCIATE-AC"); return }
            let command = CommandSet.storeRequest(messageID: 1, sopClass: StorageSOPClass.ctImage, sopInstance: "1.2.826.0.1.3680043.2.2")
            peer.send(.data([PresentationDataValue(contextID: 3, isCommand: true, isLast: true, data: command.encoded())]))
            peer.send(.data([PresentationDataValue(contextID: 3, isCommand: false, isLast: false, data: ByteBuffer(bytes: [1, 2, 3, 4]))]))
            try await Task.sleep(nanoseconds: 100_000_000)
            peer.close()
            try await Task.sleep(nanoseconds: 200_000_000)
            #expect(storedFiles(dir).isEmpty)
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: dir + "/.incoming")) ?? []).isEmpty)
            #expect(received.stored.isEmpty)
        }
    }

    @Test func artimClosesAConnectionThatNeverAssociates() async throws {
        try await withSCP(artimSeconds: 0.3) { port, _, received in
            let peer = try RawPeer(port: port)
            defer { peer.close() }
            let start = Date()
            #expect(peer.closedByPeer())
            #expect(Date().timeIntervalSince(start) < 5)
            #expect(received.eventList.contains { $0.kind == .timeout && $0.detail.contains("ARTIM") })
        }
    }

    @Test func idleAssociationIsAborted() async throws {
        try await withSCP(idleSeconds: 0.3) { port, _, _ in
            let peer = try RawPeer(port: port)
            defer { peer.close() }
            peer.send(.associateRequest(RawPeer.request()))
            guard case .associateAccept? = try peer.readPDU() else { Issue.record("no A-ASSOCIATE-AC"); return }
            #expect(try peer.readPDU() == .abort(.byUser))
        }
    }

    @Test func phantomCaseArrivesByteForByte() async throws {
        let files = try phantomCaseFiles()
        #expect(files.count > 10)
        try await withSCP { port, dir, received in
            let config = SCUConfiguration(host: "127.0.0.1", port: port, calledAETitle: "ANCHOR_SCP", callingAETitle: "TPS")
            let objects = try files.map { try OutgoingObject(path: $0) }
            let contexts = try SCUAssociation.contexts(for: objects.map { ($0.sopClassUID, $0.proposedSyntaxes) })
            let results = try await SCUAssociation.withAssociation(config, contexts: contexts) { a in
                var out: [StoreResult] = []
                for o in objects { out.append(try await a.store(o)) }
                return out
            }
            #expect(results.allSatisfy { $0.isSuccess })
            #expect(received.stored.count == files.count)
            for o in objects {
                let stored = dir + "/\(o.sopInstanceUID).dcm"
                #expect(try dataSetBytes(stored) == o.bytes[o.dataSetOffset...], "\(o.path)")
                let file = try DICOMFile.read(path: stored)
                #expect(file.meta.string(.sourceApplicationEntityTitle) == "TPS")
                #expect(file.meta.string(.mediaStorageSOPInstanceUID) == o.sopInstanceUID)
                #expect(file.transferSyntax.uid == o.transferSyntax)
            }
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: dir + "/.incoming")) ?? []).isEmpty)
        }
    }

    @Test func objectIsConvertedWhenOnlyImplicitVRIsAccepted() async throws {
        let files = try phantomCaseFiles()
        let plan = try #require(files.first { ($0 as NSString).lastPathComponent.hasPrefix("RP") })
        let structures = try #require(files.first { ($0 as NSString).lastPathComponent.hasPrefix("RS") })
        let policy = AcceptancePolicy(aeTitle: "ANCHOR_SCP", storageTransferSyntaxes: [NetworkTransferSyntax.implicitVRLittleEndian])
        try await withSCP(policy: policy) { port, dir, _ in
            let config = SCUConfiguration(host: "127.0.0.1", port: port, calledAETitle: "ANCHOR_SCP")
            let objects = try [plan, structures].map { try OutgoingObject(path: $0) }
            #expect(objects.allSatisfy { $0.transferSyntax == NetworkTransferSyntax.explicitVRLittleEndian })
            let contexts = try SCUAssociation.contexts(for: objects.map { ($0.sopClassUID, $0.proposedSyntaxes) })
            let results = try await SCUAssociation.withAssociation(config, contexts: contexts) { a in
                try await objects.asyncMap { try await a.store($0) }
            }
            #expect(results.allSatisfy { $0.isSuccess && $0.transferSyntax == NetworkTransferSyntax.implicitVRLittleEndian })
            for o in objects {
                let original = try DICOMFile.read(path: o.path)
                let stored = try DICOMFile.read(path: dir + "/\(o.sopInstanceUID).dcm")
                #expect(stored.transferSyntax == .implicitVRLittleEndian)
                #expect(stored.warnings.isEmpty)
                // Same elements, same values (sequences compared item by item, depth first).
                var a: [String] = [], b: [String] = []
                original.dataSet.forEachElement { e, d in a.append("\(d) \(e.tag) \(e.bytes.map { Array($0) } ?? [])") }
                stored.dataSet.forEachElement { e, d in b.append("\(d) \(e.tag) \(e.bytes.map { Array($0) } ?? [])") }
                #expect(a == b)
            }
        }
    }

    @Test func concurrentAssociationsAllStore() async throws {
        let files = try phantomCaseFiles()
        try await withSCP { port, dir, received in
            let objects = try files.map { try OutgoingObject(path: $0) }
            // Four associations at once, each sending a quarter of the case.
            try await withThrowingTaskGroup(of: [StoreResult].self) { group in
                for part in 0..<4 {
                    let mine = objects.enumerated().filter { $0.offset % 4 == part }.map(\.element)
                    group.addTask {
                        let config = SCUConfiguration(host: "127.0.0.1", port: port, calledAETitle: "ANCHOR_SCP", callingAETitle: "SCU\(part)")
                        let contexts = try SCUAssociation.contexts(for: mine.map { ($0.sopClassUID, $0.proposedSyntaxes) })
                        return try await SCUAssociation.withAssociation(config, contexts: contexts) { a in
                            try await mine.asyncMap { try await a.store($0) }
                        }
                    }
                }
                for try await results in group { #expect(results.allSatisfy { $0.isSuccess }) }
            }
            #expect(storedFiles(dir).count == files.count)
            #expect(Set(received.stored.map(\.callingAETitle)) == ["SCU0", "SCU1", "SCU2", "SCU3"])
        }
    }

    @Test func storeCallbackFailureIsReportedAsOutOfResources() async throws {
        let dir = Fixtures.temporaryDirectory("anchor-scp-fail")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        struct QueueFull: Error {}
        let scp = StorageSCP(configuration: StorageSCPConfiguration(policy: AcceptancePolicy(aeTitle: "ANCHOR_SCP"), directory: dir),
                             onStored: { _ in throw NetworkError(.fileError, "queue full") })
        let port = try await scp.start(host: "127.0.0.1", port: 0)
        defer { Task { await scp.stop() } }
        let o = try OutgoingObject(path: try #require(try phantomCaseFiles().first))
        let config = SCUConfiguration(host: "127.0.0.1", port: port, calledAETitle: "ANCHOR_SCP")
        let r = try await SCUAssociation.withAssociation(config, contexts: try SCUAssociation.contexts(for: [(o.sopClassUID, o.proposedSyntaxes)])) { a in
            try await a.store(o)
        }
        #expect(r.status == DIMSEStatus.outOfResources)
        #expect(r.errorComment == "queue full")
    }
}

extension Array {
    func asyncMap<T>(_ body: (Element) async throws -> T) async throws -> [T] {
        var out: [T] = []
        for e in self { out.append(try await body(e)) }
        return out
    }
}
