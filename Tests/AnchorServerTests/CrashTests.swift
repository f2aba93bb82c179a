import AnchorDICOM
import AnchorTestSupport
import Foundation
import Testing

/// Kills `anchor serve` (SIGKILL) in the middle of an upload and restarts it on the same data folder:
/// the half-uploaded case is not there, the earlier case is intact, and the case whose upload was
/// acknowledged before the crash finishes its analysis after the restart.
@Suite(.serialized, .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/curl"), "needs curl"))
struct CrashTests {
    final class Server {
        let process = Process()
        init(data: String, port: Int, jobs: Bool) throws {
            process.executableURL = URL(fileURLWithPath: AnchorCLI.executable)
            process.arguments = ["serve", "--data", data, "--port", String(port)] + (jobs ? [] : ["--no-jobs"])
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }
        func kill() { Foundation.kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        func stop() { process.interrupt(); process.waitUntilExit() }
    }

    /// Runs curl with output captured through pipes.
    @discardableResult
    func curl(_ args: [String]) throws -> (status: Int32, out: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        p.arguments = ["-s"] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func waitForHealth(_ base: String) throws {
        for _ in 0..<300 {
            if (try? curl(["-f", base + "/health"]))?.status == 0 { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        Issue.record("server did not come up")
    }

    func token(_ base: String) throws -> String {
        let r = try curl(["-X", "POST", base + "/api/v1/auth/login", "-H", "Content-Type: application/json",
                          "-d", #"{"email":"submitter@crash.test","password":"crash test password"}"#])
        return ((try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])?["token"] as? String) ?? ""
    }

    func uploadArgs(_ base: String, _ token: String, _ dir: String, _ files: [String]) -> [String] {
        ["-X", "POST", base + "/api/v1/cases", "-H", "Authorization: Bearer \(token)",
         "-F", "protocol=posterior-fossa", "-F", "age_years=6", "-F", "diagnosis=Ependymoma", "-F", "planned_start=2027-02-01"]
            + files.flatMap { ["-F", "files=@\(dir)/\($0)"] }
    }

    @Test func killDuringUploadLosesOnlyTheUnacknowledgedCase() throws {
        let dir = Fixtures.temporaryDirectory("anchor-crash")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = dir + "/data"
        try "crash test password\n".write(toFile: dir + "/pw", atomically: true, encoding: .utf8)
        for args in [["admin", "create-centre", "--name", "Anchor", "--kind", "anchor"], ["admin", "create-centre", "--name", "Partner", "--kind", "partner"],
                     ["admin", "link", "--partner", "Partner", "--anchor", "Anchor"],
                     ["admin", "create-user", "--email", "submitter@crash.test", "--password-file", dir + "/pw", "--centre", "Partner", "--role", "submitter"],
                     ["admin", "create-user", "--email", "reviewer@crash.test", "--password-file", dir + "/pw", "--centre", "Anchor", "--role", "reviewer"]] {
            let r = try AnchorCLI.run(args + ["--data", data])
            #expect(r.status == 0, "\(args): \(r.stderr)")
        }
        // A small case, and a big one (padded with extra CT slices) for the upload that is cut.
        let small = try TestCaseWriter.write(to: dir + "/small", slices: 8)
        let big = try TestCaseWriter.write(to: dir + "/big", slices: 120)
        let port = Int.random(in: 20_000...40_000)
        let base = "http://127.0.0.1:\(port)"

        var server = try Server(data: data, port: port, jobs: false)
        try waitForHealth(base)
        let t = try token(base)
        let first = try curl(uploadArgs(base, t, dir + "/small", small))
        let firstID = try #require((try JSONSerialization.jsonObject(with: Data(first.out.utf8)) as? [String: Any])?["id"] as? String, "\(first.out)")
        // The second upload crawls at 100 kB/s; the server dies half-way.
        let slow = Process()
        slow.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        slow.arguments = ["-s", "--limit-rate", "100k"] + uploadArgs(base, t, dir + "/big", big)
        slow.standardOutput = FileHandle.nullDevice
        slow.standardError = FileHandle.nullDevice
        try slow.run()
        Thread.sleep(forTimeInterval: 1.5)
        #expect(slow.isRunning, "the slow upload should still be sending")
        server.kill()
        slow.waitUntilExit()

        server = try Server(data: data, port: port, jobs: true)
        defer { server.stop() }
        try waitForHealth(base)
        let t2 = try token(base)
        var status = ""
        for _ in 0..<300 {
            let list = try curl([base + "/api/v1/cases", "-H", "Authorization: Bearer \(t2)"])
            let cases = ((try JSONSerialization.jsonObject(with: Data(list.out.utf8)) as? [String: Any])?["cases"] as? [[String: Any]]) ?? []
            #expect(cases.count == 1, "only the acknowledged case exists: \(list.out)")
            #expect(cases.first?["id"] as? String == firstID)
            status = cases.first?["status"] as? String ?? ""
            if status != "submitted" { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(status == "in_review", "the acknowledged case was analysed after the restart")
        // Every stored object is whole: its name is the SHA-256 of its bytes.
        for path in Fixtures.files(under: data + "/objects") {
            let bytes = try readFileBytes(path)
            #expect(!path.hasSuffix(".tmp"))
            #expect((path as NSString).lastPathComponent == SHA256Hex.of(bytes), "\(path)")
        }
    }
}
