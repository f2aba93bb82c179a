import AnchorDICOM
import AnchorDosimetry
import AnchorRT
import AnchorTestSupport
import Foundation
import Testing

/// `anchor dvh` end to end, through the built executable, on phantom files written to a folder.
struct DVHCommandTests {
    /// A case folder: three phantoms, an ROI without contours and a POINT marker, one dose.
    static func writeCase() throws -> String {
        let field = LinearDose(doseAtOriginGy: 50, gradientGyPerMM: Vec3(0, 0, 0.5))
        let phantoms = [
            DVHPhantom.sphere(name: "PTV", radius: 15, spacing: 2.5),
            DVHPhantom.sphere(name: "Cochlea L", centre: (-30, 10, 5), radius: 3, spacing: 1),
            DVHPhantom.box(name: "Box", x0: 10, x1: 30, y0: -10, y1: 10, z0: -10, z1: 10, spacing: 2.5),
        ]
        let extra = [
            StructureSet.ROI(number: 10, name: "Empty", contours: []),
            StructureSet.ROI(number: 11, name: "Marker", interpretedType: "MARKER", contours: [StructureSet.Contour(geometricType: .point, points: [Vec3(0, 0, 0)])]),
        ]
        return try PhantomFiles.write(phantoms, dose: field.grid(size: (41, 41, 41), spacing: (2.5, 2.5, 2.5)), extraROIs: extra)
    }

    static func json(_ r: AnchorCLI.Result) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stderr)")
    }

    @Test func helpDescribesMetricsConventionAndExitCodes() throws {
        let r = try AnchorCLI.run(["dvh", "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("USAGE: anchor dvh [<options>] <paths> ..."))
        for s in ["--structure", "--metric", "--prescription", "--json", "--csv", "D0.03cc", "V20Gy[cc]", "Paddick", "ICRU 83", "even-odd", "66 when"] {
            #expect(r.stdout.contains(s), "help lacks \(s)")
        }
    }

    @Test func jsonHasThePromisedShape() throws {
        let dir = try Self.writeCase()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try AnchorCLI.run(["dvh", dir, "--json", "--metric", "D95%", "--metric", "V50Gy", "--metric", "V50Gy[cc]", "--metric", "D0.03cc",
                                   "--metric", "D2cc", "--prescription", "50", "--metric", "CI"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty)   // no progress line when not a terminal
        let doc = try Self.json(r)
        let keys = ["dose", "structure_set", "prescription_gy", "prescription_source", "prescription_isodose_volume_cc", "convention", "options",
                    "structures", "skipped", "warnings", "doses_not_used", "frame_of_reference_mismatch", "eqd2", "dose_sampling"]
        #expect(Array(r.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }) == keys.map { Substring($0) })
        let dose = try #require(doc["dose"] as? [String: Any])
        #expect(dose["units"] as? String == "GY")
        #expect((dose["file"] as? String)?.hasSuffix("RD.dcm") == true)
        #expect((doc["convention"] as? String)?.contains("even-odd") == true)
        #expect(doc["prescription_gy"] as? Double == 50 || doc["prescription_gy"] as? Int == 50)
        let structures = try #require(doc["structures"] as? [[String: Any]])
        #expect(structures.map { $0["name"] as? String } == ["PTV", "Cochlea L", "Box"])
        for s in structures {
            for k in ["name", "number", "volume_cc", "covered_fraction", "min_gy", "max_gy", "mean_gy", "metrics", "dvh"] { #expect(s[k] != nil, "\(k)") }
            let dvh = try #require(s["dvh"] as? [String: [Double]])
            let d = try #require(dvh["dose_gy"]), v = try #require(dvh["volume_cc"])
            #expect(d.count == v.count && d.first == 0 && abs(d[1] - 0.01) < 1e-12)
            #expect(zip(v, v.dropFirst()).allSatisfy { $0 >= $1 })
            #expect(abs(v[0] - (s["volume_cc"] as! Double)) < 1e-5)
            #expect(v.last == 0)
            let metrics = try #require(s["metrics"] as? [String: Any])
            #expect(Set(metrics.keys) == ["D95%", "V50Gy", "V50Gy[cc]", "D0.03cc", "D2cc", "CI"])
        }
        // The 0.11 cc cochlea has no D2cc: null, with the reason, never a zero.
        let cochlea = structures[1]
        #expect((cochlea["metrics"] as? [String: Any])?["D2cc"] is NSNull)
        #expect(((cochlea["metric_notes"] as? [String: String])?["D2cc"])?.contains("less than 2 cc") == true)
        #expect(((cochlea["metrics"] as? [String: Any])?["D0.03cc"] as? Double ?? 0) > 40)
        let skipped = try #require(doc["skipped"] as? [[String: Any]])
        #expect(skipped.map { $0["name"] as? String } == ["Empty", "Marker"])
        #expect(skipped.map { $0["code"] as? String } == ["no_contours", "no_closed_contours"])
    }

    @Test func csvHasOneRowPerStructure() throws {
        let dir = try Self.writeCase()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try AnchorCLI.run(["dvh", dir + "/RS.dcm", dir + "/RD.dcm", "--csv", "--structure", "Box", "--structure", "cochlea l", "--structure", "Nope", "--metric", "Dmean"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "name,number,type,volume_cc,covered_fraction,min_gy,max_gy,mean_gy,Dmean,note")
        #expect(lines.count == 4)
        #expect(lines[1].hasPrefix("Box,3,ORGAN,8.0,1.0,"))
        #expect(lines[2].hasPrefix("Cochlea L,2,"))
        #expect(lines[3].hasPrefix("Nope,,") && lines[3].contains("skipped: no ROI of that name"))
    }

    @Test func textTableListsStructuresAndSkipped() throws {
        let dir = try Self.writeCase()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try AnchorCLI.run(["dvh", dir])
        #expect(r.status == 0)
        #expect(r.stdout.contains("convention: slab"))
        #expect(r.stdout.contains("Box") && r.stdout.contains("8.000 cc") && r.stdout.contains("D95%"))
        #expect(r.stdout.contains("skipped Empty (ROI 10): the ROI has no contours"))
    }

    @Test func unknownMetricIsAUsageError() throws {
        let r = try AnchorCLI.run(["dvh", "/tmp", "--metric", "D95"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("say D95% or D95cc"))
    }

    @Test func missingPathExits66() throws {
        let r = try AnchorCLI.run(["dvh", "/nonexistent/anchor-dvh-case"])
        #expect(r.status == 66)
        #expect(r.stderr.contains("no such file or folder"))
    }

    @Test func caseWithoutDoseOrStructureSetExits66WithAClearError() throws {
        let dir = try Self.writeCase()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let noDose = try AnchorCLI.run(["dvh", dir + "/RS.dcm"])
        #expect(noDose.status == 66)
        #expect(noDose.stderr.contains("no RT Dose"))
        let noRS = try AnchorCLI.run(["dvh", dir + "/RD.dcm", "--json"])
        #expect(noRS.status == 66)
        #expect(noRS.stderr.contains("no RT Structure Set"))
        #expect(noRS.stdout.isEmpty)
    }

    @Test func twoPlanDosesAreAmbiguous() throws {
        let dir = try Self.writeCase()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (_, rd) = try PhantomFiles.read(dir)
        var other = rd
        other.sopInstanceUID = UIDFactory.make()   // a second PLAN dose on the same frame of reference
        try DICOMWriter.write(RTWriter.doseFile(other, context: RTWriter.Context(patientID: "DVHPHANTOM")), to: dir + "/RD2.dcm")
        let r = try AnchorCLI.run(["dvh", dir])
        #expect(r.status == 64)
        #expect(r.stderr.contains("name one dose file"))
        #expect(try AnchorCLI.run(["dvh", dir + "/RS.dcm", dir + "/RD2.dcm"]).status == 0)
    }

    @Test(.enabled(if: Fixtures.hasSharedData, Comment(rawValue: Fixtures.sharedDataMissing)))
    func protonCaseFolderGivesTheCubeItsVolume() throws {
        let r = try AnchorCLI.run(["dvh", Fixtures.shared("proton-aptg/plan03_ramp_full"), "--json", "--structure", "Cube101010", "--dvh-step", "0"])
        #expect(r.status == 0)
        let doc = try Self.json(r)
        let cube = try #require((doc["structures"] as? [[String: Any]])?.first)
        #expect(abs((cube["volume_cc"] as? Double ?? 0) - 1050) < 0.01)
        #expect(cube["dvh"] == nil)
        #expect((doc["doses_not_used"] as? [Any])?.count == 2)
    }
}
