import AnchorDICOM
import AnchorRT
import AnchorTestSupport
import Foundation
import Testing

struct ImageSeriesTests {
    func load(_ dir: String) throws -> [Case] {
        let r = DICOMLoader.load([dir])
        #expect(r.failures.isEmpty, "\(r.failures.map(\.message))")
        return Case.assemble(r.members)
    }

    @Test func shuffledSlicesAreStackedInPatientOrder() throws {
        let (grid, hu) = SyntheticCase.ctGrid()
        let ctx = RTWriter.Context()
        let dir = try SyntheticCase.write(RTWriter.ctSeries(grid: grid, hounsfield: hu, context: ctx))
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let series = try #require(try load(dir).first?.series.first)
        #expect(series.slices.count == 8)
        #expect(series.sliceSpacing.map { abs($0 - 3) < 1e-9 } == true)
        #expect(series.problems.isEmpty)
        let volume = try ImageVolume(series: series)
        #expect(volume.grid.origin == Vec3(-16, -12, -10))
        for k in 0..<8 { #expect(volume.voxels[volume.grid.index(5, 3, k)] == Float(10 * k + 5 - 1000)) }
        #expect(volume.minStoredValue == -1000 && volume.maxStoredValue == 70 + 15 - 1000)
    }

    @Test func feetFirstOrientationKeepsPatientCoordinates() throws {
        // Feet first supine: rows run to patient left (-x), normal points to -z (PS3.3 C.7.6.2.1.1).
        let (grid, hu) = SyntheticCase.ctGrid(origin: Vec3(16, -12, 10), rowDirection: Vec3(-1, 0, 0), columnDirection: Vec3(0, 1, 0))
        let ctx = RTWriter.Context(patientPosition: "FFS")
        let dir = try SyntheticCase.write(RTWriter.ctSeries(grid: grid, hounsfield: hu, context: ctx))
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let series = try #require(try load(dir).first?.series.first)
        #expect(series.grid.normal == Vec3(0, 0, -1))
        let volume = try ImageVolume(series: series)
        // Voxel (5, 3, 2) sits at x = 16 - 5·2, z = 10 - 2·3.
        let p = volume.grid.position(5, 3, 2)
        #expect(p == Vec3(6, -6, 4))
        let (fi, fj, fk) = volume.grid.continuousIndex(of: p)
        #expect(abs(fi - 5) < 1e-9 && abs(fj - 3) < 1e-9 && abs(fk - 2) < 1e-9)
    }

    @Test func unevenSliceSpacingIsReported() throws {
        var (grid, hu) = SyntheticCase.ctGrid(slices: 5)
        grid.frameOffsets = [0, 3, 6, 10, 13]
        let dir = try SyntheticCase.write(RTWriter.ctSeries(grid: grid, hounsfield: hu, context: RTWriter.Context()))
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let c = try #require(try load(dir).first)
        let series = try #require(c.series.first)
        #expect(series.sliceSpacing == nil)
        #expect(series.problems.contains { $0.contains("uneven slice spacing") })
        #expect(c.problems.contains { $0.contains("uneven") })
        #expect(series.grid.frameOffsets == [0, 3, 6, 10, 13])
    }

    @Test func duplicateSlicePositionsAreReported() throws {
        var (grid, hu) = SyntheticCase.ctGrid(slices: 3)
        grid.frameOffsets = [0, 3, 3]
        let dir = try SyntheticCase.write(RTWriter.ctSeries(grid: grid, hounsfield: hu, context: RTWriter.Context()))
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try load(dir).first?.series.first?.problems.contains { $0.contains("same position") } == true)
    }
}

struct CaseTests {
    func writeCase(dose doseFOR: String? = nil, dropSlice: Bool = false) throws -> String {
        let (grid, hu) = SyntheticCase.ctGrid()
        let ctx = RTWriter.Context(patientID: "CASE01")
        var ct = RTWriter.ctSeries(grid: grid, hounsfield: hu, context: ctx)
        let series = try ImageSeries(slices: ct.map { try ImageSlice(file: $0) })
        let square = StructureSet.Contour(geometricType: .closedPlanar, points: [Vec3(-4, -4, -4), Vec3(4, -4, -4), Vec3(4, 4, -4), Vec3(-4, 4, -4)])
        let rs = StructureSet(sopInstanceUID: UIDFactory.make(), label: "RS", frameOfReferenceUID: ctx.frameOfReferenceUID,
                              rois: [.init(number: 1, name: "PTV", interpretedType: "PTV", contours: [square]),
                                     .init(number: 2, name: "Empty", contours: [])])
        let rsFile = RTWriter.structureSetFile(rs, context: ctx, referencedSeries: series)
        let doseGrid = Grid3D(columns: 4, rows: 4, origin: Vec3(-6, -6, -10), spacingI: 4, spacingJ: 4, frameOffsets: [0, 4, 8])
        var dose = DoseGrid(grid: doseGrid, values: (0..<48).map { Float($0) / 10 }, sopInstanceUID: UIDFactory.make(),
                            frameOfReferenceUID: doseFOR ?? ctx.frameOfReferenceUID)
        dose.summationType = "PLAN"
        let doseFile = RTWriter.doseFile(dose, context: ctx, referencedPlanUID: "2.25.999")
        if dropSlice { ct.removeFirst() }
        return try SyntheticCase.write(ct + [rsFile, doseFile])
    }

    @Test func caseListsWhatIsMissingAndWhatDoesNotMatch() throws {
        let dir = try writeCase(dose: "2.25.12345", dropSlice: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cases = Case.assemble(DICOMLoader.load([dir]).members)
        #expect(cases.count == 1)
        let p = cases[0].problems
        #expect(p.contains { $0.contains("no RT Plan") })
        #expect(p.contains { $0.contains("references plan 2.25.999") })
        #expect(p.contains { $0.contains("frame of reference 2.25.12345") })
        #expect(p.contains { $0.contains("references 1 image(s) that are not in the case") })
        #expect(p.contains { $0.contains("'Empty' has no contours") })
    }

    @Test func structureSetAndDoseReadBackFromOwnFiles() throws {
        let dir = try writeCase()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let c = try #require(Case.assemble(DICOMLoader.load([dir]).members).first)
        let rs = try #require(c.structureSets.first)
        #expect(rs.rois.map(\.name) == ["PTV", "Empty"])
        #expect(rs.rois[0].contours[0].points.count == 4)
        #expect(rs.rois[0].contours[0].referencedSOPInstanceUIDs.count == 1)
        #expect(rs.rois[0].interpretedType == "PTV")
        let dose = try #require(c.doses.first)
        #expect(dose.grid.frameOffsets == [0, 4, 8])
        #expect(dose.units == "GY")
        for (a, b) in zip(dose.values, (0..<48).map { Float($0) / 10 }) { #expect(abs(a - b) < 1e-6) }
        // Trilinear interpolation is exact on a field linear in the index.
        let d = try #require(dose.dose(at: Vec3(-4, -4, -8)))
        #expect(abs(d - (0.5 + 4 * 0.5 + 16 * 0.5) / 10) < 1e-6)
        #expect(dose.dose(at: Vec3(100, 0, 0)) == nil)
        #expect(c.problems.filter { !$0.contains("no RT Plan") && !$0.contains("references plan") && !$0.contains("has no contours") }.isEmpty, "\(c.problems)")
    }

    @Test func absoluteGridFrameOffsetsAreConverted() throws {
        var ds = DataSet()
        ds.set(.sopClassUID, .UI, SOPClass.rtDose)
        ds.set(.sopInstanceUID, .UI, "2.25.5")
        ds.set(.imagePositionPatient, .DS, numbers: [0, 0, -20])
        ds.set(.imageOrientationPatient, .DS, numbers: [1, 0, 0, 0, 1, 0])
        ds.set(.pixelSpacing, .DS, numbers: [2, 2])
        ds.set(.rows, .US, number: 2); ds.set(.columns, .US, number: 2)
        ds.set(.numberOfFrames, .IS, number: 3)
        ds.set(.bitsAllocated, .US, number: 16); ds.set(.bitsStored, .US, number: 16); ds.set(.pixelRepresentation, .US, number: 0)
        ds.set(DICOMTag(0x3004_000C), .DS, numbers: [-20, -17, -14])
        ds.set(DICOMTag(0x3004_000E), .DS, number: 0.5)
        ds.set(DICOMTag(0x3004_0002), .CS, "GY")
        ds.set(.pixelData, .OW, bytes: (0..<12).flatMap { [UInt8($0), 0] })
        let dose = try DoseGrid(file: DICOMFile(meta: DataSet(), dataSet: ds, transferSyntax: .explicitVRLittleEndian))
        #expect(dose.frameOffsetsWereAbsolute)
        #expect(dose.grid.frameOffsets == [0, 3, 6])
        #expect(dose.values[11] == 5.5)
    }
}

@Suite(.enabled(if: Fixtures.hasSharedData, Comment(rawValue: Fixtures.sharedDataMissing)))
struct SharedRTDataTests {
    @Test func eclipseProstatePlanAndStructures() throws {
        let r = DICOMLoader.load([Fixtures.shared("eclipse-prostate")])
        #expect(r.failures.isEmpty)
        // plastimatch rewrote the dose with its own patient, study and frame of reference: two cases.
        let cases = Case.assemble(r.members)
        #expect(cases.count == 2)
        let c = try #require(cases.first { !$0.plans.isEmpty })
        let plan = try #require(c.plans.first)
        #expect(plan.label == "PROS")
        #expect(plan.beams.count == 5)
        #expect(plan.fractionCount == 23)
        #expect(plan.prescriptionGy == 46)
        #expect(plan.radiationType == "PHOTON")
        let rs = try #require(c.structureSets.first)
        #expect(rs.rois.count == 16)
        #expect(rs.rois.filter { !$0.contours.isEmpty }.count == 6)
        #expect(rs.roi(named: "BODY")?.interpretedType == "EXTERNAL")
        let dose = try #require(cases.flatMap(\.doses).first)
        #expect(dose.grid.columns == 136 && dose.grid.rows == 86 && dose.grid.frames == 92)
    }

    @Test func ionPlanBeamsAndEffectiveDose() throws {
        let r = DICOMLoader.load([Fixtures.shared("proton-aptg/plan03_sobp_raystation")])
        let c = try #require(Case.assemble(r.members).first)
        let plan = try #require(c.plans.first)
        #expect(plan.isIon)
        #expect(plan.radiationType == "PROTON")
        #expect(plan.beams.count == 1)
        #expect(plan.beams[0].controlPoints.count > 1)
        #expect(c.doses.first?.doseType == "PHYSICAL")
        let ramp = DICOMLoader.load([Fixtures.shared("proton-aptg/plan03_ramp_full")])
        let doses = Case.assemble(ramp.members).flatMap(\.doses)
        #expect(doses.count == 3)
        #expect(doses.allSatisfy { $0.doseType == "EFFECTIVE" })
        #expect(Set(doses.compactMap(\.summationType)).contains("BEAM"))
        // The RT Struct holds a POINT marker.
        let points = Case.assemble(ramp.members).flatMap(\.structureSets).flatMap(\.rois).flatMap(\.contours).filter { $0.geometricType == .point }
        #expect(!points.isEmpty)
    }

    @Test func monacoPlansWithoutMetaReadAsImplicit() throws {
        let f = try DICOMFile.read(path: Fixtures.shared("parser-corpus/pymedphys/vmat_example.dcm"))
        #expect(f.meta.isEmpty)
        #expect(f.transferSyntax == .implicitVRLittleEndian)
        let plan = try Plan(file: f)
        #expect(plan.beams.count == 2)
        #expect(plan.beams.allSatisfy { $0.isArc })
        #expect(plan.beams[0].controlPoints.count > 10)
    }

    @Test func relativeDoseKeepsItsUnits() throws {
        let d = try DoseGrid(file: DICOMFile.read(path: Fixtures.shared("parser-corpus/pydicom/rtdose.dcm")))
        #expect(d.units == "RELATIVE")
        #expect(!d.isGy)
        #expect(abs(d.maxValue - 1.254) < 1e-6)
    }
}

struct PixelDecodingTests {
    /// 12-bit signed CT (Bits Stored 12, PS3.5 8.1.1): the high bits are ignored and the value is
    /// sign-extended from bit 11, in the fast path as in `storedValues`.
    @Test func twelveBitSignedValuesAreMaskedAndSignExtended() throws {
        let (grid, hu) = SyntheticCase.ctGrid(columns: 2, rows: 1, slices: 1)
        var files = RTWriter.ctSeries(grid: grid, hounsfield: hu, context: RTWriter.Context())
        var ds = files[0].dataSet
        ds.set(.bitsStored, .US, number: 12)
        ds.set(.highBit, .US, number: 11)
        ds.set(.rescaleIntercept, .DS, number: -1024)
        // -5 in 12 bits is 0xFFB; 0xA000 in the unused high bits. 2047 is the largest positive value.
        ds.set(.pixelData, .OW, bytes: [0xFB, 0xAF, 0xFF, 0x07])
        files[0].dataSet = ds
        let back = try DICOMFile(bytes: try DICOMWriter.encode(files[0]))
        let series = try ImageSeries(slices: [try ImageSlice(file: back)])
        let volume = try ImageVolume(series: series)
        #expect(volume.voxels == [-5 - 1024, 2047 - 1024])
        #expect(volume.minStoredValue == -5 && volume.maxStoredValue == 2047)
        let px = try #require(try PixelData(back.dataSet, transferSyntax: back.transferSyntax))
        #expect(try px.storedValues(frame: 0) == [-5, 2047])
    }
}
