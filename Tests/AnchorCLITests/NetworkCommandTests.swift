import AnchorDICOM
import AnchorNetwork
import AnchorPhantoms
import AnchorTestSupport
import Foundation
import NIOConcurrencyHelpers
import Testing

/// `anchor echo` and `anchor send` end to end, through the built executable, against Anchor's SCP.
@Suite struct NetworkCommandTests {
    /// Runs an SCP on a free loopback port while `body` runs; returns what it stored.
    func withSCP(_ body: (Int, String) async throws -> Void) async throws -> [StoredObject] {
        let dir = Fixtures.temporaryDirectory("anchor-cli-scp")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let stored = NIOLockedValueBox<[StoredObject]>([])
        let scp = StorageSCP(configuration: StorageSCPConfiguration(policy: AcceptancePolicy(aeTitle: "ANCHOR_SCP"), directory: dir),
                             onStored: { o in stored.withLockedValue { $0.append(o) } })
        let port = try await scp.start(host: "127.0.0.1", port: 0)
        do { try await body(port, dir) } catch { await scp.stop(); throw error }
        await scp.stop()
        return stored.withLockedValue { $0 }
    }

    func run(_ args: [String]) async throws -> AnchorCLI.Result {
        try await Task.detached { try AnchorCLI.run(args) }.value
    }

    @Test func helpNamesTheOptionsAndTheExitCodes() throws {
        let echo = try AnchorCLI.run(["echo", "--help"])
        #expect(echo.status == 0)
        for text in ["<node>", "--called-ae <called-ae>", "--calling-ae <calling-ae>", "--timeout", "PS3.7", "Exit status", "69"] {
            #expect(echo.stdout.contains(text), "\(text)")
        }
        let send = try AnchorCLI.run(["send", "--help"])
        #expect(send.status == 0)
        for text in ["<paths> ...", "--to <to>", "--called-ae <called-ae>", "--calling-ae <calling-ae>", "--json", "65", "66", "69"] {
            #expect(send.stdout.contains(text), "\(text)")
        }
    }

    @Test func echoReportsSuccessAndRefusals() async throws {
        _ = try await withSCP { port, _ in
            let ok = try await run(["echo", "127.0.0.1:\(port)", "--called-ae", "ANCHOR_SCP", "--calling-ae", "PHYSICS"])
            #expect(ok.status == 0, "\(ok.stderr)")
            #expect(ok.stdout.hasPrefix("C-ECHO to ANCHOR_SCP at 127.0.0.1:\(port): success"))
            let wrong = try await run(["echo", "127.0.0.1:\(port)", "--called-ae", "WRONG"])
            #expect(wrong.status == 69)
            #expect(wrong.stderr.contains("called AE title not recognised"), "\(wrong.stderr)")
        }
        let port = Int.random(in: 20000...30000)
        let closed = try await run(["echo", "127.0.0.1:\(port)", "--called-ae", "ANCHOR_SCP", "--timeout", "5"])
        #expect(closed.status == 69)
        #expect(closed.stderr.contains("cannot connect"), "\(closed.stderr)")
    }

    @Test func badOptionsAreUsageErrors() throws {
        #expect(try AnchorCLI.run(["echo", "localhost", "--called-ae", "X"]).status == 64)          // no port
        #expect(try AnchorCLI.run(["echo", "localhost:70000", "--called-ae", "X"]).status == 64)    // port out of range
        let longAE = try AnchorCLI.run(["echo", "localhost:104", "--called-ae", "AN_AE_TITLE_TOO_LONG"])
        #expect(longAE.status == 64)
        #expect(longAE.stderr.contains("1 to 16"))
        #expect(try AnchorCLI.run(["send", "--to", "localhost:104", "--called-ae", "X"]).status == 64)   // no paths
    }

    @Test func sendStoresAPhantomCase() async throws {
        let dir = Fixtures.temporaryDirectory("anchor-cli-send")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let phantom = PhantomGenerator.generate(try PhantomSpec(site: "abdomen", ageYears: 8, resolution: .coarse))
        let written = try PhantomGenerator.write(phantom, to: dir)
        try Data("not dicom".utf8).write(to: URL(fileURLWithPath: dir + "/notes.txt"))
        var storedDir = ""
        let stored = try await withSCP { port, scpDir in
            storedDir = scpDir
            let r = try await run(["send", dir, "--to", "127.0.0.1:\(port)", "--called-ae", "ANCHOR_SCP", "--calling-ae", "TPS"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("Stored \(written.count) of \(written.count) objects"), "\(r.stdout)")
            #expect(r.stdout.contains("skipped (not a DICOM object to store): \(dir)/notes.txt"))
            #expect(r.stderr.isEmpty) // no progress line when stderr is not a terminal
            for f in written {
                let b = try readFileBytes(f)
                let uid = try #require(try DICOMFile(bytes: b).sopInstanceUID)
                let got = try readFileBytes(scpDir + "/\(uid).dcm")
                #expect(got[Part10.dataSetOffset(got)...] == b[Part10.dataSetOffset(b)...])
            }
            let json = try await run(["send", written[0], "--to", "127.0.0.1:\(port)", "--called-ae", "ANCHOR_SCP", "--json"])
            #expect(json.status == 0)
            #expect(json.stdout.contains("\"stored\": 1") && json.stdout.contains("\"sop_instance_uid\""), "\(json.stdout)")
        }
        #expect(!storedDir.isEmpty)
        #expect(stored.count == written.count + 1)
        #expect(Set(stored.prefix(written.count).map(\.callingAETitle)) == ["TPS"])
    }

    @Test func sendRefusesMissingAndNonDICOMInputsBeforeSending() throws {
        let dir = Fixtures.temporaryDirectory("anchor-cli-send-bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let missing = try AnchorCLI.run(["send", dir + "/nope.dcm", "--to", "127.0.0.1:1", "--called-ae", "X"])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("nope.dcm: no such file or folder"))
        try Data("not dicom at all".utf8).write(to: URL(fileURLWithPath: dir + "/plan.dcm"))
        let bad = try AnchorCLI.run(["send", dir + "/plan.dcm", "--to", "127.0.0.1:1", "--called-ae", "X"])
        #expect(bad.status == 65)
        #expect(bad.stderr.contains("plan.dcm"), "\(bad.stderr)")
    }

    @Test func receiveStoresWhatSendSendsAndStopsOnSIGTERM() async throws {
        let dir = Fixtures.temporaryDirectory("anchor-cli-receive")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let phantom = PhantomGenerator.generate(try PhantomSpec(site: "mediastinum", ageYears: 12, resolution: .coarse))
        let written = try PhantomGenerator.write(phantom, to: dir + "/case")
        let port = Int.random(in: 30000...40000)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: AnchorCLI.executable)
        p.arguments = ["receive", "--data", dir + "/in", "--ae-title", "RECEIVER", "--port", String(port), "--hostname", "127.0.0.1",
                       "--allow", "TPS@127.0.0.1"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        var listening = false
        for _ in 0..<100 where !listening {
            let echo = try await run(["echo", "127.0.0.1:\(port)", "--called-ae", "RECEIVER", "--calling-ae", "TPS", "--timeout", "2"])
            listening = echo.status == 0
            if !listening { try await Task.sleep(nanoseconds: 100_000_000) }
        }
        #expect(listening)
        let stranger = try await run(["echo", "127.0.0.1:\(port)", "--called-ae", "RECEIVER", "--calling-ae", "OTHER"])
        #expect(stranger.status == 69 && stranger.stderr.contains("calling AE title not recognised"), "\(stranger.stderr)")
        let r = try await run(["send", dir + "/case", "--to", "127.0.0.1:\(port)", "--called-ae", "RECEIVER", "--calling-ae", "TPS"])
        #expect(r.status == 0, "\(r.stderr)")
        let stored = ((try? FileManager.default.contentsOfDirectory(atPath: dir + "/in")) ?? []).filter { $0.hasSuffix(".dcm") }
        #expect(stored.count == written.count)
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let log = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.hasPrefix("Receiving as RECEIVER on 127.0.0.1:\(port)"))
        #expect(log.components(separatedBy: "\nstored TPS@127.0.0.1: ").count == written.count + 1)
    }
}
