import AnchorDICOM
import AnchorRT
import AnchorTestSupport
import Foundation
import Testing

/// `anchor check --prescription --fractions --minimum-coverage` and `anchor dvh --eqd2 --fractions
/// --dose-sampling` end to end: a 40 Gy uniform dose over a PTV and an organ, planned in 5 fractions.
struct GradingOptionsCLITests {
    static let protocolYAML = """
    id: cli-grading
    name: CLI grading
    version: "1"
    source: "test"
    prescription_gy: 40
    constraints:
      - structure: PTV
        metric: D98%
        per_protocol: ">= 95%"
      - structure: Organ
        metric: Dmax
        per_protocol: "<= 60 Gy"
    """

    /// Writes the case (and the protocol file) to a new folder; returns (folder, protocol path).
    func writeCase(doseFrame: String? = nil, storedOrganDVH: Bool = false) throws -> (String, String) {
        let dir = Fixtures.temporaryDirectory("anchor-grading-cli")
        let ctx = RTWriter.Context(patientID: "CLI-GRADE", patientAge: "010Y", frameOfReferenceUID: "1.2.826.0.1.3680043.10.2.1")
        let rois = [DVHPhantom.box(name: "PTV", x0: -10, x1: 10, y0: -10, y1: 10, z0: -10, z1: 10, spacing: 2).roi(number: 1, interpretedType: "PTV"),
                    DVHPhantom.box(name: "Organ", x0: 12, x1: 18, y0: -10, y1: 10, z0: -10, z1: 10, spacing: 2).roi(number: 2)]
        let rs = StructureSet(sopInstanceUID: "1.2.826.0.1.3680043.10.2.2", label: "RS", frameOfReferenceUID: ctx.frameOfReferenceUID, rois: rois)
        let plan = RTWriter.PhotonPlan(
            sopInstanceUID: "1.2.826.0.1.3680043.10.2.3", label: "HYPO",
            doseReferences: [.init(number: 1, uid: "1.2.826.0.1.3680043.10.2.4", referencedROINumber: 1, targetPrescriptionDoseGy: 40)],
            fractionsPlanned: 5,
            beams: [.init(number: 1, name: "F1", machineName: "M", energyMV: 6, gantryAngle: 0, isocenter: .zero, jawX: (-50, 50), jawY: (-50, 50),
                          metersetMU: 100, beamDoseGy: 8)],
            structureSetUID: rs.sopInstanceUID)
        var dose = LinearDose(doseAtOriginGy: 40, gradientGyPerMM: .zero).grid(size: (21, 21, 21), spacing: (2, 2, 2))
        dose.frameOfReferenceUID = doseFrame
        var rd = RTWriter.doseFile(dose, context: ctx, referencedPlanUID: plan.sopInstanceUID)
        if storedOrganDVH {
            // The planning system's cumulative DVH of the organ: all 2.4 cc at >= 39.9 Gy, none at >= 40 Gy
            // (0.1 Gy bins, PS3.3 C.8.8.4).
            var item = DataSet(), ref = DataSet()
            ref.set(Tag(0x3006_0084), .IS, number: 2)
            item.set(Tag(0x3004_0060), items: [ref])
            item.set(Tag(0x3004_0001), .CS, "CUMULATIVE")
            item.set(Tag(0x3004_0002), .CS, "GY")
            item.set(Tag(0x3004_0054), .CS, "CM3")
            item.set(Tag(0x3004_0052), .DS, number: 1)
            item.set(Tag(0x3004_0056), .IS, number: 401)
            item.set(Tag(0x3004_0058), .DS, numbers: (0..<401).flatMap { [0.1, $0 < 400 ? 2.4 : 0] })
            rd.dataSet.set(Tag(0x3004_0050), items: [item])
        }
        for (name, f) in [("RS.dcm", RTWriter.structureSetFile(rs, context: ctx)), ("RP.dcm", RTWriter.planFile(plan, context: ctx)),
                          ("RD.dcm", rd)] {
            try DICOMWriter.write(f, to: dir + "/" + name)
        }
        let protocolPath = dir + "/protocol.yaml"
        try Self.protocolYAML.write(toFile: protocolPath, atomically: true, encoding: .utf8)
        return (dir, protocolPath)
    }

    func json(_ r: AnchorCLI.Result) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stderr)")
    }

    @Test func checkGradesAHypofractionatedPlanOnEQD2AndSaysWhereEachValueCameFrom() throws {
        let (dir, proto) = try writeCase()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try AnchorCLI.run(["check", dir, "--protocol", proto, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try json(r)
        #expect(doc["eqd2_applied"] as? Bool == true)
        #expect(doc["fractions"] as? Int == 5 && doc["fractions_source"] as? String == "plan")
        #expect(doc["prescription_source"] as? String == "plan")
        let results = try #require(doc["results"] as? [[String: Any]])
        let organ = try #require(results.first { $0["structure"] as? String == "Organ" })
        #expect(organ["eqd2"] as? Bool == true && organ["alpha_beta_gy"] as? Double == 3)
        #expect(abs((organ["value"] as? Double ?? 0) - 88) < 2e-3)        // 40 (8 + 3) / (2 + 3)
        #expect(abs((organ["physical_value"] as? Double ?? 0) - 40) < 2e-3)
        #expect(organ["grade"] as? String == "unacceptable_variation")

        let given = try json(try AnchorCLI.run(["check", dir, "--protocol", proto, "--json", "--prescription", "40", "--fractions", "20"]))
        #expect(given["eqd2_applied"] as? Bool == false)
        #expect(given["prescription_source"] as? String == "command_line" && given["fractions_source"] as? String == "command_line")
        let organ20 = try #require((given["results"] as? [[String: Any]])?.first { $0["structure"] as? String == "Organ" })
        #expect(organ20["grade"] as? String == "per_protocol")
    }

    @Test func checkRefusesADoseOnAnotherFrameOfReference() throws {
        let (dir, proto) = try writeCase(doseFrame: "1.2.826.0.1.3680043.10.2.99")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try AnchorCLI.run(["check", dir, "--protocol", proto])
        #expect(r.status == 0)
        #expect(r.stdout.contains("Overall: not evaluable"))
        #expect(r.stdout.contains("relating them needs a registration, which is out of scope"))
        let dvh = try json(try AnchorCLI.run(["dvh", dir, "--json", "--dvh-step", "0"]))
        #expect((dvh["frame_of_reference_mismatch"] as? String)?.contains("needs a registration") == true)
    }

    @Test func dvhGivesEQD2AndVoxelCentreDVHs() throws {
        let (dir, _) = try writeCase()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let eq = try json(try AnchorCLI.run(["dvh", dir, "--json", "--dvh-step", "0", "--structure", "Organ", "--eqd2", "3", "--fractions", "5"]))
        let s = try #require((eq["structures"] as? [[String: Any]])?.first)
        #expect(abs((s["mean_gy"] as? Double ?? 0) - 88) < 1e-3)
        #expect((eq["eqd2"] as? [String: Any])?["fractions"] as? Int == 5)
        let vc = try json(try AnchorCLI.run(["dvh", dir, "--json", "--dvh-step", "0", "--dose-sampling", "voxel-centre"]))
        #expect(vc["dose_sampling"] as? String == "voxel-centre")
        let organ = try #require((vc["structures"] as? [[String: Any]])?.first { $0["name"] as? String == "Organ" })
        #expect(abs((organ["mean_gy"] as? Double ?? 0) - 40) < 1e-4)
        #expect(abs((organ["volume_cc"] as? Double ?? 0) - 2.4) < 1e-9)   // 3 x 10 centres of 2 x 2 mm by 10 slabs of 2 mm
        let bad = try AnchorCLI.run(["dvh", dir, "--eqd2", "3"])
        #expect(bad.status == 64)
        #expect((bad.stdout + bad.stderr).contains("--eqd2 needs --fractions N"))
    }

    @Test func dvhJSONCarriesThePlanningSystemsDVH() throws {
        let (dir, _) = try writeCase(storedOrganDVH: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let doc = try json(try AnchorCLI.run(["dvh", dir, "--json", "--dvh-step", "0", "--metric", "Dmean", "--metric", "D50%"]))
        let structures = try #require(doc["structures"] as? [[String: Any]])
        let organ = try #require(structures.first { $0["name"] as? String == "Organ" })
        let tps = try #require(organ["tps_dvh"] as? [String: Any])
        #expect(tps["type"] as? String == "CUMULATIVE")
        #expect(abs((tps["volume_cc"] as? Double ?? 0) - 2.4) < 1e-9)
        #expect(abs((tps["mean_gy"] as? Double ?? 0) - 39.95) < 1e-6)   // the middle of the one bin holding the volume
        #expect(abs((tps["max_gy"] as? Double ?? 0) - 40) < 1e-6)
        let metrics = try #require(tps["metrics"] as? [String: Any])
        #expect(abs((metrics["D50%"] as? Double ?? 0) - 39.95) < 1e-6)
        #expect(structures.first { $0["name"] as? String == "PTV" }?["tps_dvh"] == nil)   // no stored DVH for the PTV
    }

    @Test func helpListsTheNewOptions() throws {
        let check = try AnchorCLI.run(["check", "--help"])
        for o in ["--prescription", "--fractions", "--minimum-coverage", "EQD2"] { #expect(check.stdout.contains(o), "\(o)") }
        let dvh = try AnchorCLI.run(["dvh", "--help"])
        for o in ["--eqd2", "--fractions", "--dose-sampling", "tps_dvh"] { #expect(dvh.stdout.contains(o), "\(o)") }
    }
}
