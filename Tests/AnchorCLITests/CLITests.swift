import AnchorRT
import AnchorTestSupport
import Foundation
import Testing

/// `anchor inspect` end to end, through the built executable.
struct InspectCommandTests {
    @Test func helpDescribesTheCommandAndItsExitCodes() throws {
        let r = try AnchorCLI.run(["inspect", "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("USAGE: anchor inspect <paths> ... [--json]"))
        #expect(r.stdout.contains("65 when an input was not DICOM"))
        let top = try AnchorCLI.run(["--help"])
        for sub in ["inspect", "dvh", "check", "protocols", "deid", "phantom"] { #expect(top.stdout.contains(sub)) }
    }

    @Test func missingPathExits66() throws {
        let r = try AnchorCLI.run(["inspect", "/nonexistent/anchor-case"])
        #expect(r.status == 66)
        #expect(r.stdout.contains("/nonexistent/anchor-case: no such file or folder"))
    }

    @Test func damagedFileExits65AndOthersAreStillReported() throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (grid, hu) = SyntheticCase.ctGrid(slices: 3)
        try SyntheticCase.write(RTWriter.ctSeries(grid: grid, hounsfield: hu, context: RTWriter.Context(patientID: "CLI01")), to: dir)
        let good = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()[0]
        let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + good))
        try bytes.prefix(bytes.count - 100).write(to: URL(fileURLWithPath: dir + "/cut.dcm"))
        let r = try AnchorCLI.run(["inspect", dir, "--json"])
        #expect(r.status == 65)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let objects = try #require(json["objects"] as? [[String: Any]])
        #expect(objects.count == 4)
        let failed = try #require(objects.first { $0["error"] != nil })
        #expect((failed["file"] as? String)?.hasSuffix("cut.dcm") == true)
        let error = try #require(failed["error"] as? [String: Any])
        #expect(error["offset"] is Int)
        #expect(error["tag"] as? String == "(7FE0,0010)")
        let series = try #require((json["series"] as? [[String: Any]])?.first)
        #expect(series["slices"] as? Int == 3) // the three intact slices; the cut copy is reported as an error
    }

    @Test func notDICOMNamedOnTheCommandLineIsAnError() throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "just text".write(toFile: dir + "/notes.txt", atomically: true, encoding: .utf8)
        #expect(try AnchorCLI.run(["inspect", dir + "/notes.txt"]).status == 65)
        // Inside a folder it is skipped, not an error.
        let r = try AnchorCLI.run(["inspect", dir])
        #expect(r.status == 0)
        #expect(r.stdout.contains("skipped 1 files that are not DICOM"))
    }

    @Test func jsonHasThePromisedKeysForEveryObjectType() throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ctx = RTWriter.Context(patientID: "CLI02")
        let (grid, hu) = SyntheticCase.ctGrid(slices: 4)
        let ct = RTWriter.ctSeries(grid: grid, hounsfield: hu, context: ctx)
        let series = try ImageSeries(slices: ct.map { try ImageSlice(file: $0) })
        let c = StructureSet.Contour(geometricType: .closedPlanar, points: [Vec3(0, 0, -7), Vec3(4, 0, -7), Vec3(4, 4, -7)])
        let rs = StructureSet(sopInstanceUID: UIDFactory.make(), label: "RS", frameOfReferenceUID: ctx.frameOfReferenceUID,
                              rois: [.init(number: 3, name: "GTV", interpretedType: "GTV", contours: [c, c])])
        let dose = DoseGrid(grid: Grid3D(columns: 3, rows: 2, origin: Vec3(0, 0, -10), spacingI: 2, spacingJ: 2, frameOffsets: [0, 2]),
                            values: (0..<12).map { Float($0) }, sopInstanceUID: UIDFactory.make(), frameOfReferenceUID: ctx.frameOfReferenceUID)
        try SyntheticCase.write(ct + [RTWriter.structureSetFile(rs, context: ctx, referencedSeries: series), RTWriter.doseFile(dose, context: ctx)], to: dir)
        let r = try AnchorCLI.run(["inspect", dir, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let objects = try #require(json["objects"] as? [[String: Any]])
        for o in objects {
            for key in ["file", "sop_class_uid", "sop_instance_uid", "modality", "transfer_syntax_uid", "series_instance_uid"] {
                #expect(o[key] != nil, "missing \(key)")
            }
        }
        let image = try #require(objects.first { $0["type"] as? String == "image" })
        #expect(image["rows"] as? Int == 12 && image["columns"] as? Int == 16)
        let s = try #require((json["series"] as? [[String: Any]])?.first)
        #expect(s["slices"] as? Int == 4)
        #expect((s["files"] as? [String])?.count == 4)
        #expect(s["spacing_mm"] as? [Double] == [2, 2, 3])
        #expect(s["min_value"] as? Double == Double(-1000))
        #expect(s["max_value"] as? Double == Double(-1000 + 30 + 15))
        let st = try #require(objects.first { $0["type"] as? String == "structure_set" })
        let roi = try #require((st["rois"] as? [[String: Any]])?.first)
        #expect(roi["number"] as? Int == 3 && roi["name"] as? String == "GTV" && roi["type"] as? String == "GTV")
        #expect(roi["contour_count"] as? Int == 2 && roi["point_count"] as? Int == 6)
        let d = try #require(objects.first { $0["type"] as? String == "dose" })
        #expect(d["grid_size"] as? [Int] == [3, 2, 2])
        #expect(d["spacing_mm"] as? [Double] == [2, 2, 2])
        #expect(d["units"] as? String == "GY" && d["dose_type"] as? String == "PHYSICAL" && d["summation_type"] as? String == "PLAN")
        #expect(abs((d["max_dose_gy"] as? Double ?? 0) - 11) < 1e-6)
        let cases = try #require(json["cases"] as? [[String: Any]])
        #expect(cases.count == 1)
        #expect((cases[0]["problems"] as? [String])?.contains { $0.contains("no RT Plan") } == true)
    }

    @Test(.enabled(if: Fixtures.hasSharedData, Comment(rawValue: Fixtures.sharedDataMissing)))
    func planKeysOnSharedData() throws {
        let r = try AnchorCLI.run(["inspect", Fixtures.shared("eclipse-prostate"), "--json"])
        #expect(r.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let plan = try #require((json["objects"] as? [[String: Any]])?.first { $0["type"] as? String == "plan" })
        #expect(plan["label"] as? String == "PROS")
        #expect(plan["radiation_type"] as? String == "PHOTON")
        #expect(plan["beam_count"] as? Int == 5 && plan["fraction_count"] as? Int == 23)
        #expect(plan["prescription_gy"] as? Double == 46)
        let truncated = try AnchorCLI.run(["inspect", Fixtures.shared("parser-corpus/pydicom/rtplan_truncated.dcm")])
        #expect(truncated.status == 65)
        #expect(truncated.stdout.contains("ERROR") && truncated.stdout.contains("byte") && truncated.stdout.contains("tag (300A,00B0)"))
    }
}
