import AnchorDICOM
import AnchorRT
import AnchorTestSupport
import Foundation
import Testing

/// `anchor gamma` end to end, through the built executable.
struct GammaCommandTests {
    /// A flat 2 Gy reference and a 1.5% higher evaluated dose (gamma 0.5 everywhere at 3%/2 mm),
    /// written as RT Dose files; the evaluated grid is finer and offset, so geometry is exercised too.
    static func writePair(_ dir: String) throws -> (String, String) {
        let ctx = RTWriter.Context(patientID: "GAMMA01")
        let g1 = Grid3D(columns: 8, rows: 7, origin: Vec3(-10, -8, -6), spacingI: 2.5, spacingJ: 2.5, frameOffsets: (0..<6).map { Double($0) * 2.5 })
        let g2 = Grid3D(columns: 14, rows: 12, origin: Vec3(-12.3, -9.1, -7.7), spacingI: 2, spacingJ: 2, frameOffsets: (0..<11).map { Double($0) * 2 })
        let ref = DoseGrid(grid: g1, values: [Float](repeating: 2, count: g1.voxelCount), sopInstanceUID: UIDFactory.make(), frameOfReferenceUID: ctx.frameOfReferenceUID)
        let ev = DoseGrid(grid: g2, values: [Float](repeating: 2.03, count: g2.voxelCount), sopInstanceUID: UIDFactory.make(), frameOfReferenceUID: ctx.frameOfReferenceUID)
        try DICOMWriter.write(RTWriter.doseFile(ref, context: ctx), to: dir + "/reference.dcm")
        try DICOMWriter.write(RTWriter.doseFile(ev, context: ctx), to: dir + "/evaluated.dcm")
        return (dir + "/reference.dcm", dir + "/evaluated.dcm")
    }

    @Test func helpDescribesOptionsConventionsAndExitCodes() throws {
        let r = try AnchorCLI.run(["gamma", "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("USAGE: anchor gamma <reference> <evaluated>"))
        for option in ["--dd", "--dta", "--local", "--cutoff", "--max-gamma", "--interp-fraction", "--json", "--gamma-out", "--normalisation-dose"] {
            #expect(r.stdout.contains(option), "\(option)")
        }
        let text = r.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ") // help text is wrapped
        #expect(text.contains("Dose Units RELATIVE"))
        #expect(text.contains("65 when an input is not a readable RT Dose") && text.contains("66 when a path does not exist"))
    }

    @Test func jsonReportsTheComparisonWithThePromisedKeysFirst() throws {
        let dir = Fixtures.temporaryDirectory("anchor-gamma")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (ref, ev) = try Self.writePair(dir)
        let r = try AnchorCLI.run(["gamma", ref, ev, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty) // no progress line when not on a terminal
        let keys = ["\"pass_rate_percent\"", "\"points_evaluated\"", "\"mean_gamma\"", "\"gamma_p95\"", "\"criteria\""]
        let positions = keys.compactMap { r.stdout.range(of: $0)?.lowerBound }
        #expect(positions.count == keys.count && positions == positions.sorted())
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(json["pass_rate_percent"] as? Double == 100)
        #expect(json["points_evaluated"] as? Int == 8 * 7 * 6)
        #expect(abs((json["mean_gamma"] as? Double ?? 0) - 0.5) < 1e-4)
        #expect(abs((json["gamma_p95"] as? Double ?? 0) - 0.5) < 1e-4)
        let c = try #require(json["criteria"] as? [String: Any])
        #expect(c["dose_difference_percent"] as? Double == 3 && c["distance_to_agreement_mm"] as? Double == 2)
        #expect(c["normalisation"] as? String == "global" && c["lower_dose_cutoff_percent"] as? Double == 10)
        #expect(c["maximum_gamma"] as? Double == 2 && c["interpolation_fraction"] as? Double == 10 && c["dimensions"] as? Int == 3)
        #expect(abs((c["normalisation_dose"] as? Double ?? 0) - 2) < 1e-6)

        let local = try AnchorCLI.run(["gamma", ref, ev, "--json", "--local", "--dd", "1", "--dta", "3", "--cutoff", "20", "--max-gamma", "3", "--interp-fraction", "5"])
        #expect(local.status == 0, "\(local.stderr)")
        let lj = try #require(try JSONSerialization.jsonObject(with: Data(local.stdout.utf8)) as? [String: Any])
        let lc = try #require(lj["criteria"] as? [String: Any])
        #expect(lc["normalisation"] as? String == "local" && lc["dose_difference_percent"] as? Double == 1)
        #expect(lc["distance_to_agreement_mm"] as? Double == 3 && lc["lower_dose_cutoff_percent"] as? Double == 20)
        #expect(lc["maximum_gamma"] as? Double == 3 && lc["interpolation_fraction"] as? Double == 5)
        // 1.5% against 1%: gamma 1.5 everywhere, all failing, the worst listed.
        #expect(lj["pass_rate_percent"] as? Double == 0 && lj["points_failing"] as? Int == 8 * 7 * 6)
        #expect(abs((lj["gamma_max"] as? Double ?? 0) - 1.5) < 1e-4)
        #expect((lj["failing_points"] as? [[String: Any]])?.count == 10)
    }

    @Test func textOutputStatesCriteriaPassRateAndFailures() throws {
        let dir = Fixtures.temporaryDirectory("anchor-gamma")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (ref, ev) = try Self.writePair(dir)
        let r = try AnchorCLI.run(["gamma", ref, ev, "--dd", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("gamma 1%/2 mm global, 10% cut-off (3D)"))
        #expect(r.stdout.contains("points evaluated  336 of 336 above the cut-off"))
        #expect(r.stdout.contains("pass rate         0.00% (gamma <= 1)"))
        #expect(r.stdout.contains("mean 1.5000, p95 1.5000, max 1.5000"))
        #expect(r.stdout.contains("failing points    336"))
        #expect(r.stdout.contains("... 326 more"))
    }

    @Test func gammaGridIsWrittenAsRelativeRTDoseOrRawFloats() throws {
        let dir = Fixtures.temporaryDirectory("anchor-gamma")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (ref, ev) = try Self.writePair(dir)
        let r = try AnchorCLI.run(["gamma", ref, ev, "--gamma-out", dir + "/gamma.dcm"])
        #expect(r.status == 0, "\(r.stderr)")
        let file = try DICOMFile.read(path: dir + "/gamma.dcm")
        let dose = try DoseGrid(file: file)
        #expect(dose.units == "RELATIVE")
        #expect(file.dataSet.string(DICOMTag(0x3004_0006))?.hasPrefix("GAMMA 3%/2 mm global") == true)
        #expect(file.dataSet.string(.seriesDescription)?.hasPrefix("GAMMA") == true)
        #expect(file.dataSet.string(.patientID) == "GAMMA01")
        let reference = try DoseGrid(file: DICOMFile.read(path: ref))
        #expect(dose.grid == reference.grid && dose.frameOfReferenceUID == reference.frameOfReferenceUID)
        #expect(dose.values.allSatisfy { abs($0 - 0.5) < 1e-4 })

        let raw = try AnchorCLI.run(["gamma", ref, ev, "--gamma-out", dir + "/gamma.raw"])
        #expect(raw.status == 0, "\(raw.stderr)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/gamma.raw"))
        #expect(bytes.count == 4 * 8 * 7 * 6)
        let first = bytes.prefix(4).enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
        #expect(abs(Float(bitPattern: first) - 0.5) < 1e-4)
        let header = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/gamma.raw.json"))) as? [String: Any])
        #expect(header["size"] as? [Int] == [8, 7, 6] && header["content"] as? String == "GAMMA")
    }

    @Test func missingUnreadableAndInvalidInputsExitWithTheirCodes() throws {
        let dir = Fixtures.temporaryDirectory("anchor-gamma")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (ref, _) = try Self.writePair(dir)
        let missing = try AnchorCLI.run(["gamma", ref, dir + "/nope.dcm"])
        #expect(missing.status == 66 && missing.stderr.contains("nope.dcm: no such file"))
        try "not dicom".write(toFile: dir + "/notes.txt", atomically: true, encoding: .utf8)
        #expect(try AnchorCLI.run(["gamma", ref, dir + "/notes.txt"]).status == 65)
        let (grid, hu) = SyntheticCase.ctGrid(slices: 1)
        try DICOMWriter.write(RTWriter.ctSeries(grid: grid, hounsfield: hu, context: RTWriter.Context())[0], to: dir + "/ct.dcm")
        let ct = try AnchorCLI.run(["gamma", dir + "/ct.dcm", ref])
        #expect(ct.status == 65 && ct.stderr.contains("not an RT Dose"))
        let zero = DoseGrid(grid: Grid3D(columns: 2, rows: 2, origin: .zero, spacingI: 1, spacingJ: 1, frameOffsets: [0, 1]),
                            values: [Float](repeating: 0, count: 8), sopInstanceUID: UIDFactory.make())
        try DICOMWriter.write(RTWriter.doseFile(zero, context: RTWriter.Context()), to: dir + "/zero.dcm")
        let undefined = try AnchorCLI.run(["gamma", dir + "/zero.dcm", ref])
        #expect(undefined.status == 65 && undefined.stderr.contains("zero everywhere"))
        let bad = try AnchorCLI.run(["gamma", ref, ref, "--dd", "0"])
        #expect(bad.status == 64 && bad.stderr.contains("dose-difference criterion"))
        let unwritable = try AnchorCLI.run(["gamma", ref, ref, "--gamma-out", dir + "/no/such/folder/gamma.dcm"])
        #expect(unwritable.status == 73)
    }
}
