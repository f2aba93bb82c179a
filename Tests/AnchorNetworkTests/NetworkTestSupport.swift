import AnchorDICOM
@testable import AnchorNetwork
import AnchorPhantoms
import AnchorTestSupport
import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// What an SCP under test received.
final class Received: Sendable {
    let objects = NIOLockedValueBox<[StoredObject]>([])
    let events = NIOLockedValueBox<[AssociationEvent]>([])
    var stored: [StoredObject] { objects.withLockedValue { $0 } }
    var eventList: [AssociationEvent] { events.withLockedValue { $0 } }
}

/// Runs an Anchor SCP on a free loopback port for the duration of `body`.
func withSCP<R>(aeTitle: String = "ANCHOR_SCP", policy: AcceptancePolicy? = nil, idleSeconds: Double = 30, artimSeconds: Double = 10,
                _ body: (_ port: Int, _ directory: String, _ received: Received) async throws -> R) async throws -> R {
    let dir = Fixtures.temporaryDirectory("anchor-scp")
    let received = Received()
    let scp = StorageSCP(
        configuration: StorageSCPConfiguration(policy: policy ?? AcceptancePolicy(aeTitle: aeTitle), directory: dir,
                                               artimTimeoutSeconds: artimSeconds, idleTimeoutSeconds: idleSeconds),
        onEvent: { e in received.events.withLockedValue { $0.append(e) } },
        onStored: { o in received.objects.withLockedValue { $0.append(o) } })
    let port = try await scp.start(host: "127.0.0.1", port: 0)
    do {
        let r = try await body(port, dir, received)
        await scp.stop()
        try? FileManager.default.removeItem(atPath: dir)
        return r
    } catch {
        await scp.stop()
        try? FileManager.default.removeItem(atPath: dir)
        throw error
    }
}

/// A small phantom case (CT, RT Structure Set, RT Plan, RT Dose) written by Anchor, coarse grid.
func phantomCaseFiles() throws -> [String] {
    let w = try PaediatricCases.written(try PhantomSpec(site: "posterior-fossa", ageYears: 5, resolution: .coarse))
    return Fixtures.files(under: w.directory).filter { $0.hasSuffix(".dcm") }
}

/// The data set bytes of a Part 10 file (after its meta group).
func dataSetBytes(_ path: String) throws -> ArraySlice<UInt8> {
    let b = try readFileBytes(path)
    return b[Part10.dataSetOffset(b)...]
}

/// Every element of a file's data set, depth first, as "depth tag value-bytes" lines.
func elementTree(_ path: String) throws -> [String] {
    var out: [String] = []
    try DICOMFile.read(path: path).dataSet.forEachElement { e, depth in
        let value: String
        switch e.value {
        case .bytes(let b): value = b.map { String($0) }.joined(separator: ",")
        case .sequence(let items): value = "items \(items.count)"
        case .fragments(let table, let fragments): value = "fragments \(table.count) \(fragments.map(\.count))"
        }
        out.append("\(depth) \(e.tag) \(value)")
    }
    return out
}

/// `.dcm` files directly in a folder (not in `.incoming`).
func storedFiles(_ dir: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".dcm") }.sorted().map { dir + "/" + $0 }
}

/// An executable on PATH, or nil.
func onPath(_ name: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
        let p = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    return nil
}

/// A Python that imports pynetdicom: `ANCHOR_NETWORK_PYTHON`, `ANCHOR_PYTHON`, or /tmp/venv-network.
let pynetdicomPython: String? = {
    let env = ProcessInfo.processInfo.environment
    for candidate in [env["ANCHOR_NETWORK_PYTHON"], env["ANCHOR_PYTHON"], "/tmp/venv-network/bin/python"].compactMap({ $0 }) {
        if FileManager.default.isExecutableFile(atPath: candidate),
           let r = try? ProcessRunner.run(candidate, ["-c", "import pynetdicom, pydicom"]), r.status == 0 {
            return candidate
        }
    }
    return nil
}()

/// A free TCP port on loopback (bound then released).
func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// Waits until something listens on the loopback port (a peer server starting).
func waitForListener(port: Int, seconds: Double = 15) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if let peer = try? RawPeer(port: port) { peer.close(); return true }
        usleep(100_000)
    }
    return false
}

/// A program running in the background with its output on pipes (drained by threads so it never
/// blocks), stopped with `stop()`.
final class BackgroundProcess: @unchecked Sendable {
    let process = Process()
    private let lock = NSLock()
    private var output = Data()

    init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        for pipe in [out, err] {
            pipe.fileHandleForReading.readabilityHandler = { [weak self] h in
                let d = h.availableData
                guard let self, !d.isEmpty else { return }
                self.lock.lock(); self.output.append(d); self.lock.unlock()
            }
        }
        try process.run()
    }

    var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: output, as: UTF8.self) }

    /// Kills the program (storescp ignores SIGTERM) and waits for it.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// A raw TCP peer speaking bytes, to send what a well-behaved SCU never would.
final class RawPeer {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let r = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard r == 0 else { Foundation.close(fd); throw NetworkError(.connectionFailed, "connect failed") }
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    func close() { Foundation.close(fd) }

    func send(_ bytes: [UInt8]) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Foundation.send(fd, $0.baseAddress! + done, bytes.count - done, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            done += n
        }
    }

    func send(_ pdu: PDU) {
        var b = ByteBuffer()
        pdu.encode(into: &b)
        send(b.readBytes(length: b.readableBytes)!)
    }

    /// Reads exactly `n` bytes, or nil at end of stream or timeout.
    func read(_ n: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: n)
        var done = 0
        while done < n {
            let r = out.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + done, n - done, 0) }
            if r <= 0 { return nil }
            done += r
        }
        return out
    }

    /// Reads one PDU, or nil when the connection closed.
    func readPDU() throws -> PDU? {
        guard let header = read(6) else { return nil }
        let length = Int(UInt32(header[2]) << 24 | UInt32(header[3]) << 16 | UInt32(header[4]) << 8 | UInt32(header[5]))
        guard let body = read(length) else { return nil }
        var b = ByteBuffer(bytes: body)
        return try PDU.decode(kind: header[0], body: &b)
    }

    /// True when the peer closed the connection (reads end) within the receive timeout.
    func closedByPeer() -> Bool {
        var byte: UInt8 = 0
        while true {
            let r = recv(fd, &byte, 1, 0)
            if r == 0 { return true }
            if r < 0 { return false }
        }
    }

    /// An A-ASSOCIATE-RQ for CT storage and Verification.
    static func request(called: String = "ANCHOR_SCP", calling: String = "RAW", maximumLength: UInt32 = 16384) -> AssociateRequest {
        AssociateRequest(calledAETitle: called, callingAETitle: calling, contexts: [
            ProposedContext(id: 1, abstractSyntax: DICOMUID.verification, transferSyntaxes: [NetworkTransferSyntax.implicitVRLittleEndian]),
            ProposedContext(id: 3, abstractSyntax: StorageSOPClass.ctImage, transferSyntaxes: [NetworkTransferSyntax.explicitVRLittleEndian]),
        ], userInformation: UserInformation(maximumLength: maximumLength, implementationClassUID: "1.2.3.4", implementationVersionName: "RAW"))
    }
}
