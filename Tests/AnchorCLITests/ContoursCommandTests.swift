import AnchorDICOM
import AnchorRT
import AnchorTestSupport
import Foundation
import Testing

/// `anchor contours compare` and `anchor contours consensus` end to end, on structure sets written with
/// RTWriter on a synthetic CT.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: AnchorCLI.executable), "the anchor executable is not built: skipped"))
struct ContoursCommandTests {
    /// A square prism [x0, x0 + side] x [y0, y0 + side] drawn on every CT slice from z0 to z1.
    static func prism(_ name: String, number: Int, x0: Double, y0: Double, side: Double, slices: [Double]) -> StructureSet.ROI {
        StructureSet.ROI(number: number, name: name, contours: slices.map { z in
            .init(geometricType: .closedPlanar, points: [Vec3(x0, y0, z), Vec3(x0 + side, y0, z), Vec3(x0 + side, y0 + side, z), Vec3(x0, y0 + side, z)])
        })
    }

    /// A case folder: CT (16 x 12 x 8, 2 mm pixels, 3 mm slices) and one structure set.
    static func writeCase(_ rois: [StructureSet.ROI], context: RTWriter.Context) throws -> String {
        let (grid, hu) = SyntheticCase.ctGrid()
        let ct = RTWriter.ctSeries(grid: grid, hounsfield: hu, context: context)
        let series = try ImageSeries(slices: ct.map { try ImageSlice(file: $0) })
        let rs = StructureSet(sopInstanceUID: UIDFactory.make(), label: "RS", frameOfReferenceUID: context.frameOfReferenceUID,
                              referencedSeriesUIDs: [series.seriesInstanceUID], rois: rois)
        return try SyntheticCase.write(ct + [RTWriter.structureSetFile(rs, context: context, referencedSeries: series)])
    }

    static let slices = (1...6).map { -10 + 3 * Double($0) }

    @Test func compareGivesTheDocumentedKeysAndExactBoxNumbers() throws {
        let ctx = RTWriter.Context(patientID: "CMP01")
        let ref = try Self.writeCase([Self.prism("Brainstem", number: 1, x0: -10, y0: -8, side: 10, slices: Self.slices),
                                      Self.prism("Cochlea_L", number: 2, x0: 2, y0: 0, side: 6, slices: Self.slices)], context: ctx)
        let test = try Self.writeCase([Self.prism("brain stem", number: 1, x0: -8, y0: -8, side: 10, slices: Self.slices),
                                       Self.prism("L Cochlea", number: 2, x0: 2, y0: 0, side: 6, slices: Self.slices)], context: ctx)
        let r = try AnchorCLI.run(["contours", "compare", ref, test, "--json", "--tolerance", "1", "--tolerance", "Cochlea_L=3"])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        for k in ["reference", "test", "method", "pairs", "unmatched"] { #expect(doc[k] != nil, "\(k)") }
        let pairs = try #require(doc["pairs"] as? [[String: Any]])
        #expect(pairs.count == 2)
        let keys = ["reference_name", "test_name", "volume_reference_cc", "volume_test_cc", "volume_intersection_cc", "dice", "jaccard",
                    "volume_ratio", "centroid_distance_mm", "hausdorff_mm", "hd95_mm", "hd95_pooled_mm", "msd_mm", "msd_ref_to_test_mm",
                    "msd_test_to_ref_mm", "surface_dice", "tolerance_mm", "apl_mm", "slices"]
        for k in keys { #expect(pairs[0][k] != nil, "\(k)") }
        let bs = try #require(pairs.first { $0["reference_name"] as? String == "Brainstem" })
        #expect(bs["test_name"] as? String == "brain stem")
        // 10 x 10 x 18 mm prisms shifted 2 mm: overlap 8/10, Hausdorff 2 mm, centroid 2 mm.
        #expect(abs((bs["dice"] as! Double) - 0.8) < 1e-9)
        #expect(abs((bs["volume_reference_cc"] as! Double) - 1.8) < 1e-9)
        #expect(abs((bs["hausdorff_mm"] as! Double) - 2) < 0.2)
        #expect(abs((bs["centroid_distance_mm"] as! Double) - 2) < 1e-9)
        #expect(bs["tolerance_mm"] as? Double == 1)
        let slices = try #require(bs["slices"] as? [[String: Any]])
        #expect(slices.count == 6 && slices.allSatisfy { $0["z_mm"] != nil && abs(($0["dice"] as! Double) - 0.8) < 1e-9 })
        let co = try #require(pairs.first { $0["reference_name"] as? String == "Cochlea_L" })
        #expect(co["test_name"] as? String == "L Cochlea" && co["dice"] as? Double == 1 && co["tolerance_mm"] as? Double == 3)
        let method = try #require(doc["method"] as? [String: Any])
        #expect(method["surface_spacing_mm"] as? Double == 0.25 && method["distance_error_bound_mm"] != nil)

        let csv = try AnchorCLI.run(["contours", "compare", ref, test, "--csv", "--structure", "Brainstem"])
        #expect(csv.status == 0)
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines.count == 2 && lines[0].hasPrefix("reference_name,test_name,volume_reference_cc"))
    }

    @Test func differentFramesOfReferenceAreRefusedNamingTheFile() throws {
        let a = try Self.writeCase([Self.prism("PTV", number: 1, x0: -10, y0: -8, side: 10, slices: Self.slices)], context: RTWriter.Context(patientID: "F1"))
        let b = try Self.writeCase([Self.prism("PTV", number: 1, x0: -10, y0: -8, side: 10, slices: Self.slices)], context: RTWriter.Context(patientID: "F1"))
        let r = try AnchorCLI.run(["contours", "compare", a, b])
        #expect(r.status == 65)
        #expect(r.stderr.contains("frame of reference") && r.stderr.contains(b))
    }

    @Test func emptyAndOutsideStructuresAreRefusedNamingFileAndStructure() throws {
        let ctx = RTWriter.Context(patientID: "E1")
        let ref = try Self.writeCase([Self.prism("PTV", number: 1, x0: -10, y0: -8, side: 10, slices: Self.slices),
                                      Self.prism("Far", number: 2, x0: 200, y0: 0, side: 5, slices: Self.slices)], context: ctx)
        let test = try Self.writeCase([StructureSet.ROI(number: 1, name: "PTV", contours: []),
                                       Self.prism("Far", number: 2, x0: 200, y0: 0, side: 5, slices: Self.slices)], context: ctx)
        let empty = try AnchorCLI.run(["contours", "compare", ref, test, "--structure", "PTV"])
        #expect(empty.status == 65)
        #expect(empty.stderr.contains("structure 'PTV'") && empty.stderr.contains("empty"), "\(empty.stderr)")
        let outside = try AnchorCLI.run(["contours", "compare", ref, test, "--structure", "Far"])
        #expect(outside.status == 65)
        #expect(outside.stderr.contains("structure 'Far'") && outside.stderr.contains("outside the images"), "\(outside.stderr)")
    }

    @Test func consensusWritesAStructureSetAndRaterPerformance() throws {
        let ctx = RTWriter.Context(patientID: "CON1")
        let raters = try [-10.0, -10, -9].map { x in try Self.writeCase([Self.prism("GTV", number: 1, x0: x, y0: -8, side: 10, slices: Self.slices)], context: ctx) }
        let out = Fixtures.temporaryDirectory("anchor-consensus") + "/RS_consensus.dcm"
        let r = try AnchorCLI.run(["contours", "consensus"] + raters + ["--structure", "gtv", "--out", out, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let rs = try #require(doc["raters"] as? [[String: Any]])
        #expect(rs.count == 3 && rs.allSatisfy { $0["sensitivity"] is Double && $0["specificity"] is Double })
        let written = try StructureSet(file: DICOMFile.read(path: out))
        #expect(written.rois.map(\.name) == ["gtv_STAPLE", "gtv_P50"])
        #expect(written.frameOfReferenceUIDs == [ctx.frameOfReferenceUID])
        #expect(written.rois[0].contours.count == 6)
        let again = try AnchorCLI.run(["contours", "compare", raters[0], out, "--match", "GTV=gtv_STAPLE", "--json"])
        #expect(again.status == 0, "\(again.stderr)")
        let pair = try #require(((try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])?["pairs"] as? [[String: Any]])?.first)
        #expect((pair["dice"] as? Double ?? 0) > 0.98)
    }
}
