import AnchorDICOM
import AnchorDosimetry
import AnchorPhantoms
import AnchorRT
import AnchorTestSupport
import Foundation
import Testing

/// Coarse grids keep the suite fast; the slices, structures, plan and dose model are the standard ones.
private func spec(_ site: PhantomSite, _ variant: PhantomVariant = .acceptable, age: Int = 5, seed: UInt64 = 1) throws -> PhantomSpec {
    try PhantomSpec(site: site, ageYears: age, variant: variant, seed: seed, resolution: .coarse)
}

private let expectedStructures: [PhantomSite: [String]] = [
    .posteriorFossa: ["External", "Brain", "Brainstem", "SpinalCord", "Cochlea_L", "Cochlea_R", "Hypothalamus", "Pituitary",
                      "OpticChiasm", "OpticNrv_L", "OpticNrv_R", "Eye_L", "Eye_R", "Lens_L", "Lens_R", "Hippocampus_L",
                      "Hippocampus_R", "Lobe_Temporal_L", "Lobe_Temporal_R", "GTV", "CTV", "PTV"],
    .abdomen: ["External", "Kidney_L", "Kidney_R", "Liver", "SpinalCord", "VB_T10", "VB_T11", "VB_T12", "VB_L1", "VB_L2", "VB_L3",
               "Bowel", "PTV"],
    .mediastinum: ["External", "Lung_L", "Lung_R", "Heart", "Breast_L", "Breast_R", "Thyroid", "Esophagus", "SpinalCord", "PTV"],
]

/// DVH of a structure of the read-back case, by AnchorDosimetry from the contours and the dose grid.
private func dvh(_ w: PaediatricCases.Written, _ name: String) throws -> StructureDose {
    let c = try #require(w.readBack)
    let rs = try #require(c.structureSets.first), dose = try #require(c.doses.first)
    let roi = try #require(rs.roi(named: name), "no ROI \(name)")
    return try DVHCalculator(dose: dose).compute(roi)
}

private func prescription(_ w: PaediatricCases.Written) throws -> Double {
    try #require(w.readBack?.plans.first?.prescriptionGy)
}

@Suite("Synthetic paediatric cases read back as one consistent case")
struct PhantomReadBackTests {
    @Test("every site and variant reads back as one case with no problems", arguments: PaediatricCases.allSiteVariants.map { "\($0.0.rawValue)|\($0.1.rawValue)" })
    func everySiteAndVariantIsOneCaseWithoutProblems(_ key: String) throws {
        let parts = key.split(separator: "|").map(String.init)
        let site = PhantomSite(rawValue: parts[0])!, variant = PhantomVariant(rawValue: parts[1])!
        let w = try PaediatricCases.written(try spec(site, variant))
        #expect(w.loaded.failures.isEmpty, "\(w.loaded.failures.map(\.message))")
        #expect(w.cases.count == 1)
        let c = try #require(w.readBack)
        #expect(c.problems.isEmpty, "\(c.problems)")
        #expect(c.series.count == 1 && c.structureSets.count == 1 && c.plans.count == 1 && c.doses.count == 1)
        #expect(c.series[0].slices.count == w.phantom.ctGrid.frames)
        let rs = c.structureSets[0]
        #expect(rs.rois.map(\.name) == expectedStructures[site])
        for roi in rs.rois { #expect(!roi.contours.isEmpty, "\(roi.name) has no contours") }
        #expect(rs.roi(named: "External")?.interpretedType == "EXTERNAL")
        #expect(rs.roi(named: "PTV")?.interpretedType == "PTV")
        if site == .posteriorFossa {
            #expect(rs.roi(named: "GTV")?.interpretedType == "GTV")
            #expect(rs.roi(named: "CTV")?.interpretedType == "CTV")
            #expect(rs.roi(named: "Brainstem")?.interpretedType == "ORGAN")
        }
    }

    @Test("the youngest and the oldest child still have contours on every structure", arguments: [1, 18])
    func extremeAgesKeepEveryStructure(_ age: Int) throws {
        // Small structures are at risk in the youngest; the oldest head checks the largest field of view.
        for site in age == 1 ? PhantomSite.allCases : [.posteriorFossa] {
            let w = try PaediatricCases.written(try spec(site, age: age))
            let c = try #require(w.readBack)
            #expect(c.problems.isEmpty, "\(site.rawValue) age \(age): \(c.problems)")
            #expect(c.structureSets.first?.rois.count == expectedStructures[site]?.count)
        }
    }

    @Test func patientStudyAndReferencesAreConsistent() throws {
        let w = try PaediatricCases.written(try spec(.posteriorFossa))
        let files = w.loaded.files
        #expect(Set(files.compactMap { $0.dataSet.string(.patientID) }) == ["ANCHOR-PF-05Y-ACC-S1"])
        #expect(Set(files.compactMap { $0.dataSet.string(.patientAge) }) == ["005Y"])
        let sexes = Set(files.compactMap { $0.dataSet.string(.patientSex) })
        #expect(sexes.count == 1 && (sexes.first == "F" || sexes.first == "M"))
        #expect(Set(files.compactMap { $0.dataSet.string(.studyInstanceUID) }).count == 1)
        #expect(Set(files.compactMap { $0.dataSet.string(.frameOfReferenceUID) }).count == 1)
        let c = try #require(w.readBack)
        let dose = try #require(c.doses.first), plan = try #require(c.plans.first), rs = try #require(c.structureSets.first)
        #expect(dose.units == "GY" && dose.doseType == "PHYSICAL" && dose.summationType == "PLAN")
        #expect(dose.referencedPlanUIDs == [plan.sopInstanceUID])
        #expect(plan.referencedStructureSetUIDs == [rs.sopInstanceUID])
        #expect(rs.referencedSeriesUIDs == [c.series[0].seriesInstanceUID])
        // Dose grid of about 2.5 mm (4 mm in the coarse test grids) covering the head.
        #expect(dose.grid.spacingI == 4 && dose.grid.spacing.k == 4)
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: w.directory))
        #expect(names.isSuperset(of: ["CT.0001.dcm", "RS.dcm", "RP.dcm", "RD.dcm"]))
        #expect(names.count == c.series[0].slices.count + 3)
    }

    @Test func contoursAreClosedPlanarCounterClockwiseWithBoundedPointCounts() throws {
        for site in PhantomSite.allCases {
            let rs = try #require(try PaediatricCases.written(try spec(site)).readBack?.structureSets.first)
            for roi in rs.rois {
                var byPlane: [Double: [[Vec3]]] = [:]
                for c in roi.contours {
                    #expect(c.geometricType == .closedPlanar)
                    #expect(c.points.count >= 3 && c.points.count <= 150, "\(roi.name): \(c.points.count) points")
                    #expect(Set(c.points.map(\.z)).count == 1, "\(roi.name): contour not planar")
                    byPlane[c.points[0].z, default: []].append(c.points)
                }
                // Outer boundaries (not inside another contour of the plane) run counter-clockwise, holes clockwise.
                for (_, polys) in byPlane {
                    for (n, p) in polys.enumerated() {
                        let others = polys.enumerated().filter { $0.offset != n }.map(\.element)
                        let depth = others.filter { PaediatricCases.inside(p[0].x, p[0].y, [$0]) }.count
                        #expect((PaediatricCases.signedArea(p) > 0) == (depth % 2 == 0), "\(roi.name): wrong winding")
                    }
                }
            }
        }
    }

    @Test func contouredVolumesMatchTheSolids() throws {
        let w = try PaediatricCases.written(try spec(.posteriorFossa))
        // Ellipsoids: V = 4/3·π·abc from the solids the generator drew.
        for name in ["Brainstem", "Eye_L", "Pituitary"] {
            guard case .ellipsoid(let e) = try #require(w.phantom.structure(name)).solid else { Issue.record("\(name) is not an ellipsoid"); continue }
            let exact = 4.0 / 3.0 * Double.pi * e.radii.x * e.radii.y * e.radii.z / 1000
            let contoured = try dvh(w, name).volumeCC
            #expect(approximatelyEqual(contoured, exact, relative: 0.08), "\(name): \(contoured) cc from contours, \(exact) cc exact")
        }
    }

    @Test func sameSeedGivesTheSameBytesAndAnotherSeedAnotherChild() throws {
        let a = PhantomGenerator.generate(try spec(.abdomen, age: 2, seed: 7))
        let b = PhantomGenerator.generate(try spec(.abdomen, age: 2, seed: 7))
        #expect(a.files.count == b.files.count)
        for (x, y) in zip(a.files, b.files) {
            #expect(x.name == y.name)
            #expect(try DICOMWriter.encode(x.file) == DICOMWriter.encode(y.file), "\(x.name) differs between two runs")
        }
        let other = PhantomGenerator.structures(for: try spec(.abdomen, age: 2, seed: 8))
        let ptvA = try #require(a.structure("PTV")).solid.bounds, ptvB = try #require(other.first { $0.name == "PTV" }).solid.bounds
        #expect(ptvA != ptvB, "another seed draws another tumour bed")
        #expect(try spec(.abdomen, age: 2, seed: 7).patientID != spec(.abdomen, age: 2, seed: 8).patientID)
    }
}

@Suite("Anatomy scales with age")
struct PhantomAgeTests {
    private func width(_ p: [PhantomStructure], _ name: String) -> Double {
        p.first { $0.name == name }!.solid.bounds.size.x
    }

    @Test func headAndTrunkFollowTheGrowthCharts() throws {
        let young = PhantomGenerator.structures(for: try spec(.posteriorFossa, age: 3, seed: 1))
        let old = PhantomGenerator.structures(for: try spec(.posteriorFossa, age: 15, seed: 1))
        let ratio = width(young, "Brain") / width(old, "Brain")
        let charts = Growth.headScale(age: 3) / Growth.headScale(age: 15)
        // Within the ±3% individual variation drawn from the seed.
        #expect(abs(ratio - charts) < 0.07, "brain width ratio \(ratio), head circumference ratio \(charts)")
        #expect(ratio < 0.95)
        // The cochlea has its adult size at every age; the eye grows less than the head.
        #expect(approximatelyEqual(width(young, "Cochlea_L"), width(old, "Cochlea_L"), relative: 1e-9))
        #expect(width(young, "Eye_L") / width(old, "Eye_L") > ratio)

        let toddler = PhantomGenerator.structures(for: try spec(.abdomen, age: 2, seed: 1))
        let teen = PhantomGenerator.structures(for: try spec(.abdomen, age: 16, seed: 1))
        let trunk = width(toddler, "External") / width(teen, "External")
        #expect(abs(trunk - Growth.trunkScale(age: 2) / Growth.trunkScale(age: 16)) < 0.1)
        #expect(trunk < 0.7)
        #expect(Growth.interpolate(Growth.statureCM, at: 2.5) > Growth.interpolate(Growth.statureCM, at: 2))
    }

    @Test func badRequestsNameTheValueAndTheValidOnes() {
        #expect(throws: PhantomError.self) { _ = try PhantomSpec(site: "knee", ageYears: 5) }
        do { _ = try PhantomSpec(site: "knee", ageYears: 5) } catch let e as PhantomError {
            #expect(e.code == .invalidSite && e.message.contains("'knee'") && e.message.contains("posterior-fossa, abdomen, mediastinum"))
        } catch { Issue.record("unexpected \(error)") }
        do { _ = try PhantomSpec(site: "abdomen", ageYears: 5, variant: "cochlea-overdose") } catch let e as PhantomError {
            #expect(e.code == .invalidVariant && e.message.contains("acceptable, ptv-underdose, vertebra-gradient"))
        } catch { Issue.record("unexpected \(error)") }
        do { _ = try PhantomSpec(site: "abdomen", ageYears: 19) } catch let e as PhantomError {
            #expect(e.code == .invalidAge && e.message.contains("19"))
        } catch { Issue.record("unexpected \(error)") }
    }
}

@Suite("The plan reads back as written")
struct PhantomPlanTests {
    @Test func planCarriesPrescriptionFractionsBeamsAndCollimation() throws {
        let w = try PaediatricCases.written(try spec(.posteriorFossa))
        let plan = try #require(w.readBack?.plans.first)
        #expect(plan.prescriptionGy == 59.4 && plan.fractionCount == 33)
        #expect(plan.radiationType == "PHOTON" && !plan.isIon)
        #expect(plan.beams.map { $0.gantryAngle ?? -1 } == [40, 80, 120, 160, 200, 240, 280, 320])
        let ptv = try #require(w.readBack?.structureSets.first?.roi(named: "PTV"))
        #expect(plan.doseReferences.first?.referencedROINumber == ptv.number)
        #expect(plan.doseReferences.first?.type == "TARGET")
        for b in plan.beams {
            #expect(b.nominalEnergy == 6 && b.controlPoints.count == 2 && b.finalCumulativeMetersetWeight == 1)
            #expect(b.controlPoints.map { $0.cumulativeMetersetWeight ?? -1 } == [0, 1])
            #expect(b.controlPoints[1].gantryAngle == b.gantryAngle, "unchanged attributes carry over (C.8.8.14.5)")
            #expect(b.isocenter == plan.beams[0].isocenter)
        }
        // The isocentre lies in the PTV, and the fraction group's beam doses add up to about the dose per fraction there.
        let iso = try #require(plan.beams[0].isocenter)
        let dose = try #require(w.readBack?.doses.first)
        let isoDose = try #require(dose.dose(at: iso))
        let perFraction = plan.fractionGroups[0].beams.compactMap(\.doseGy).reduce(0, +)
        #expect(approximatelyEqual(perFraction * 33, isoDose, relative: 0.03), "beam doses \(perFraction * 33) Gy, dose grid \(isoDose) Gy at the isocentre")
        #expect(plan.fractionGroups[0].beams.allSatisfy { ($0.meterset ?? 0) > 5 && ($0.meterset ?? 0) < 200 })

        // Collimation, from the data set: ASYMX, ASYMY and MLCX with 80 leaf pairs; leaves open inside the jaws.
        let rp = try #require(w.loaded.files.first { $0.modality == "RTPLAN" }).dataSet
        for beam in rp.sequence(DICOMTag(0x300A_00B0)) {
            #expect(beam.sequence(DICOMTag(0x300A_00B6)).compactMap { $0.string(DICOMTag(0x300A_00B8)) } == ["ASYMX", "ASYMY", "MLCX"])
            let cp0 = try #require(beam.sequence(DICOMTag(0x300A_0111)).first)
            let positions = cp0.sequence(DICOMTag(0x300A_011A))
            let jawX = try positions[0].doubles(DICOMTag(0x300A_011C)), leaves = try positions[2].doubles(DICOMTag(0x300A_011C))
            #expect(jawX.count == 2 && jawX[0] < jawX[1] && leaves.count == 160)
            for k in 0..<80 {
                #expect(leaves[k] <= leaves[80 + k])
                if leaves[k] < leaves[80 + k] { #expect(leaves[k] >= jawX[0] - 1e-6 && leaves[80 + k] <= jawX[1] + 1e-6) }
            }
        }
    }

    @Test func planWriterRoundTripsAHandBuiltPlan() throws {
        let beam = RTWriter.PhotonPlan.Beam(number: 3, name: "RAO", machineName: "LINAC1", energyMV: 10, gantryAngle: 315,
                                            collimatorAngle: 15, couchAngle: 270, isocenter: Vec3(1.5, -2, 30),
                                            sourceToSurfaceDistanceMM: 912.5, jawX: (-50, 60), jawY: (-40, 45), metersetMU: 123.4,
                                            beamDoseGy: 0.9)
        let plan = RTWriter.PhotonPlan(sopInstanceUID: "2.25.1", label: "A LABEL LONGER THAN SIXTEEN", name: "test",
                                       doseReferences: [.init(number: 1, uid: "2.25.2", referencedROINumber: 4, targetPrescriptionDoseGy: 50.4)],
                                       fractionsPlanned: 28, beams: [beam], structureSetUID: "2.25.3")
        let bytes = try DICOMWriter.encode(RTWriter.planFile(plan, context: RTWriter.Context(patientID: "P1")))
        let back = try Plan(file: try DICOMFile(bytes: bytes))
        #expect(back.label == "A LABEL LONGER T")
        #expect(back.prescriptionGy == 50.4 && back.fractionCount == 28)
        #expect(back.referencedStructureSetUIDs == ["2.25.3"])
        let b = try #require(back.beams.first)
        #expect(b.number == 3 && b.name == "RAO" && b.machine == "LINAC1" && b.nominalEnergy == 10 && b.type == "STATIC")
        #expect(b.gantryAngle == 315 && b.controlPoints[0].collimatorAngle == 15 && b.controlPoints[0].couchAngle == 270)
        #expect(b.isocenter == Vec3(1.5, -2, 30) && !b.isArc)
        #expect(back.fractionGroups[0].beams.first?.meterset == 123.4 && back.fractionGroups[0].beams.first?.doseGy == 0.9)
    }
}

@Suite("Dose shape: conformal where acceptable, each deviation where planted")
struct PhantomDoseShapeTests {
    @Test("acceptable plans cover the PTV and fall off around it", arguments: PhantomSite.allCases.map(\.rawValue))
    func acceptablePlansCoverThePTV(_ siteName: String) throws {
        let w = try PaediatricCases.written(try spec(PhantomSite(rawValue: siteName)!))
        let rx = try prescription(w)
        let ptv = try dvh(w, "PTV")
        let d95 = try #require(ptv.dose(atVolumePercent: 95)), d50 = try #require(ptv.dose(atVolumePercent: 50))
        let d2 = try #require(ptv.dose(atVolumePercent: 2))
        #expect(d95 >= 0.95 * rx && d95 <= rx, "PTV D95 \(d95) Gy for \(rx) Gy")
        #expect(abs(d50 - rx) < 0.02 * rx, "PTV D50 \(d50) Gy")
        #expect(d2 <= 1.08 * rx, "PTV D2 \(d2) Gy")
        // Not a blob: the 95% isodose hugs the PTV and the dose falls off; most of the body gets little.
        let calc = try DVHCalculator(dose: try #require(w.readBack?.doses.first))
        let ci = calc.isodoseVolumeCC(atLeastGy: 0.95 * rx) / ptv.volumeCC
        // Eight conformal fields give about 2; opposed AP-PA fields treat the whole depth of the body (about 3).
        #expect(ci > 1 && ci < (siteName == "posterior-fossa" ? 2.5 : 4.0), "95% isodose volume / PTV volume = \(ci)")
        let body = try dvh(w, "External")
        #expect(try #require(body.dose(atVolumePercent: 50)) < 0.25 * rx, "half the body below 25% of the prescription")
        #expect(body.meanGy > 0.01 * rx, "a low-dose bath, not zero outside the fields")
    }

    @Test("ptv-underdose leaves a cold region in the PTV", arguments: PhantomSite.allCases.map(\.rawValue))
    func underdoseHasAColdRegion(_ siteName: String) throws {
        let site = PhantomSite(rawValue: siteName)!
        let w = try PaediatricCases.written(try spec(site, .ptvUnderdose))
        let rx = try prescription(w)
        let ptv = try dvh(w, "PTV")
        let d95 = try #require(ptv.dose(atVolumePercent: 95)), d50 = try #require(ptv.dose(atVolumePercent: 50))
        #expect(d95 < 0.9 * rx, "PTV D95 \(d95) Gy should be under 90% of \(rx) Gy")
        #expect(abs(d50 - rx) < 0.03 * rx, "the rest of the PTV keeps the prescription")
        // Cold at the inferior end: the lowest contoured plane of the PTV gets much less than the middle.
        let ptvROI = try #require(w.readBack?.structureSets.first?.roi(named: "PTV"))
        let dose = try #require(w.readBack?.doses.first)
        let zLow = ptvROI.contours.map { $0.points[0].z }.min()!
        let low = PaediatricCases.latticePoints(ptvROI, step: 2).filter { $0.z == zLow }.compactMap { dose.dose(at: $0) }
        #expect(!low.isEmpty && low.reduce(0, +) / Double(low.count) < 0.6 * rx)
    }

    @Test func cochleaOverdoseIsAboveThirtyFiveGrayAndAcceptableBelow() throws {
        let bad = try PaediatricCases.written(try spec(.posteriorFossa, .cochleaOverdose))
        let good = try PaediatricCases.written(try spec(.posteriorFossa))
        for side in ["Cochlea_L", "Cochlea_R"] {
            let high = try dvh(bad, side).meanGy, low = try dvh(good, side).meanGy
            // COG and QUANTEC: mean cochlear dose at most 35 Gy (30-35 Gy in children).
            #expect(high > 35, "\(side) mean \(high) Gy in cochlea-overdose")
            #expect(low < 35, "\(side) mean \(low) Gy in acceptable")
        }
    }

    @Test func vertebraGradientIsSteepAcrossAVertebralBodyAndAcceptableIsHomogeneous() throws {
        func worstLateralDifference(_ w: PaediatricCases.Written) throws -> Double {
            let c = try #require(w.readBack)
            let rs = try #require(c.structureSets.first), dose = try #require(c.doses.first)
            var worst = 0.0
            for roi in rs.rois where roi.name.hasPrefix("VB_") {
                let pts = PaediatricCases.latticePoints(roi, step: 1)
                let cx = pts.map(\.x).reduce(0, +) / Double(pts.count)
                func mean(_ p: [Vec3]) -> Double { let d = p.compactMap { dose.dose(at: $0) }; return d.reduce(0, +) / Double(d.count) }
                worst = max(worst, abs(mean(pts.filter { $0.x > cx }) - mean(pts.filter { $0.x <= cx })))
            }
            return worst / (c.plans.first?.prescriptionGy ?? 1)
        }
        let good = try worstLateralDifference(try PaediatricCases.written(try spec(.abdomen)))
        let bad = try worstLateralDifference(try PaediatricCases.written(try spec(.abdomen, .vertebraGradient)))
        #expect(good < 0.05, "acceptable: left and right halves of every vertebral body within 5% (\(good))")
        #expect(bad > 0.25, "vertebra-gradient: a vertebral body with halves \(bad) of the prescription apart")
    }

    @Test func contourErrorLeavesPartOfTheGTVOutsideTheCTV() throws {
        func gtvOutsideCTV(_ w: PaediatricCases.Written) throws -> Double {
            let rs = try #require(w.readBack?.structureSets.first)
            let gtv = try #require(rs.roi(named: "GTV")), ctv = try #require(rs.roi(named: "CTV"))
            var ctvPlanes: [Double: [[Vec3]]] = [:]
            for c in ctv.contours { ctvPlanes[c.points[0].z, default: []].append(c.points) }
            let pts = PaediatricCases.latticePoints(gtv, step: 0.5)
            let outside = pts.filter { !PaediatricCases.inside($0.x, $0.y, ctvPlanes[$0.z] ?? []) }
            return Double(outside.count) / Double(pts.count)
        }
        #expect(try gtvOutsideCTV(try PaediatricCases.written(try spec(.posteriorFossa))) == 0)
        let missed = try gtvOutsideCTV(try PaediatricCases.written(try spec(.posteriorFossa, .contourError)))
        #expect(missed > 0.05, "\(missed) of the GTV outside the CTV")
    }
}
