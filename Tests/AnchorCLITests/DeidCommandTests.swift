import AnchorDICOM
import AnchorRT
import AnchorTestSupport
import Foundation
import Testing

/// `anchor deid` end to end, through the built executable.
struct DeidCommandTests {
    /// A folder with a small CT series of one child, an institution and a private note in every slice,
    /// and a centre secret beside it.
    static func makeCase(patientID: String = "CLI-DEID-01", slices: Int = 3) throws -> (dir: String, input: String, secret: String) {
        let dir = Fixtures.temporaryDirectory("anchor-deid-cli")
        let input = dir + "/in"
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        let (grid, hu) = SyntheticCase.ctGrid(slices: slices)
        var files = RTWriter.ctSeries(grid: grid, hounsfield: hu,
                                      context: RTWriter.Context(patientID: patientID, patientName: "Small^Tim", studyDate: "20240102"))
        for i in files.indices {
            files[i].dataSet.set(.patientBirthDate, .DA, "20190101")
            files[i].dataSet.set(DICOMTag(0x0008_0080), .LO, "Riverside Children's Hospital")
            files[i].dataSet.set(DICOMTag(0x0029_0010), .LO, "VENDOR")
            files[i].dataSet.set(DICOMTag(0x0029_1001), .LO, "Tim Small, ward 4")
        }
        try SyntheticCase.write(files, to: input)
        try Data("cli test centre secret 0123456789\n".utf8).write(to: URL(fileURLWithPath: dir + "/centre.secret"))
        return (dir, input, dir + "/centre.secret")
    }

    @Test func helpNamesTheProfileTheOptionsAndTheExitCodes() throws {
        let r = try AnchorCLI.run(["deid", "--help"])
        #expect(r.status == 0)
        for text in ["PS3.15 Annex E", "--out <out>", "--centre-secret <centre-secret>", "--key-file <key-file>", "--keep-dates",
                     "--verify", "--json", "Exit status", "65", "66"] {
            #expect(r.stdout.contains(text), "\(text)")
        }
    }

    @Test func deidentifiesIntoAPseudonymFolderAndVerifiesClean() throws {
        let c = try Self.makeCase()
        defer { try? FileManager.default.removeItem(atPath: c.dir) }
        let r = try AnchorCLI.run(["deid", c.input, "--out", c.dir + "/out", "--centre-secret", c.secret])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("Wrote 3 files of 1 patient"))
        #expect(r.stdout.contains("Key file: \(c.dir)/anchor-deid-key.tsv (1 patient added)"))
        #expect(r.stderr.isEmpty) // no progress line when stderr is not a terminal
        let folders = try FileManager.default.contentsOfDirectory(atPath: c.dir + "/out")
        #expect(folders.count == 1 && DeidentificationVerifier.isPseudonym(folders[0]))
        let outputs = Fixtures.files(under: c.dir + "/out")
        #expect(outputs.count == 3 && outputs.allSatisfy { ($0 as NSString).lastPathComponent.hasPrefix("CT.2.25.") })
        for f in outputs {
            let text = String(decoding: try readFileBytes(f), as: UTF8.self)
            for leak in ["Small^Tim", "Tim Small", "CLI-DEID-01", "Riverside", "ward 4", "20190101"] { #expect(!text.contains(leak), "\(leak) in \(f)") }
        }
        let key = try String(contentsOfFile: c.dir + "/anchor-deid-key.tsv", encoding: .utf8)
        #expect(key.contains(folders[0] + "\tCLI-DEID-01\t\tSmall^Tim\t20190101\t"))

        let verify = try AnchorCLI.run(["deid", "--verify", c.dir + "/out"])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(verify.stdout.contains("Nothing identifying found in 3 files"))
        // The patient's age survives, computed before the birth date went.
        let ds = try DICOMFile.read(path: outputs[0]).dataSet
        #expect(ds.string(.patientAge) == "005Y")
    }

    @Test func verifyListsFindingsAsJSONAndExits65() throws {
        let c = try Self.makeCase()
        defer { try? FileManager.default.removeItem(atPath: c.dir) }
        let r = try AnchorCLI.run(["deid", "--verify", c.input, "--json"])
        #expect(r.status == 65)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(json["files_checked"] as? Int == 3)
        let findings = try #require(json["findings"] as? [[String: Any]])
        #expect(findings.allSatisfy { Set($0.keys) == ["file", "tag_path", "keyword", "vr", "reason"] })
        let paths = Set(findings.compactMap { $0["tag_path"] as? String })
        for p in ["(0010,0010)", "(0010,0020)", "(0010,0030)", "(0008,0080)", "(0029,1001)", "(0012,0062)"] {
            #expect(paths.contains(p), "\(p) not flagged")
        }
        #expect(findings.contains { ($0["tag_path"] as? String) == "(0008,0080)" && ($0["reason"] as? String)?.contains("institution") == true })
    }

    @Test func resubmissionMapsToTheSameFilesAndTheKeyKeepsItsEntries() throws {
        let c = try Self.makeCase()
        defer { try? FileManager.default.removeItem(atPath: c.dir) }
        let args = ["deid", c.input, "--out", c.dir + "/out", "--centre-secret", c.secret, "--key-file", c.dir + "/key.tsv", "--keep-dates"]
        #expect(try AnchorCLI.run(args).status == 0)
        let first = try Fixtures.files(under: c.dir + "/out").map { try readFileBytes($0) }
        let key = try String(contentsOfFile: c.dir + "/key.tsv", encoding: .utf8)
        let again = try AnchorCLI.run(args)
        #expect(again.status == 0)
        #expect(again.stdout.contains("(0 patients added)"))
        #expect(try Fixtures.files(under: c.dir + "/out").map { try readFileBytes($0) } == first)
        #expect(try String(contentsOfFile: c.dir + "/key.tsv", encoding: .utf8) == key)
        // Another secret against the same key file is refused before anything is written.
        try Data("a different secret, 32 bytes long".utf8).write(to: URL(fileURLWithPath: c.dir + "/other.secret"))
        let other = try AnchorCLI.run(["deid", c.input, "--out", c.dir + "/out2", "--centre-secret", c.dir + "/other.secret", "--key-file", c.dir + "/key.tsv"])
        #expect(other.status == 65)
        #expect(other.stderr.contains("another centre secret"))
        #expect(!FileManager.default.fileExists(atPath: c.dir + "/out2"))
    }

    @Test func refusedFilesExit65AndMissingPathsExit66() throws {
        let c = try Self.makeCase()
        defer { try? FileManager.default.removeItem(atPath: c.dir) }
        let slice = Fixtures.files(under: c.input)[0]
        let bytes = try readFileBytes(slice)
        try Data(bytes.prefix(bytes.count - 50)).write(to: URL(fileURLWithPath: c.input + "/cut.dcm"))
        let r = try AnchorCLI.run(["deid", c.input, "--out", c.dir + "/out", "--centre-secret", c.secret, "--json"])
        #expect(r.status == 65)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let refused = try #require(json["refused"] as? [[String: Any]])
        #expect(refused.count == 1 && (refused[0]["file"] as? String)?.hasSuffix("cut.dcm") == true)
        #expect((json["written"] as? [Any])?.count == 3)
        #expect(!Fixtures.files(under: c.dir + "/out").contains { $0.contains("cut") })
        #expect(try AnchorCLI.run(["deid", c.dir + "/nowhere", "--out", c.dir + "/o2", "--centre-secret", c.secret]).status == 66)
        #expect(try AnchorCLI.run(["deid", c.input, "--out", c.dir + "/o3", "--centre-secret", c.dir + "/no.secret"]).status == 66)
    }

    @Test func usageErrorsAreCaughtBeforeAnythingRuns() throws {
        let c = try Self.makeCase(slices: 1)
        defer { try? FileManager.default.removeItem(atPath: c.dir) }
        #expect(try AnchorCLI.run(["deid", c.input, "--out", c.dir + "/out"]).status == 64)          // no secret
        #expect(try AnchorCLI.run(["deid", c.input, "--centre-secret", c.secret]).status == 64)     // no --out
        let bad = try AnchorCLI.run(["deid", c.input, "--out", c.dir + "/out", "--centre-secret", c.secret, "--keep-descriptor", "PatientName"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("not a descriptor"))
        #expect(try AnchorCLI.run(["deid", "--verify", c.input, "--out", c.dir + "/out"]).status == 64)
        let keyInOut = try AnchorCLI.run(["deid", c.input, "--out", c.dir + "/out", "--centre-secret", c.secret, "--key-file", c.dir + "/out/key.tsv"])
        #expect(keyInOut.status != 0)
        #expect(!FileManager.default.fileExists(atPath: c.dir + "/out/key.tsv"))
    }

    @Test func mixedPatientsInOneFolderGoToSeparateFolders() throws {
        let a = try Self.makeCase(patientID: "CHILD-A", slices: 2)
        let b = try Self.makeCase(patientID: "CHILD-B", slices: 2)
        defer { try? FileManager.default.removeItem(atPath: a.dir); try? FileManager.default.removeItem(atPath: b.dir) }
        for f in Fixtures.files(under: b.input) { try FileManager.default.moveItem(atPath: f, toPath: a.input + "/b-" + (f as NSString).lastPathComponent) }
        let r = try AnchorCLI.run(["deid", a.input, "--out", a.dir + "/out", "--centre-secret", a.secret, "--json"])
        #expect(r.status == 0)
        let folders = try FileManager.default.contentsOfDirectory(atPath: a.dir + "/out")
        #expect(folders.count == 2)
        for folder in folders {
            let ids = Set(try Fixtures.files(under: a.dir + "/out/" + folder).map { try DICOMFile.read(path: $0).dataSet.string(.patientID) })
            #expect(ids == [folder])
        }
    }
}
