import AnchorPhantoms
import AnchorTestSupport
import Foundation
import Testing

/// Every site and variant, as written, read by dcmtk and pydicom without an error or a warning.
@Suite("Other DICOM readers accept the phantoms")
struct PhantomOtherReadersTests {
    private func folders() throws -> [String] {
        try PaediatricCases.allSiteVariants.map { site, variant in
            try PaediatricCases.written(try PhantomSpec(site: site, ageYears: 5, variant: variant, resolution: .coarse)).directory
        }
    }

    @Test(.enabled(if: PaediatricTools.dcmdump != nil, "dcmdump (dcmtk) is not on PATH: skipped; Scripts/check-phantoms.sh installs it"))
    func dcmdumpReadsEveryFileWithoutWarnings() throws {
        let dcmdump = try #require(PaediatricTools.dcmdump)
        for dir in try folders() {
            let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".dcm") }.sorted()
            // The structure set, plan and dose, and the first and last CT slices.
            let chosen = files.filter { !$0.hasPrefix("CT.") } + [files.first { $0.hasPrefix("CT.") }, files.last { $0.hasPrefix("CT.") }].compactMap { $0 }
            let r = try PaediatricTools.run(dcmdump, chosen.map { "\(dir)/\($0)" })
            #expect(r.status == 0, "dcmdump failed on \(dir): \(r.stderr)")
            let complaints = (r.stdout + "\n" + r.stderr).split(separator: "\n").filter { $0.hasPrefix("W:") || $0.hasPrefix("E:") }
            #expect(complaints.isEmpty, "\(dir): \(complaints.prefix(5))")
        }
    }

    @Test(.enabled(if: PaediatricTools.python != nil, "ANCHOR_PYTHON is not set to a Python with pydicom and numpy: skipped; Scripts/check-phantoms.sh installs them"))
    func pydicomReadsEveryFileStrictlyWithoutWarnings() throws {
        let python = try #require(PaediatricTools.python)
        let r = try PaediatricTools.run(python, ["-c", PaediatricTools.pydicomCheck] + (try folders()))
        #expect(r.status == 0, "\(r.stdout.split(separator: "\n").prefix(10).joined(separator: "\n"))\n\(r.stderr.suffix(2000))")
        #expect(r.stdout.contains(" 0 problems"))
    }
}

/// `anchor phantom` end to end, when the `anchor` executable has been built.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: AnchorCLI.executable), "the anchor executable is not built: skipped"))
struct PhantomCommandTests {
    @Test func listNamesEverySiteAndItsVariants() throws {
        let r = try AnchorCLI.run(["phantom", "--list"])
        #expect(r.status == 0)
        for site in PhantomSite.allCases {
            #expect(r.stdout.contains(site.rawValue))
            for v in site.variants { #expect(r.stdout.contains("--variant \(v.rawValue)")) }
        }
        let help = try AnchorCLI.run(["phantom", "--help"])
        #expect(help.stdout.contains("--site") && help.stdout.contains("--age") && help.stdout.contains("--variant") && help.stdout.contains("--out"))
    }

    @Test func badValuesAreNamedWithTheValidOnes() throws {
        let out = Fixtures.temporaryDirectory("anchor-phantom-cli")
        let site = try AnchorCLI.run(["phantom", "--site", "knee", "--age", "3", "--out", out])
        #expect(site.status == 64)
        #expect(site.stderr.contains("'knee'") && site.stderr.contains("posterior-fossa, abdomen, mediastinum"))
        let variant = try AnchorCLI.run(["phantom", "--site", "mediastinum", "--age", "3", "--variant", "vertebra-gradient", "--out", out])
        #expect(variant.status == 64 && variant.stderr.contains("acceptable, ptv-underdose"))
        let age = try AnchorCLI.run(["phantom", "--site", "mediastinum", "--age", "40", "--out", out])
        #expect(age.status == 64 && age.stderr.contains("40"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).isEmpty, "nothing written on a bad request")
    }

    @Test func writesACaseThatInspectReadsAsOneCaseWithoutProblems() throws {
        let out = Fixtures.temporaryDirectory("anchor-phantom-cli") + "/new/case"
        let r = try AnchorCLI.run(["phantom", "--site", "abdomen", "--age", "1", "--variant", "vertebra-gradient", "--seed", "3", "--out", out, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(summary["patient_id"] as? String == "ANCHOR-ABD-01Y-VERT-S3")
        let files = try #require(summary["files"] as? [String])
        #expect(files.count == (try FileManager.default.contentsOfDirectory(atPath: out).count))
        #expect((summary["prescription"] as? [String: Any])?["dose_gy"] as? Double == 14.4)
        #expect(((summary["structures"] as? [[String: Any]]) ?? []).contains { $0["name"] as? String == "VB_L1" })
        #expect(r.stderr.isEmpty, "no progress line when not on a terminal")

        let inspect = try AnchorCLI.run(["inspect", out, "--json"])
        #expect(inspect.status == 0)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any])
        let cases = try #require(report["cases"] as? [[String: Any]])
        #expect(cases.count == 1)
        #expect((cases.first?["problems"] as? [Any])?.isEmpty == true, "\(cases.first?["problems"] ?? "")")
    }
}
