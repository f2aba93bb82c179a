import AnchorDICOM
import AnchorRT
import Foundation

/// A generated case in memory: the objects, the files that carry them, and the solids they were drawn
/// from (so tests can compare what was written with what was meant).
public struct PhantomCase: Sendable {
    public var spec: PhantomSpec
    public var context: RTWriter.Context
    public var diagnosis: String
    public var structures: [PhantomStructure]
    /// CT geometry and voxels (Hounsfield units).
    public var ctGrid: Grid3D
    public var hounsfield: [Float]
    public var structureSet: StructureSet
    public var plan: RTWriter.PhotonPlan
    public var dose: DoseGrid
    public var prescriptionGy: Double
    public var fractions: Int
    public var model: PhotonBeamModel
    /// File name (CT.0001.dcm, RS.dcm, RP.dcm, RD.dcm) and content, in that order.
    public var files: [(name: String, file: DICOMFile)]
    /// Each beam's dose (Dose Summation Type BEAM, referencing its beam number), when asked for with
    /// `generate(_:model:progress:beamDoses:)`; they sum to `dose` up to float rounding.
    public var beamDoses: [DoseGrid] = []

    public func structure(_ name: String) -> PhantomStructure? { structures.first { $0.name == name } }

    /// Dose samples at the dose grid's voxel centres inside a structure's solid (Gy), sorted ascending.
    public func doseSamples(in name: String) -> [Double] {
        guard let s = structure(name) else { return [] }
        let b = s.solid.bounds
        let g = dose.grid
        var out: [Double] = []
        for k in 0..<g.frames {
            let z = g.position(0, 0, k).z
            guard z >= b.min.z, z <= b.max.z else { continue }
            for j in 0..<g.rows {
                for i in 0..<g.columns {
                    let p = g.position(i, j, k)
                    if p.x >= b.min.x, p.x <= b.max.x, p.y >= b.min.y, p.y <= b.max.y, s.solid.contains(p) {
                        out.append(Double(dose.values[g.index(i, j, k)]))
                    }
                }
            }
        }
        return out.sorted()
    }
}

/// Generates the synthetic paediatric cases. See the module's README for the anatomy, the CT numbers,
/// the age scaling and the dose model.
public enum PhantomGenerator {
    /// Builds a case in memory: deterministic for a given spec (same bytes for the same seed).
    public static func generate(_ spec: PhantomSpec, model m: PhotonBeamModel = .standard,
                                progress: (@Sendable (String) -> Void)? = nil, beamDoses: Bool = false) -> PhantomCase {
        var rng = generator(for: spec)
        let site = model(spec, rng: &rng)
        let id = spec.patientID
        func uid(_ role: String) -> String { UIDFactory.make(fromHash: stableDigest(id + "/" + role)) }
        let context = RTWriter.Context(
            patientID: id, patientName: "PHANTOM^\(spec.site.code) \(spec.ageYears)Y \(spec.variant.code) S\(spec.seed)",
            patientSex: site.sex, patientAge: spec.patientAge, studyInstanceUID: uid("study"), frameOfReferenceUID: uid("frame"),
            studyDate: "20260101", studyDescription: String("Anchor phantom: \(site.diagnosis)".prefix(64)), manufacturer: "Anchor", patientPosition: "HFS")

        // CT.
        progress?("CT")
        let ct = ctGrid(site)
        let hu = paint(site, grid: ct, seed: rng.next())
        var ctFiles = RTWriter.ctSeries(grid: ct, hounsfield: hu, context: context, seriesInstanceUID: uid("ct-series"))
        for k in ctFiles.indices {
            ctFiles[k].dataSet.set(.sopInstanceUID, .UI, uid("ct-\(k + 1)"))
            ctFiles[k].dataSet.set(.seriesDescription, .LO, "Anchor phantom CT")
        }
        // The series as a reader sees it, for the structure set's image references.
        let series = try? ImageSeries(slices: ctFiles.compactMap { try? ImageSlice(file: $0) })

        // Structures.
        progress?("structures")
        let zs = (0..<ct.frames).map { ct.position(0, 0, $0).z }
        // Every (structure, slice) section is independent: trace them in parallel, keep the order.
        let tasks: [(structure: Int, z: Double)] = site.structures.enumerated().flatMap { n, s in
            let b = s.solid.bounds
            return zs.filter { $0 > b.min.z && $0 < b.max.z }.map { (n, $0) }
        }
        var sections = [[StructureSet.Contour]](repeating: [], count: tasks.count)
        let structures = site.structures
        sections.withUnsafeMutableBufferPointer { buf in
            nonisolated(unsafe) let out = buf
            DispatchQueue.concurrentPerform(iterations: tasks.count) { t in
                let (n, z) = tasks[t]
                let s = structures[n]
                out[t] = Contouring.section(of: s.solid, z: z, bounds: s.solid.bounds).map { poly in
                    StructureSet.Contour(geometricType: .closedPlanar, points: poly.map { Vec3(round2($0.0), round2($0.1), z) })
                }
            }
        }
        var contoursByStructure = [[StructureSet.Contour]](repeating: [], count: structures.count)
        for (t, task) in tasks.enumerated() { contoursByStructure[task.structure] += sections[t] }
        let rois: [StructureSet.ROI] = structures.enumerated().map { n, s in
            StructureSet.ROI(number: n + 1, name: s.name, frameOfReferenceUID: context.frameOfReferenceUID, generationAlgorithm: "AUTOMATIC",
                             color: s.color, interpretedType: s.interpretedType, contours: contoursByStructure[n])
        }
        var rs = StructureSet(sopInstanceUID: uid("rs"), label: "\(spec.site.code)_CONTOURS", frameOfReferenceUID: context.frameOfReferenceUID, rois: rois)
        rs.name = "Anchor phantom structures (TG-263 names)"

        // Plan: isocentre at the centre of the PTV as contoured, apertures around the contoured PTV.
        progress?("plan")
        let half = site.sliceSpacingMM / 2
        func slabPoints(_ name: String) -> [Vec3] {
            guard let roi = rois.first(where: { $0.name == name }) else { return [] }
            return roi.contours.flatMap { c in c.points.flatMap { p in [p, p + Vec3(0, 0, half), p - Vec3(0, 0, half)] } }
        }
        let ptvPoints = slabPoints("PTV")
        let ptvBox = ptvPoints.reduce(Bounds.empty) { $0.union(Bounds(min: $1, max: $1)) }
        var iso = Vec3(ptvBox.center.x.rounded(), ptvBox.center.y.rounded(), ptvBox.center.z.rounded())
        var targetPoints = ptvPoints
        for name in site.apertureInclude {
            let pts = slabPoints(name)
            let zr = pts.reduce(Bounds.empty) { $0.union(Bounds(min: $1, max: $1)) }
            // Whole vertebral bodies at the PTV's levels.
            if zr.max.z >= ptvBox.min.z && zr.min.z <= ptvBox.max.z { targetPoints += pts }
        }
        // ptv-underdose: the leaves close below a plane one penumbra σ under the plane that cuts off the
        // PTV's inferior `shieldedVolumeFraction` (so that part gets less than about 84% of the dose: the
        // blurred edge is at 84% one σ inside). The isocentre moves (at most half a leaf) so that a leaf
        // boundary lies on that plane.
        var closeBelowV: Double?
        if site.shieldedVolumeFraction > 0 {
            let zEdge = volumeQuantileZ(site.ptv, fraction: site.shieldedVolumeFraction) - m.penumbraSigmaMM
            let k = ((zEdge - iso.z) / m.leafWidthMM).rounded()
            iso.z = zEdge - k * m.leafWidthMM
            closeBelowV = k * m.leafWidthMM
        }
        let external = site.external
        let beams = DoseCalculation.beams(site.beams, isocenter: iso, targetPoints: targetPoints, external: external, model: m,
                                          closeBelowV: closeBelowV)

        // Dose.
        progress?("dose")
        let dg = doseGrid(site, ct: ct)
        let perBeam = DoseCalculation.perBeamDose(grid: dg, beams: beams, external: external, model: m)
        let ptv = site.ptv
        var ptvVoxels: [Int] = []
        for k in 0..<dg.frames { for j in 0..<dg.rows { for i in 0..<dg.columns where ptv.contains(dg.position(i, j, k)) {
            ptvVoxels.append(dg.index(i, j, k))
        } } }
        let weights = DoseCalculation.fittedWeights(perBeam: perBeam, targetVoxels: ptvVoxels, initial: site.beams.map(\.weight))
        var total = [Float](repeating: 0, count: dg.voxelCount)
        for (b, w) in zip(perBeam, weights) { for i in total.indices { total[i] += b[i] * Float(w) } }
        // Normalise: median PTV dose = prescription (ICRU 83 D50).
        let inPTV = ptvVoxels.map { total[$0] }.sorted()
        let median = inPTV.isEmpty ? 1 : Double(inPTV[inPTV.count / 2])
        let scale = site.prescriptionGy / max(median, 1e-12)
        let values = total.map { Float(Double($0) * scale) }
        var dose = DoseGrid(grid: dg, values: values, units: "GY", sopInstanceUID: uid("rd"), frameOfReferenceUID: context.frameOfReferenceUID)
        dose.referencedPlanUIDs = [uid("rp")]

        // Beam dose at the isocentre per fraction and monitor units: 1 cGy per MU at the depth of maximum
        // for the reference field at SAD, so MU = beam dose / (T(d_iso) · F(0, 0)).
        let ptvROI = rois.first { $0.name == "PTV" }!.number
        let planBeams: [RTWriter.PhotonPlan.Beam] = beams.enumerated().map { n, b in
            let ray = (iso - b.geometry.source).normalized
            let entry = external.entryDistance(origin: b.geometry.source, direction: ray, maxDistance: 2 * m.sourceAxisDistanceMM)
            let ssd = entry
            let depth = entry.map { m.sourceAxisDistanceMM - $0 }
            let t = depth.map { m.depthDose($0) } ?? 0
            let f = b.fluence(0, 0, m)
            let beamDose = scale * weights[n] * t * f / Double(site.fractions)
            let mu = t * f > 0 ? 100 * beamDose / (t * f) : 0
            let mlc = RTWriter.PhotonPlan.MLC(boundariesMM: b.aperture.boundaries, bankA: b.aperture.bankA, bankB: b.aperture.bankB)
            return RTWriter.PhotonPlan.Beam(
                number: n + 1, name: b.setup.name, description: "\(Int(m.energyMV)) MV, gantry \(Int(b.setup.gantry))",
                machineName: m.machineName, energyMV: m.energyMV, gantryAngle: b.setup.gantry, isocenter: iso,
                sourceAxisDistanceMM: m.sourceAxisDistanceMM, sourceToSurfaceDistanceMM: ssd.map { ($0 * 10).rounded() / 10 },
                jawX: (b.aperture.jawX.0, b.aperture.jawX.1), jawY: (b.aperture.jawY.0, b.aperture.jawY.1), mlc: mlc,
                metersetMU: (mu * 10).rounded() / 10, beamDoseGy: (beamDose * 10000).rounded() / 10000,
                doseRateMUPerMin: m.doseRateMUPerMin)
        }
        let perFraction = site.prescriptionGy / Double(site.fractions)
        let plan = RTWriter.PhotonPlan(
            sopInstanceUID: uid("rp"), label: "PH_\(spec.site.code)_\(spec.variant.code)",
            name: "\(spec.site.rawValue) \(spec.variant.rawValue)",
            planDescription: "Synthetic phantom plan (\(spec.variant.rawValue)); dose from Anchor's simple photon model, not a clinical calculation",
            intent: "CURATIVE",
            prescriptionDescription: "\(site.diagnosis): \(formatGy(site.prescriptionGy)) Gy in \(site.fractions) fractions of \(formatGy(perFraction)) Gy to the PTV (D50)",
            doseReferences: [.init(number: 1, uid: uid("dose-reference"), type: "TARGET", description: "PTV", referencedROINumber: ptvROI,
                                   targetPrescriptionDoseGy: site.prescriptionGy)],
            fractionsPlanned: site.fractions, beams: planBeams, structureSetUID: rs.sopInstanceUID)

        var files: [(name: String, file: DICOMFile)] = ctFiles.enumerated().map { (String(format: "CT.%04d.dcm", $0.offset + 1), $0.element) }
        files.append(("RS.dcm", RTWriter.structureSetFile(rs, context: context, referencedSeries: series, seriesInstanceUID: uid("rs-series"))))
        files.append(("RP.dcm", RTWriter.planFile(plan, context: context, seriesInstanceUID: uid("rp-series"))))
        files.append(("RD.dcm", RTWriter.doseFile(dose, context: context, referencedPlanUID: plan.sopInstanceUID, seriesInstanceUID: uid("rd-series"))))
        var perBeamDoses: [DoseGrid] = []
        if beamDoses {
            for (n, (b, w)) in zip(perBeam, weights).enumerated() {
                var d = DoseGrid(grid: dg, values: b.map { Float(Double($0 * Float(w)) * scale) }, units: "GY",
                                 sopInstanceUID: uid("rd-beam-\(n + 1)"), frameOfReferenceUID: context.frameOfReferenceUID)
                d.summationType = "BEAM"
                d.referencedPlanUIDs = [uid("rp")]
                d.referencedBeamNumbers = [n + 1]
                perBeamDoses.append(d)
            }
        }
        var result = PhantomCase(spec: spec, context: context, diagnosis: site.diagnosis, structures: site.structures, ctGrid: ct, hounsfield: hu,
                                 structureSet: rs, plan: plan, dose: dose, prescriptionGy: site.prescriptionGy, fractions: site.fractions,
                                 model: m, files: files)
        result.beamDoses = perBeamDoses
        return result
    }

    /// The structures of the case `spec` describes (names, types, solids), without drawing the CT,
    /// the contours or the dose.
    public static func structures(for spec: PhantomSpec) -> [PhantomStructure] {
        var rng = generator(for: spec)
        return model(spec, rng: &rng).structures
    }

    /// The anatomy depends on site, age and seed, not on the variant: the variants of one seed are one child.
    static func generator(for spec: PhantomSpec) -> SeededGenerator {
        let digest = stableDigest("\(spec.site.rawValue)/\(spec.ageYears)/\(spec.seed)")
        return SeededGenerator(seed: digest.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
    }

    static func model(_ spec: PhantomSpec, rng: inout SeededGenerator) -> SiteModel {
        switch spec.site {
        case .posteriorFossa: return PosteriorFossa.model(age: spec.ageYears, variant: spec.variant, resolution: spec.resolution, rng: &rng)
        case .abdomen: return Abdomen.model(age: spec.ageYears, variant: spec.variant, resolution: spec.resolution, rng: &rng)
        case .mediastinum: return Mediastinum.model(age: spec.ageYears, variant: spec.variant, resolution: spec.resolution, rng: &rng)
        }
    }

    /// Writes the case's files into `directory` (created if absent), each atomically. Files of an earlier
    /// phantom in the folder (CT.NNNN.dcm, RS.dcm, RP.dcm, RD.dcm) are removed first, so the folder holds
    /// one case. Returns the paths written.
    @discardableResult
    public static func write(_ c: PhantomCase, to directory: String) throws -> [String] {
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw PhantomError(.writeFailed, "cannot create \(directory): \(error.localizedDescription)", concerns: directory)
        }
        let existing = (try? fm.contentsOfDirectory(atPath: directory)) ?? []
        for name in existing where isPhantomFileName(name) {
            try? fm.removeItem(atPath: (directory as NSString).appendingPathComponent(name))
        }
        var paths: [String] = []
        for (name, file) in c.files {
            let path = (directory as NSString).appendingPathComponent(name)
            do { try DICOMWriter.write(file, to: path) } catch {
                throw PhantomError(.writeFailed, "cannot write \(path): \(error)", concerns: path)
            }
            paths.append(path)
        }
        return paths
    }

    static func isPhantomFileName(_ n: String) -> Bool {
        if ["RS.dcm", "RP.dcm", "RD.dcm"].contains(n) { return true }
        let parts = n.split(separator: ".")
        return parts.count == 3 && parts[0] == "CT" && parts[2] == "dcm" && parts[1].count == 4 && parts[1].allSatisfy(\.isNumber)
    }

    /// The z below which `fraction` of the solid's volume lies (sampled on a 1.5 mm grid).
    static func volumeQuantileZ(_ s: Solid, fraction: Double) -> Double {
        let b = s.bounds
        let step = 1.5
        var counts: [Int] = []
        var z = b.min.z + step / 2
        while z < b.max.z {
            var n = 0
            var y = b.min.y + step / 2
            while y < b.max.y {
                var x = b.min.x + step / 2
                while x < b.max.x { if s.contains(Vec3(x, y, z)) { n += 1 }; x += step }
                y += step
            }
            counts.append(n)
            z += step
        }
        let total = counts.reduce(0, +)
        var acc = 0
        for (k, c) in counts.enumerated() {
            if Double(acc + c) >= fraction * Double(total) {
                // Linear within the layer.
                let t = c > 0 ? (fraction * Double(total) - Double(acc)) / Double(c) : 0
                return b.min.z + (Double(k) + t) * step
            }
            acc += c
        }
        return b.max.z
    }

    // MARK: Grids

    static func ctGrid(_ s: SiteModel) -> Grid3D {
        let px = s.pixelSpacingMM
        let cols = Int(((s.scan.max.x - s.scan.min.x) / px).rounded(.up)) + 1
        let rows = Int(((s.scan.max.y - s.scan.min.y) / px).rounded(.up)) + 1
        let frames = Int(((s.scan.max.z - s.scan.min.z) / s.sliceSpacingMM).rounded(.down)) + 1
        let c = s.scan.center
        // Origin to 0.01 mm, so positions print exactly.
        func r(_ v: Double) -> Double { (v * 100).rounded() / 100 }
        let origin = Vec3(r(c.x - Double(cols - 1) / 2 * px), r(c.y - Double(rows - 1) / 2 * px), r(s.scan.min.z))
        return Grid3D(columns: cols, rows: rows, origin: origin, spacingI: px, spacingJ: px,
                      frameOffsets: (0..<frames).map { Double($0) * s.sliceSpacingMM })
    }

    /// The dose grid: the External's extent within the scan, at the site's dose spacing.
    static func doseGrid(_ s: SiteModel, ct: Grid3D) -> Grid3D {
        let cb = ct.bounds
        let b = s.external.bounds.intersection(Bounds(min: cb.min, max: cb.max))
        let d = s.doseSpacingMM
        func snap(_ v: Double) -> Double { (v / d).rounded(.down) * d }
        let origin = Vec3(snap(b.min.x), snap(b.min.y), ct.origin.z)
        let cols = Int(((b.max.x - origin.x) / d).rounded(.up)) + 1
        let rows = Int(((b.max.y - origin.y) / d).rounded(.up)) + 1
        let length = ct.frameOffsets.last ?? 0
        let frames = Int((length / d).rounded(.down)) + 1
        return Grid3D(columns: cols, rows: rows, origin: origin, spacingI: d, spacingJ: d, frameOffsets: (0..<frames).map { Double($0) * d })
    }

    /// Paints the tissues layer by layer, each only over its bounding box, then adds noise.
    static func paint(_ s: SiteModel, grid g: Grid3D, seed: UInt64) -> [Float] {
        var hu = [Float](repeating: Tissue.air, count: g.voxelCount)
        let px = g.spacingI
        for layer in s.layers {
            let b = layer.solid.bounds
            guard !b.isEmpty else { continue }
            let i0 = max(0, Int(((b.min.x - g.origin.x) / px).rounded(.down))), i1 = min(g.columns - 1, Int(((b.max.x - g.origin.x) / px).rounded(.up)))
            let j0 = max(0, Int(((b.min.y - g.origin.y) / px).rounded(.down))), j1 = min(g.rows - 1, Int(((b.max.y - g.origin.y) / px).rounded(.up)))
            guard i0 <= i1, j0 <= j1 else { continue }
            for k in 0..<g.frames {
                let z = g.origin.z + g.frameOffsets[k]
                guard z >= b.min.z, z <= b.max.z else { continue }
                for j in j0...j1 {
                    let y = g.origin.y + Double(j) * px
                    for i in i0...i1 where layer.solid.value(at: Vec3(g.origin.x + Double(i) * px, y, z)) < 0 {
                        hu[g.index(i, j, k)] = layer.hounsfield
                    }
                }
            }
        }
        var noise = SeededGenerator(seed: seed)
        for n in hu.indices where hu[n] > Tissue.air + 1 {
            hu[n] += Float(noise.normal()) * Tissue.noiseHU
        }
        return hu
    }
}

/// To 0.01 mm: contour points need no more, and shorter decimal strings keep the structure set small.
func round2(_ v: Double) -> Double { (v * 100).rounded() / 100 }

func formatGy(_ v: Double) -> String {
    v == v.rounded() ? String(Int(v)) : String(format: "%.4g", v)
}
