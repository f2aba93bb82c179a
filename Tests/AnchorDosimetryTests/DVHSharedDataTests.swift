import AnchorDICOM
import AnchorDosimetry
import AnchorRT
import AnchorTestSupport
import Foundation
import Testing

/// The DVH engine on files written by other software (../shared/data), against exact values and
/// against the numbers of Eclipse, CERR and SlicerRT.
@Suite(.enabled(if: Fixtures.hasSharedData, Comment(rawValue: Fixtures.sharedDataMissing)))
struct DVHSharedDataTests {
    static func load(_ folder: String) throws -> DVHInputs {
        // The synthetic cases' 71 CT slices are not needed for a DVH: read only the RS and RD.
        let paths = folder.hasPrefix("synthetic-spheres") ? [folder + "/rtss.dcm", folder + "/dose.dcm"] : [folder]
        return try DVHInputs.select(from: DICOMLoader.load(paths.map(Fixtures.shared)).members)
    }

    /// An ROI's contours as a phantom (for `ExactSlabDVH`): axial planes, uniform spacing.
    static func phantom(_ roi: StructureSet.ROI, spacing: Double) -> DVHPhantom {
        var byZ: [Double: [DVHPhantom.Polygon]] = [:]
        for c in roi.contours where c.points.count >= 3 {
            byZ[(c.points[0].z * 1000).rounded() / 1000, default: []].append(c.points.map { (x: $0.x, y: $0.y) })
        }
        return DVHPhantom(name: roi.name, planes: byZ.keys.sorted().map { (z: $0, polygons: byZ[$0]!) }, planeSpacingMM: spacing)
    }

    // MARK: synthetic-spheres (plastimatch): exact values in the README

    /// README: volume, Dmin, Dmax, Dmean, D95, D2 of the true spheres.
    static let readme: [(folder: String, roi: String, volume: Double, min: Double, max: Double, mean: Double, d95: Double, d2: Double)] = [
        ("dicom_gauss", "Sphere_R20", 33.510, 36.392, 60.000, 44.837, 37.009, 57.830),
        ("dicom_gauss", "Sphere_R10_off35x", 4.189, 4.774, 27.470, 12.979, 6.220, 24.206),
        ("dicom_zramp", "Sphere_R20", 33.510, 25.000, 45.000, 35.000, 27.707, 43.319),
        ("dicom_zramp", "Sphere_R10_off35x", 4.189, 30.000, 40.000, 35.000, 31.354, 39.160),
    ]

    @Test(arguments: readme.indices)
    func syntheticSpheresAgreeWithTheirExactValues(_ n: Int) throws {
        let r = Self.readme[n]
        let inputs = try Self.load("synthetic-spheres/" + r.folder)
        let roi = try #require(inputs.structureSet.roi(named: r.roi))
        let s = try DVHCalculator(dose: inputs.dose).compute(roi)
        // The contours, traced by plastimatch on 1 mm pixels every 2 mm, enclose less than the true
        // sphere under the slab convention (the poles are 0.5 mm² squares): 0.7% less for R20, 2.5%
        // for R10. Against the contours themselves the volume is exact.
        let slabVolume = Self.phantom(roi, spacing: 2).planes.reduce(0.0) { acc, p in
            acc + p.polygons.reduce(0.0) { $0 + abs(ExactSlabDVH.moments($1).0) } * 2
        } / 1000
        #expect(abs(s.volumeCC / slabVolume - 1) < 0.001, "\(r.roi): \(s.volumeCC) cc, contours enclose \(slabVolume) cc")
        #expect(abs(s.volumeCC / r.volume - 1) < 0.03)
        // Doses against the true sphere: within 1% of its dose range for D95, D2 and mean.
        let range = r.max - r.min
        #expect(abs(s.meanGy - r.mean) < 0.01 * range, "\(r.folder) \(r.roi): mean \(s.meanGy) vs \(r.mean)")
        #expect(abs(s.dose(atVolumePercent: 95)! - r.d95) < 0.01 * range, "\(r.folder) \(r.roi): D95 \(s.dose(atVolumePercent: 95)!) vs \(r.d95)")
        #expect(abs(s.dose(atVolumePercent: 2)! - r.d2) < 0.01 * range, "\(r.folder) \(r.roi): D2 \(s.dose(atVolumePercent: 2)!) vs \(r.d2)")
    }

    @Test func zRampSpheresMatchTheExactDVHOfTheirContours() throws {
        // 35 Gy + 0.5 Gy/mm · z is linear, so the exact slab DVH of the very contours in the file is known.
        let inputs = try Self.load("synthetic-spheres/dicom_zramp")
        let field = LinearDose(doseAtOriginGy: 35, gradientGyPerMM: Vec3(0, 0, 0.5))
        for name in ["Sphere_R20", "Sphere_R10_off35x"] {
            let roi = try #require(inputs.structureSet.roi(named: name))
            let exact = ExactSlabDVH(Self.phantom(roi, spacing: 2), field)
            let s = try DVHCalculator(dose: inputs.dose).compute(roi)
            let range = exact.maxGy - exact.minGy
            #expect(abs(s.volumeCC / exact.volumeCC - 1) < 0.001)
            for x in [2.0, 50, 95, 98] {
                #expect(abs(s.dose(atVolumePercent: x)! - exact.dose(atVolumePercent: x)) < 0.0025 * range, "\(name) D\(x)%")
            }
            #expect(abs(s.meanGy - exact.meanGy) < 0.001 * range)
            #expect(abs(s.minGy - exact.minGy) < 0.001 * range && abs(s.maxGy - exact.maxGy) < 0.001 * range)
        }
    }

    // MARK: proton-aptg: 5 mm contour planes on a 2 mm dose grid

    @Test(arguments: ["proton-aptg/plan03_ramp_full", "proton-aptg/plan03_sobp_raystation"])
    func protonCubeIs1050cc(_ folder: String) throws {
        let inputs = try Self.load(folder)
        #expect(inputs.dose.summationType == "PLAN")
        let report = try DVHCalculator(dose: inputs.dose).compute(structureSet: inputs.structureSet)
        let cube = try #require(report.structures.first { $0.name == "Cube101010" })
        #expect(abs(cube.volumeCC - 1050) < 0.01, "\(cube.volumeCC) cc")
        #expect(cube.coveredFraction == 1)
        #expect(report.skipped.map(\.name) == ["LoPo"])   // the POINT marker, with its reason
        #expect(report.skipped[0].error.code == .noClosedContours)
    }

    @Test func protonFolderUsesThePlanDoseAndSaysWhyNotTheBeamDoses() throws {
        let inputs = try Self.load("proton-aptg/plan03_ramp_full")
        #expect(inputs.dosesNotUsed.count == 2)
        #expect(inputs.dosesNotUsed.allSatisfy { $0.reason.contains("BEAM") })
    }

    // MARK: eclipse-prostate: Eclipse, CERR and SlicerRT tables

    /// Cumulative DVH columns of a table: structure (spaces removed, lower case) → (dose Gy, volume %).
    static func table(_ file: String) throws -> [String: (dose: [Double], percent: [Double])] {
        let text = try String(contentsOfFile: Fixtures.shared("eclipse-prostate/tables/" + file), encoding: .utf8)
        let lines = text.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        var out: [String: (dose: [Double], percent: [Double])] = [:]
        let header = lines[0]
        for c in stride(from: 0, to: header.count - 1, by: 2) where header[c].contains("Dose") {
            let name = header[c].components(separatedBy: " Dose")[0].replacingOccurrences(of: "_DvhArray", with: "")
                .replacingOccurrences(of: " ", with: "").lowercased()
            var d: [Double] = [], v: [Double] = []
            for row in lines.dropFirst() where row.count > c + 1 {
                if let x = Double(row[c]), let y = Double(row[c + 1]) { d.append(x); v.append(y) }
            }
            out[name] = (d, v)
        }
        return out
    }

    /// Dx% from a tabulated cumulative DVH in percent, interpolated linearly.
    static func dose(_ t: (dose: [Double], percent: [Double]), atPercent x: Double) -> Double {
        for i in 1..<t.dose.count where t.percent[i] < x && x <= t.percent[i - 1] {
            return t.dose[i - 1] + (t.percent[i - 1] - x) / (t.percent[i - 1] - t.percent[i]) * (t.dose[i] - t.dose[i - 1])
        }
        return x > t.percent[0] ? t.dose[0] : t.dose[t.dose.count - 1]
    }

    static let eclipseVolumes: [String: (eclipse: Double, cerr: Double)] = [
        "ptv": (48.6, 49.214), "bladder": (116.8, 117.671), "rectum": (30.3, 30.663), "femoralheadlt": (49.2, 49.376), "femoralheadrt": (50.0, 50.361), "body": (10593, 10698),
    ]
    static let eclipseMeans: [String: (eclipse: Double, cerr: Double)] = [
        "ptv": (45.880, 45.776), "bladder": (45.898, 45.797), "rectum": (39.148, 38.960), "femoralheadlt": (25.021, 24.920), "body": (15.592, 15.345),
    ]

    @Test func eclipseProstateAgreesWithEclipseAtLeastAsWellAsCERR() throws {
        let inputs = try Self.load("eclipse-prostate")
        let report = try DVHCalculator(dose: inputs.dose).compute(structureSet: inputs.structureSet)
        let ours = Dictionary(uniqueKeysWithValues: report.structures.map { ($0.name.replacingOccurrences(of: " ", with: "").lowercased(), $0) })
        #expect(report.structures.count == 6)
        #expect(report.skipped.count == 10 && report.skipped.allSatisfy { $0.error.code == .noContours })
        let eclipse = try Self.table("EclipseProstate_DvhTable_Eclipse.csv"), cerr = try Self.table("EclipseProstate_DvhTable_CERR.csv")

        // Volumes: the slab convention, as CERR; within 1.5% of Eclipse's for every structure.
        for (name, v) in Self.eclipseVolumes {
            let s = try #require(ours[name])
            #expect(abs(s.volumeCC / v.eclipse - 1) < 0.015, "\(name): \(s.volumeCC) cc, Eclipse \(v.eclipse), CERR \(v.cerr)")
            #expect(abs(s.volumeCC / v.cerr - 1) < 0.005, "\(name): \(s.volumeCC) cc, CERR \(v.cerr) (same convention)")
        }
        // Mean dose: closer to Eclipse than CERR for every structure (BODY: of its part inside the grid).
        for (name, m) in Self.eclipseMeans {
            let s = try #require(ours[name])
            #expect(abs(s.meanGy - m.eclipse) <= abs(m.cerr - m.eclipse), "\(name): mean \(s.meanGy), Eclipse \(m.eclipse), CERR \(m.cerr)")
        }
        // D98, D95, D50, D2 against Eclipse's own DVH table: on average closer than CERR's table.
        var oursTotal = 0.0, cerrTotal = 0.0, oursCloser = 0, count = 0
        for name in Self.eclipseVolumes.keys {
            let s = try #require(ours[name])
            let e = try #require(eclipse[name]), c = try #require(cerr[name])
            for x in [98.0, 95, 50, 2] {
                let de = Self.dose(e, atPercent: x)
                let a = abs(s.dose(atVolumePercent: x)! - de), b = abs(Self.dose(c, atPercent: x) - de)
                oursTotal += a; cerrTotal += b; count += 1
                if a <= b { oursCloser += 1 }
            }
        }
        #expect(oursTotal <= cerrTotal, "mean |ΔD| vs Eclipse: Anchor \(oursTotal / Double(count)) Gy, CERR \(cerrTotal / Double(count)) Gy")
        #expect(oursCloser >= count * 3 / 4, "Anchor closer to Eclipse than CERR in \(oursCloser) of \(count) dose metrics")
    }
}
