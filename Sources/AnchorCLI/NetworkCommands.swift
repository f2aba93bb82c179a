import AnchorDICOM
import AnchorNetwork
import AnchorRT
import ArgumentParser
import Foundation

/// A DICOM node's address on the command line: `HOST:PORT`, `[IPv6]:PORT`.
struct NodeAddress: ExpressibleByArgument {
    var host: String
    var port: Int

    init?(argument: String) {
        guard let colon = argument.lastIndex(of: ":") else { return nil }
        var host = String(argument[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(argument[argument.index(after: colon)...]), (1...65535).contains(port) else { return nil }
        self.host = host
        self.port = port
    }

    var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// Exit status for a network failure: the node could not be reached, refused the association, or did
/// not store every object (EX_UNAVAILABLE from sysexits.h).
let exitUnavailable: Int32 = 69

/// `anchor echo HOST:PORT --called-ae AE [--calling-ae AE]`: a DICOM C-ECHO.
struct EchoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "echo",
        abstract: "Check a DICOM node with C-ECHO (Verification, DICOM PS3.7 9.1.5).",
        discussion: """
        Opens an association to the node as CALLING-AE, asks for Verification, sends C-ECHO and releases. \
        Use it to check that the AE title, address and port of a node are right before sending.

        Exit status: 0 when the node answered success, 64 for a bad option, 69 when the node could not be \
        reached, refused the association or did not answer success.
        """
    )

    @Argument(help: "The node: HOST:PORT (an IPv6 address in brackets).")
    var node: NodeAddress

    @Option(name: .customLong("called-ae"), help: "The node's AE title.")
    var calledAE: String

    @Option(name: .customLong("calling-ae"), help: "This side's AE title, as the node knows it.")
    var callingAE = "ANCHOR"

    @Option(help: "Seconds to wait for the connection and for each answer.")
    var timeout: Double = 30

    func validate() throws {
        for (ae, role) in [(calledAE, "--called-ae"), (callingAE, "--calling-ae")] {
            do { try SCUConfiguration.validateAETitle(ae, role: role) } catch let e as NetworkError { throw ValidationError(e.message) }
        }
        if !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    func run() async throws {
        let config = SCUConfiguration(host: node.host, port: node.port, calledAETitle: calledAE, callingAETitle: callingAE,
                                      timeoutSeconds: timeout)
        let start = Date()
        do {
            try await SCUAssociation.withAssociation(config, contexts: try SCUAssociation.contexts(for: [])) { a in try await a.echo() }
        } catch let e as NetworkError {
            printError("C-ECHO to \(calledAE) at \(node.description) failed: \(e.message)")
            throw ExitCode(exitUnavailable)
        }
        let ms = Int(Date().timeIntervalSince(start) * 1000)
        printNow("C-ECHO to \(calledAE) at \(node.description): success (\(ms) ms)")
    }
}

/// `anchor send PATH... --to HOST:PORT --called-ae AE [--calling-ae AE]`: C-STORE of files.
struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send DICOM files to a DICOM node with C-STORE (Storage, DICOM PS3.4 Annex B, PS3.7 9.1.1).",
        discussion: """
        Files are read first: every named file must be a DICOM object with a SOP Class and Instance UID; in \
        folders (walked recursively, hidden entries skipped), files that are not DICOM objects and DICOMDIR \
        files are skipped and listed. Then one association is opened with a presentation context per kind \
        of object, and each object is sent in its own transfer syntax, or converted between implicit and \
        explicit VR little endian when the node takes only the other; compressed objects go only as they \
        are. The node's answer for every object is reported.

        Exit status: 0 when the node stored every object, 64 for a bad option, 65 when a named file is \
        not a DICOM object (nothing is sent), 66 when a path does not exist (nothing is sent), 69 when \
        the node could not be reached, refused the association, or did not store every object.
        """
    )

    @Argument(help: "DICOM files or folders (recursively).")
    var paths: [String] = []

    @Option(help: "The node: HOST:PORT (an IPv6 address in brackets).")
    var to: NodeAddress

    @Option(name: .customLong("called-ae"), help: "The node's AE title.")
    var calledAE: String

    @Option(name: .customLong("calling-ae"), help: "This side's AE title, as the node knows it.")
    var callingAE = "ANCHOR"

    @Option(help: "Seconds to wait for the connection and for each answer.")
    var timeout: Double = 30

    @Flag(help: "Print one JSON document (snake_case keys) instead of text.")
    var json = false

    func validate() throws {
        if paths.isEmpty { throw ValidationError("give the DICOM files or folders to send") }
        for (ae, role) in [(calledAE, "--called-ae"), (callingAE, "--calling-ae")] {
            do { try SCUConfiguration.validateAETitle(ae, role: role) } catch let e as NetworkError { throw ValidationError(e.message) }
        }
        if !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    /// What is known of a file before sending (its bytes are read again when it is sent).
    struct Item {
        var path: String
        var sopClass: String
        var syntaxes: [String]
        var size: Int
    }

    struct Outcome {
        var path: String
        var sopInstanceUID: String?
        var status: UInt16?
        var message: String?
        var ok: Bool
    }

    func run() async throws {
        let (files, missing) = DICOMLoader.expand(paths)
        for m in missing { printError("\(m): no such file or folder") }
        if !missing.isEmpty { throw ExitCode(ExitStatus.noInput) }

        var items: [Item] = []
        var skipped: [String] = []
        var bad = false
        for (path, named) in files {
            do {
                let o = try OutgoingObject(path: path)
                // Media Storage Directory (DICOMDIR, PS3.4 F.3) is an index, not an object to store.
                if o.sopClassUID == "1.2.840.10008.1.3.10" { skipped.append(path); continue }
                items.append(Item(path: path, sopClass: o.sopClassUID, syntaxes: o.proposedSyntaxes, size: o.bytes.count - o.dataSetOffset))
            } catch let e as NetworkError {
                if named { printError(e.description); bad = true } else { skipped.append(path) }
            }
        }
        if bad { throw ExitCode(ExitStatus.dataError) }
        if items.isEmpty {
            printError("no DICOM objects to send in \(paths.joined(separator: ", "))")
            throw ExitCode(ExitStatus.dataError)
        }

        let config = SCUConfiguration(host: to.host, port: to.port, calledAETitle: calledAE, callingAETitle: callingAE, timeoutSeconds: timeout)
        let totalBytes = items.reduce(0) { $0 + $1.size }
        let progress = ProgressLine("Sending to \(calledAE)", enabled: !json)
        let start = Date()
        var outcomes: [Outcome] = []
        do {
            let contexts = try SCUAssociation.contexts(for: items.map { ($0.sopClass, $0.syntaxes) })
            outcomes = try await SCUAssociation.withAssociation(config, contexts: contexts) { a in
                var out: [Outcome] = []
                var sentBytes = 0
                for item in items {
                    do {
                        let o = try OutgoingObject(path: item.path)
                        let base = sentBytes
                        let r = try await a.store(o) { done in progress.update((base + done) >> 20, totalBytes >> 20) }
                        sentBytes += item.size
                        let message = r.isSuccess ? nil : "status 0x\(String(format: "%04X", r.status))" + (r.errorComment.map { " (\($0))" } ?? "")
                        out.append(Outcome(path: item.path, sopInstanceUID: o.sopInstanceUID, status: r.status, message: message, ok: r.isSuccess))
                    } catch let e as NetworkError where e.code == .noPresentationContext || e.code == .fileError {
                        sentBytes += item.size
                        out.append(Outcome(path: item.path, sopInstanceUID: nil, status: nil, message: e.message, ok: false))
                    }
                }
                return out
            }
        } catch let e as NetworkError {
            progress.finish()
            printError("sending to \(calledAE) at \(to.description) failed: \(e.message)")
            throw ExitCode(exitUnavailable)
        }
        progress.finish()
        let seconds = Date().timeIntervalSince(start)
        let stored = outcomes.filter(\.ok).count
        if json {
            let doc: JSON = .object([
                ("node", .string(to.description)), ("called_ae", .string(calledAE)), ("calling_ae", .string(callingAE)),
                ("stored", .int(stored)), ("failed", .int(outcomes.count - stored)), ("bytes", .int(totalBytes)),
                ("seconds", .number((seconds * 1000).rounded() / 1000)),
                ("objects", .array(outcomes.map { o in
                    .object([("file", .string(o.path)), ("sop_instance_uid", .from(o.sopInstanceUID)),
                             ("status", o.status.map { .int(Int($0)) } ?? .null), ("ok", .bool(o.ok)), ("error", .from(o.message))])
                })),
                ("skipped", .array(skipped.map { .string($0) })),
            ])
            printNow(doc.serialized())
        } else {
            for s in skipped { printNow("skipped (not a DICOM object to store): \(s)") }
            for o in outcomes where !o.ok { printError("\(o.path): not stored: \(o.message ?? "failed")") }
            let mb = Double(totalBytes) / 1_048_576
            printNow("Stored \(stored) of \(outcomes.count) object\(outcomes.count == 1 ? "" : "s") (\(String(format: "%.1f", mb)) MB) "
                     + "at \(calledAE) on \(to.description) in \(String(format: "%.1f", seconds)) s")
        }
        if stored < outcomes.count { throw ExitCode(exitUnavailable) }
    }
}

/// `anchor receive --data DIR --ae-title AE --port N [--allow AE[@ADDRESS]]... [--hostname H]`: a
/// storage SCP writing what it receives into a folder, until interrupted.
struct ReceiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receive",
        abstract: "Receive DICOM objects by C-STORE into a folder (a Storage and Verification SCP, DICOM PS3.4 Annex A and B).",
        discussion: """
        Listens until interrupted (Ctrl-C or SIGTERM). Each object is written to DIR/SOPInstanceUID.dcm as a \
        Part 10 file in the transfer syntax it arrived in: streamed to a temporary file in DIR/.incoming, \
        flushed to disk and renamed into place before success is answered, so an interrupted transfer \
        leaves nothing half stored. Accepts Verification and the storage classes CT, MR, PET, RT Image, RT \
        Dose, RT Structure Set, RT Plan, RT Ion Plan, Spatial Registration and Deformable Spatial \
        Registration, in implicit or explicit VR little endian or any compressed syntax (stored as it is). \
        Only associations calling --ae-title are accepted; with --allow, only the callers listed.

        Prints one line per association event and stored object. Exit status: 0 after an interruption, \
        64 for a bad option, 69 when the port cannot be listened on, 73 when DIR cannot be created.
        """
    )

    @Option(help: "Folder to store the received objects in (created if absent).")
    var data: String

    @Option(name: .customLong("ae-title"), help: "This node's AE title: the called AE title senders must use.")
    var aeTitle = "ANCHOR"

    @Option(help: "TCP port to listen on.")
    var port: Int = 11112

    @Option(help: "Address to listen on (0.0.0.0 for every interface).")
    var hostname = "0.0.0.0"

    @Option(help: "A calling AE title allowed to send, optionally with the address it must come from (AE@ADDRESS); repeatable. Without it, any caller is accepted.")
    var allow: [String] = []

    @Option(name: .customLong("max-pdu"), help: "Maximum PDU length received, in bytes (PS3.8 D.1): the memory bound per association.")
    var maxPDU: UInt32 = 262_144

    @Flag(help: "Print only failures.")
    var quiet = false

    func validate() throws {
        do { try SCUConfiguration.validateAETitle(aeTitle, role: "--ae-title") } catch let e as NetworkError { throw ValidationError(e.message) }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard maxPDU >= 4096 && maxPDU <= 16 << 20 else { throw ValidationError("--max-pdu must be 4096 to 16777216 bytes") }
        for a in allow {
            do { try SCUConfiguration.validateAETitle(String(a.split(separator: "@", maxSplits: 1)[0]), role: "--allow") } catch let e as NetworkError {
                throw ValidationError(e.message)
            }
        }
    }

    /// `--allow` values grouped by AE title (an AE without an address allows any address).
    var allowedCallers: [AcceptancePolicy.AllowedCaller]? {
        guard !allow.isEmpty else { return nil }
        var byAE: [String: [String]] = [:]
        var order: [String] = []
        for a in allow {
            let parts = a.split(separator: "@", maxSplits: 1).map(String.init)
            if byAE[parts[0]] == nil { order.append(parts[0]); byAE[parts[0]] = [] }
            if parts.count == 2 { byAE[parts[0]]!.append(parts[1]) }
        }
        return order.map { AcceptancePolicy.AllowedCaller(aeTitle: $0, addresses: byAE[$0]!) }
    }

    func run() async throws {
        do { try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true) } catch {
            printError("\(data): cannot create the folder (\(error.localizedDescription))")
            throw ExitCode(73)
        }
        let policy = AcceptancePolicy(aeTitle: aeTitle, allowedCallers: allowedCallers, maximumPDULength: maxPDU)
        let quiet = self.quiet
        let scp = StorageSCP(configuration: StorageSCPConfiguration(policy: policy, directory: data), onEvent: { e in
            let failure = [.rejected, .aborted, .storeFailed, .timeout, .protocolError].contains(e.kind)
            guard !quiet || failure else { return }
            let who = [e.callingAETitle, e.peerAddress].compactMap { $0 }.joined(separator: "@")
            let line = "\(e.kind.rawValue)\(who.isEmpty ? "" : " \(who)"): \(e.detail)"
            if failure { printError(line) } else { printNow(line) }
        })
        let bound: Int
        do { bound = try await scp.start(host: hostname, port: port) } catch let e as NetworkError {
            printError("\(e)")
            throw ExitCode(exitUnavailable)
        }
        printNow("Receiving as \(aeTitle) on \(hostname):\(bound) into \(data) (Ctrl-C to stop)")
        await waitForInterrupt()
        await scp.stop()
    }

    /// Returns on SIGINT or SIGTERM.
    func waitForInterrupt() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let once = NSLock()
            nonisolated(unsafe) var resumed = false
            var sources: [DispatchSourceSignal] = []
            for sig in [SIGINT, SIGTERM] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                source.setEventHandler {
                    once.lock(); defer { once.unlock() }
                    if !resumed { resumed = true; done.resume() }
                }
                source.resume()
                sources.append(source)
            }
            ReceiveCommand.signalSources = sources
        }
    }

    nonisolated(unsafe) static var signalSources: [DispatchSourceSignal] = []
}
