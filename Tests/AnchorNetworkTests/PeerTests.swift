import AnchorDICOM
@testable import AnchorNetwork
import AnchorTestSupport
import Foundation
import Testing

/// Anchor against other implementations: dcmtk's echoscu, storescu and storescp, and pynetdicom,
/// both ways. Each test skips with a message when its peer is not installed.
@Suite(.serialized) struct PeerTests {
    static let dcmtkMissing = "dcmtk (echoscu, storescu, storescp) is not on PATH: skipping"
    static let pynetdicomMissing = "no Python with pynetdicom (ANCHOR_NETWORK_PYTHON, ANCHOR_PYTHON or /tmp/venv-network): skipping"

    /// Sent files and what arrived, compared by SOP instance: the data sets must be the same bytes, or
    /// with `decoded`, the same elements with the same value bytes at every depth (for a sender that
    /// re-encodes, as dcmtk's storescu does with sequence and item lengths).
    func expectSameDataSets(sent files: [String], receivedIn dir: String, decoded: Bool = false) throws {
        var arrived: [String: String] = [:]
        for f in Fixtures.files(under: dir) where !f.contains("/.incoming/") {
            if let uid = try? DICOMFile.read(path: f).sopInstanceUID { arrived[uid] = f }
        }
        #expect(arrived.count == files.count)
        for f in files {
            let uid = try #require(try DICOMFile.read(path: f).sopInstanceUID)
            guard let got = arrived[uid] else { Issue.record("\(f) did not arrive"); continue }
            if decoded {
                #expect(try elementTree(got) == elementTree(f), "\(f)")
            } else {
                #expect(try dataSetBytes(got) == dataSetBytes(f), "\(f)")
            }
        }
    }

    // MARK: dcmtk

    @Test func dcmtkEchoscuIsAnswered() async throws {
        guard let echoscu = onPath("echoscu") else { print(Self.dcmtkMissing); return }
        try await withSCP { port, _, received in
            let r = try ProcessRunner.run(echoscu, ["-aet", "DCMTK", "-aec", "ANCHOR_SCP", "127.0.0.1", String(port)])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(received.eventList.contains { $0.kind == .echo && $0.callingAETitle == "DCMTK" })
            // A wrong called AE title is refused.
            let wrong = try ProcessRunner.run(echoscu, ["-aet", "DCMTK", "-aec", "NOT_ANCHOR", "127.0.0.1", String(port)])
            #expect(wrong.status != 0)
            #expect(wrong.stderr.contains("Called AE Title Not Recognized") || wrong.stdout.contains("Called AE Title Not Recognized"),
                    "\(wrong.stderr)")
        }
    }

    @Test func dcmtkStorescuSendsACaseToAnchor() async throws {
        guard let storescu = onPath("storescu") else { print(Self.dcmtkMissing); return }
        let files = try phantomCaseFiles()
        try await withSCP { port, dir, received in
            // Blocking tool run off the cooperative pool's threads, so the SCP keeps its event loops.
            let r = try await Task.detached {
                try ProcessRunner.run(storescu, ["-aet", "DCMTK", "-aec", "ANCHOR_SCP", "127.0.0.1", String(port)] + files)
            }.value
            #expect(r.status == 0, "\(r.stderr)")
            #expect(received.stored.count == files.count)
            try expectSameDataSets(sent: files, receivedIn: dir, decoded: true)
        }
    }

    @Test func anchorSendsACaseToDcmtkStorescp() async throws {
        guard let storescp = onPath("storescp") else { print(Self.dcmtkMissing); return }
        let files = try phantomCaseFiles()
        let out = Fixtures.temporaryDirectory("anchor-storescp")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let port = freePort()
        // --bit-preserving: storescp writes what it received without re-encoding it.
        let server = try BackgroundProcess(storescp, ["--aetitle", "STORESCP", "--output-directory", out, "--bit-preserving", String(port)])
        defer { server.stop() }
        #expect(waitForListener(port: port))
        let config = SCUConfiguration(host: "127.0.0.1", port: port, calledAETitle: "STORESCP", callingAETitle: "ANCHOR")
        let objects = try files.map { try OutgoingObject(path: $0) }
        let contexts = try SCUAssociation.contexts(for: objects.map { ($0.sopClassUID, $0.proposedSyntaxes) })
        let results = try await SCUAssociation.withAssociation(config, contexts: contexts) { a in
            try await a.echo()
            return try await objects.asyncMap { try await a.store($0) }
        }
        #expect(results.allSatisfy { $0.isSuccess }, "\(server.text)")
        try expectSameDataSets(sent: files, receivedIn: out)
    }

    // MARK: pynetdicom

    static let pynetdicomSCU = """
    import sys
    from pynetdicom import AE
    from pydicom import dcmread
    port, files = int(sys.argv[1]), sys.argv[2:]
    ae = AE(ae_title="PYNETDICOM")
    ae.add_requested_context("1.2.840.10008.1.1")
    for cls in sorted({str(dcmread(f, stop_before_pixels=True).SOPClassUID) for f in files}):
        ae.add_requested_context(cls, ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2"])
    assoc = ae.associate("127.0.0.1", port, ae_title="ANCHOR_SCP")
    if not assoc.is_established:
        print("association failed"); sys.exit(2)
    status = assoc.send_c_echo()
    print("echo 0x%04X" % status.Status)
    bad = 0
    for f in files:
        status = assoc.send_c_store(f)   # a path: the file's encoded data set is sent as it is
        if not status or status.Status != 0:
            bad += 1
            print("store failed", f, status)
    assoc.release()
    print("stored", len(files) - bad)
    sys.exit(1 if bad else 0)
    """

    @Test func pynetdicomSendsACaseToAnchor() async throws {
        guard let python = pynetdicomPython else { print(Self.pynetdicomMissing); return }
        let files = try phantomCaseFiles()
        try await withSCP { port, dir, received in
            let r = try await Task.detached {
                try ProcessRunner.run(python, ["-c", Self.pynetdicomSCU, String(port)] + files)
            }.value
            #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
            #expect(r.stdout.contains("echo 0x0000"))
            #expect(r.stdout.contains("stored \(files.count)"))
            #expect(received.stored.count == files.count)
            try expectSameDataSets(sent: files, receivedIn: dir)
        }
    }

    static let pynetdicomSCP = """
    import sys, os
    from pynetdicom import AE, evt, AllStoragePresentationContexts
    port, out = int(sys.argv[1]), sys.argv[2]
    # "implicit" as a third argument: accept implicit VR little endian only, so the sender must convert.
    syntaxes = ["1.2.840.10008.1.2"] if sys.argv[3:] == ["implicit"] else ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2"]
    def on_store(event):
        # The data set exactly as received, behind a file meta group: nothing re-encoded.
        meta = event.file_meta
        path = os.path.join(out, event.request.AffectedSOPInstanceUID + ".dcm")
        with open(path + ".tmp", "wb") as f:
            f.write(b"\\0" * 128 + b"DICM")
            from pydicom.filewriter import write_file_meta_info
            write_file_meta_info(f, meta)
            f.write(event.request.DataSet.getvalue())
        os.rename(path + ".tmp", path)
        return 0x0000
    ae = AE(ae_title="PYNETDICOM")
    # Explicit VR first: pynetdicom accepts in its own order, and the files are explicit VR little endian.
    for cx in AllStoragePresentationContexts:
        ae.add_supported_context(cx.abstract_syntax, syntaxes)
    ae.add_supported_context("1.2.840.10008.1.1")
    print("ready", flush=True)
    ae.start_server(("127.0.0.1", port), block=True, evt_handlers=[(evt.EVT_C_STORE, on_store)])
    """

    @Test func anchorSendsACaseToPynetdicom() async throws {
        guard let python = pynetdicomPython else { print(Self.pynetdicomMissing); return }
        let files = try phantomCaseFiles()
        let out = Fixtures.temporaryDirectory("anchor-pynetdicom")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let port = freePort()
        let server = try BackgroundProcess(python, ["-c", Self.pynetdicomSCP, String(port), out])
        defer { server.stop() }
        #expect(waitForListener(port: port))
        let config = SCUConfiguration(host: "127.0.0.1", port: port, calledAETitle: "PYNETDICOM", callingAETitle: "ANCHOR")
        let objects = try files.map { try OutgoingObject(path: $0) }
        let contexts = try SCUAssociation.contexts(for: objects.map { ($0.sopClassUID, $0.proposedSyntaxes) })
        let results = try await SCUAssociation.withAssociation(config, contexts: contexts) { a in
            try await a.echo()
            return try await objects.asyncMap { try await a.store($0) }
        }
        #expect(results.allSatisfy { $0.isSuccess }, "\(server.text)")
        try expectSameDataSets(sent: files, receivedIn: out)
    }

    static let pydicomCompare = """
    import sys, os
    from pydicom import dcmread
    original_dir, received_dir = sys.argv[1], sys.argv[2]
    received = {}
    for name in os.listdir(received_dir):
        ds = dcmread(os.path.join(received_dir, name))
        received[str(ds.SOPInstanceUID)] = ds
    bad = 0
    for path in sys.argv[3:]:
        a = dcmread(path)
        b = received.get(str(a.SOPInstanceUID))
        if b is None or str(b.file_meta.TransferSyntaxUID) != "1.2.840.10008.1.2" or a != b:
            bad += 1
            print("differs", path)
    print("compared", len(sys.argv) - 3, "differing", bad)
    sys.exit(1 if bad else 0)
    """

    @Test func anchorConvertsToImplicitVRForPynetdicomAndPydicomReadsTheSameValues() async throws {
        guard let python = pynetdicomPython else { print(Self.pynetdicomMissing); return }
        let files = try phantomCaseFiles()
        let out = Fixtures.temporaryDirectory("anchor-pynetdicom-implicit")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let port = freePort()
        let server = try BackgroundProcess(python, ["-c", Self.pynetdicomSCP, String(port), out, "implicit"])
        defer { server.stop() }
        #expect(waitForListener(port: port))
        let config = SCUConfiguration(host: "127.0.0.1", port: port, calledAETitle: "PYNETDICOM", callingAETitle: "ANCHOR")
        let objects = try files.map { try OutgoingObject(path: $0) }
        let contexts = try SCUAssociation.contexts(for: objects.map { ($0.sopClassUID, $0.proposedSyntaxes) })
        let results = try await SCUAssociation.withAssociation(config, contexts: contexts) { a in
            try await objects.asyncMap { try await a.store($0) }
        }
        #expect(results.allSatisfy { $0.isSuccess && $0.transferSyntax == NetworkTransferSyntax.implicitVRLittleEndian }, "\(server.text)")
        // pydicom decodes the converted files to the same values as the originals, element by element.
        let r = try await Task.detached { try ProcessRunner.run(python, ["-c", Self.pydicomCompare, "", out] + files) }.value
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("compared \(files.count) differing 0"))
    }
}
