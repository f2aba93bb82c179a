import AnchorRT
import Foundation

/// Computes DVHs of structures on one dose grid.
///
/// The algorithm: each ROI's closed planar contours are grouped by plane and given the slab each plane
/// stands for (`DVHOptions`; PS3.3 C.8.8.6). Each plane is rasterised by scanlines under the even-odd
/// rule (`RowCrossings`): rows every h, inside intervals exact along each row. Rows are cut into cells of
/// the structure's `SamplingLattice` (h about 1/60 of the structure's size, never coarser than the dose
/// grid: fine for a cochlea, one cell per voxel for a body), nested in the dose voxels; slabs are cut at
/// the dose grid's frame centres, between which trilinear dose (PS3.3 C.8.8.3 grid geometry, any
/// direction cosines) is exactly linear along the normal. Each cell's mean dose comes from its two faces,
/// and its volume is spread evenly over the largest of its dose changes along u, v and the normal, so a
/// gradient along any grid axis leaves no staircase in the DVH. Volumes fill a histogram of `binWidthGy`
/// bins; volume, mean (Σ volume·dose in `Double`), minimum and maximum (also checked at every contour
/// vertex on both faces of its slab) are exact sums. Large structures are cut into plane ranges and
/// everything is sampled in parallel. Contours on planes not parallel to the dose frames are sampled
/// point by point on sub-planes (`sampleOblique`).
public struct DVHCalculator: Sendable {
    /// The dose grid every DVH is computed on.
    public let dose: DoseGrid
    /// The parameters of the calculation.
    public let options: DVHOptions
    let sampler: GridSampler
    /// Bin width actually used: `options.binWidthGy`, widened only if the grid's maximum needs over
    /// 4 million bins.
    public let binWidthGy: Double
    let binCount: Int

    /// A calculator for one dose grid. Throws `invalidGeometry` when the grid cannot be interpolated
    /// (fewer than 2 voxels along an axis, frames at one position, values not filling it).
    public init(dose: DoseGrid, options: DVHOptions = .default) throws {
        guard options.binWidthGy > 0, options.binWidthGy.isFinite else {
            throw DosimetryError(.invalidGeometry, "bin width must be positive, not \(options.binWidthGy) Gy")
        }
        guard dose.values.count == dose.grid.voxelCount else {
            throw DosimetryError(.invalidGeometry, "the dose grid has \(dose.values.count) values for \(dose.grid.voxelCount) voxels")
        }
        // A voxel finer than 10 µm is no dose grid (the finest in radiotherapy are about 0.1 mm), and the
        // sample lattice is never coarser than the grid: such a spacing would ask for samples by the billion.
        let g = dose.grid
        let frameSpacing = g.frames > 1 ? g.spacing.k : 1
        guard g.spacingI >= SamplingBounds.minimumGridSpacingMM, g.spacingJ >= SamplingBounds.minimumGridSpacingMM,
              frameSpacing >= SamplingBounds.minimumGridSpacingMM else {
            throw DosimetryError(.invalidGeometry, "dose grid spacing \(g.spacingI) x \(g.spacingJ) x \(frameSpacing) mm is below \(SamplingBounds.minimumGridSpacingMM) mm")
        }
        // A non-finite dose (a Dose Grid Scaling of 1e300 overflows Float) would make the bin count NaN.
        if let bad = dose.values.firstIndex(where: { !$0.isFinite }) {
            throw DosimetryError(.invalidGeometry, "the dose grid holds a non-finite value at voxel \(bad) (Dose Grid Scaling or stored values out of range)")
        }
        self.dose = dose
        self.options = options
        sampler = try GridSampler(grid: dose.grid, extent: options.gridExtent)
        let maxValue = max(Double(dose.values.max() ?? 0), 0)
        let limit = 4_000_000
        binWidthGy = maxValue / options.binWidthGy > Double(limit - 2) ? maxValue / Double(limit - 2) : options.binWidthGy
        binCount = Int((maxValue / binWidthGy).rounded(.down)) + 2
    }

    /// The DVH of one ROI. Throws `DosimetryError` when it has no closed contours, encloses no volume
    /// or lies wholly outside the dose grid.
    public func compute(_ roi: StructureSet.ROI) throws -> StructureDose {
        let r = compute([roi])
        if let s = r.structures.first { return s }
        throw r.skipped[0].error
    }

    /// DVHs of several ROIs, in parallel; ROIs without one are returned as skipped, with the reason.
    public func compute(_ rois: [StructureSet.ROI]) -> (structures: [StructureDose], skipped: [SkippedStructure]) {
        compute(rois, prebuilt: [:])
    }

    /// As `compute(_:)`, the geometry of ROI n taken from `prebuilt[n]` when given (derived structures).
    func compute(_ rois: [StructureSet.ROI], prebuilt: [Int: Result<StructureGeometry, DosimetryError>]) -> (structures: [StructureDose], skipped: [SkippedStructure]) {
        if options.doseSampling == .voxelCentre { return computeAtVoxelCentres(rois) }
        // Geometry of every ROI (contour projection and grouping), in parallel.
        var geometries = [Result<StructureGeometry, DosimetryError>?](repeating: nil, count: rois.count)
        let grid = dose.grid
        let opts = options
        geometries.withUnsafeMutableBufferPointer { buf in
            nonisolated(unsafe) let out = buf
            let work: @Sendable (Int) -> Void = { n in
                if let g = prebuilt[n] { out[n] = g; return }
                do { out[n] = .success(try StructureGeometry(roi: rois[n], grid: grid, options: opts)) }
                catch let e as DosimetryError { out[n] = .failure(e) }
                catch { out[n] = .failure(DosimetryError(.invalidGeometry, "\(error)", structure: rois[n].name)) }
            }
            if options.parallel { DispatchQueue.concurrentPerform(iterations: rois.count, execute: work) }
            else { for n in rois.indices { work(n) } }
        }
        // Lattices and work items: each ROI's planes cut into ranges of similar cost.
        var lattices: [SamplingLattice?] = Array(repeating: nil, count: rois.count)
        var costs: [[Double]] = Array(repeating: [], count: rois.count)
        var total = 0.0
        for (n, g) in geometries.enumerated() {
            guard case .success(let geo)? = g else { continue }
            let l = SamplingLattice.choose(for: geo, grid: grid, options: options)
            if let problem = SamplingBounds.problem(geo, lattice: l, name: rois[n].name) {
                geometries[n] = .failure(problem)
                continue
            }
            lattices[n] = l
            // Work of a plane: its cells times the pieces its slab is cut into (`sampleAligned`), for balance.
            let sK = max(grid.spacing.k, 1e-3)
            costs[n] = geo.planes.map { p in
                let rows = (p.vMax - p.vMin) / l.spacingVMM + 1
                let cells = p.absoluteAreaMM2 / (l.spacingUMM * l.spacingVMM) + 2 * rows
                let pieces = geo.frame.aligned ? (l.spacingWMM < sK ? p.thicknessMM / sK + 1 : 1) : (p.thicknessMM / l.spacingWMM).rounded(.up)
                return cells * pieces + Double(p.u.count) + 50
            }
            total += costs[n].reduce(0, +)
        }
        let workers = options.parallel ? max(ProcessInfo.processInfo.activeProcessorCount, 1) : 1
        let chunkCost = max(total / Double(workers * 4), 1)
        var items: [(roi: Int, planes: Range<Int>, cost: Double)] = []
        for n in rois.indices where lattices[n] != nil {
            var start = 0, acc = 0.0
            for (p, c) in costs[n].enumerated() {
                acc += c
                if acc >= chunkCost || p == costs[n].count - 1 {
                    items.append((n, start..<(p + 1), acc))
                    start = p + 1; acc = 0
                }
            }
        }
        items.sort { $0.cost > $1.cost }  // largest first, for balance
        var results = [SampleAccumulator?](repeating: nil, count: items.count)
        let (bins, width, g) = (binCount, binWidthGy, sampler)
        let geos: [StructureGeometry?] = geometries.map { if case .success(let s)? = $0 { return s } else { return nil } }
        let lats = lattices
        let workItems = items
        let binRanges: [(first: Int, count: Int)] = dose.values.withUnsafeBufferPointer { values in
            geos.map { $0.map { g.binRange($0, values: values, binWidth: width, binCount: bins) } ?? (0, 1) }
        }
        dose.values.withUnsafeBufferPointer { values in
            results.withUnsafeMutableBufferPointer { buf in
                nonisolated(unsafe) let out = buf
                nonisolated(unsafe) let vals = values
                let work: @Sendable (Int) -> Void = { m in
                    let it = workItems[m]
                    let range = binRanges[it.roi]
                    var acc = SampleAccumulator(firstBin: range.first, binCount: range.count, binWidth: width)
                    StructureSampler.sample(geos[it.roi]!, planes: it.planes, lattice: lats[it.roi]!, sampler: g, values: vals, into: &acc, mask: nil)
                    out[m] = acc
                }
                if options.parallel { DispatchQueue.concurrentPerform(iterations: workItems.count, execute: work) }
                else { for m in items.indices { work(m) } }
            }
        }
        var merged = [SampleAccumulator?](repeating: nil, count: rois.count)
        for (m, it) in items.enumerated() {
            guard let r = results[m] else { continue }
            if merged[it.roi] == nil { merged[it.roi] = r } else { merged[it.roi]!.merge(r) }
        }
        var structures: [StructureDose] = []
        var skipped: [SkippedStructure] = []
        for (n, roi) in rois.enumerated() {
            switch geometries[n] {
            case .failure(let e)?:
                skipped.append(SkippedStructure(roiNumber: roi.number, name: roi.name, error: e))
                continue
            case nil:
                continue
            case .success(let geo)?:
                let acc = merged[n] ?? SampleAccumulator(binCount: 1, binWidth: width)
                let total = acc.coveredMM3 + acc.uncoveredMM3
                guard total > 0 else {
                    skipped.append(SkippedStructure(roiNumber: roi.number, name: roi.name,
                                                    error: DosimetryError(.emptyVolume, "the contours enclose no volume on the sample lattice", structure: roi.name)))
                    continue
                }
                guard acc.coveredMM3 > 0 else {
                    skipped.append(SkippedStructure(roiNumber: roi.number, name: roi.name, error: DosimetryError(
                        .outsideDoseGrid, String(format: "the structure (%.4g cc) lies wholly outside the dose grid", total / 1000), structure: roi.name)))
                    continue
                }
                let dvh = DVH(binWidthGy: acc.binWidth, differentialCC: acc.differentialCC,
                              minGy: acc.minDose, maxGy: acc.maxDose, meanGy: acc.doseVolume / acc.coveredMM3)
                var warnings = geo.warnings
                let fraction = acc.coveredMM3 / total
                if fraction < 1 - 1e-6 {
                    warnings.append(String(format: "only %.2f%% of the structure (%.4g of %.4g cc) is inside the dose grid: the DVH and its metrics describe that part",
                                           100 * fraction, acc.coveredMM3 / 1000, total / 1000))
                }
                let l = lats[n]!
                structures.append(StructureDose(
                    roiNumber: roi.number, name: roi.name, interpretedType: roi.interpretedType,
                    volumeCC: total / 1000, coveredVolumeCC: acc.coveredMM3 / 1000, coveredFraction: fraction, dvh: dvh,
                    sampling: SamplingSummary(lattice: l, alignedWithDoseGrid: geo.frame.aligned, contourPlanes: geo.planes.count,
                                              nominalSpacingMM: geo.nominalSpacingMM, spacingSource: geo.spacingSource, sampleCount: acc.sampleCount),
                    warnings: warnings))
            }
        }
        return (structures, skipped)
    }

    /// DVHs of some of a structure set's ROIs, ROIs drawn on one plane taking the structure set's median
    /// contour spacing as their slab thickness (as `compute(structureSet:names:)` does).
    public func compute(_ rois: [StructureSet.ROI], in rs: StructureSet) -> (structures: [StructureDose], skipped: [SkippedStructure]) {
        withStructureSetSpacing(rs).compute(rois)
    }

    /// DVHs of ROIs and of structures derived from them: each derived structure is (name, expression,
    /// the ROIs its operand indices stand for), computed on the sampling lattice (`StructureExpression`).
    /// Derived structures come after the ROIs in the result, with ROI number 0 and no interpreted type.
    /// Voxel-centre sampling does not take derived structures (they are skipped, with why).
    public func compute(_ rois: [StructureSet.ROI], derived: [(name: String, expression: StructureExpression, operands: [StructureSet.ROI])],
                        in rs: StructureSet) -> (structures: [StructureDose], skipped: [SkippedStructure]) {
        let calc = withStructureSetSpacing(rs)
        var all = rois
        var prebuilt: [Int: Result<StructureGeometry, DosimetryError>] = [:]
        var skipped: [SkippedStructure] = []
        for d in derived {
            if options.doseSampling == .voxelCentre {
                skipped.append(SkippedStructure(roiNumber: nil, name: d.name, error: DosimetryError(.invalidGeometry, "derived structures are sampled on the lattice only, not at voxel centres", structure: d.name)))
                continue
            }
            let n = all.count
            all.append(StructureSet.ROI(number: 0, name: d.name, contours: []))
            do {
                let geos = try d.operands.map { try StructureGeometry(roi: $0, grid: dose.grid, options: calc.options) }
                prebuilt[n] = .success(try StructureGeometry(derived: d.name, expression: d.expression, operands: geos, options: calc.options))
            } catch let e as DosimetryError {
                prebuilt[n] = .failure(DosimetryError(e.code, e.message, structure: d.name))
            } catch {
                prebuilt[n] = .failure(DosimetryError(.invalidGeometry, "\(error)", structure: d.name))
            }
        }
        let r = calc.compute(all, prebuilt: prebuilt)
        return (r.structures, r.skipped + skipped)
    }

    /// This calculator with `singlePlaneSpacingMM` set from the structure set, unless already given.
    func withStructureSetSpacing(_ rs: StructureSet) -> DVHCalculator {
        guard options.singlePlaneSpacingMM == nil && options.contourSpacingMM == nil,
              let s = medianContourSpacingMM(rs, tolerance: options.planeToleranceMM) else { return self }
        var o = options
        o.singlePlaneSpacingMM = s
        return DVHCalculator(self, options: o)
    }

    /// DVHs of a structure set's ROIs (all, or those named, matched exactly and then ignoring case).
    /// A name that matches no ROI is reported as skipped with `structureNotFound`. ROIs drawn on one
    /// plane take the structure set's median contour spacing as their slab thickness.
    public func compute(structureSet rs: StructureSet, names: [String]? = nil) -> DVHReport {
        let calc = withStructureSetSpacing(rs)
        var rois: [StructureSet.ROI] = []
        var missing: [SkippedStructure] = []
        if let names {
            for name in names {
                if let r = rs.rois.first(where: { $0.name == name }) ?? rs.rois.first(where: { $0.name.lowercased() == name.lowercased() }) {
                    if !rois.contains(where: { $0.number == r.number }) { rois.append(r) }
                } else {
                    missing.append(SkippedStructure(roiNumber: nil, name: name, error: DosimetryError(
                        .structureNotFound, "no ROI of that name in the structure set (it has: \(rs.rois.map(\.name).joined(separator: ", ")))", structure: name)))
                }
            }
        } else {
            rois = rs.rois
        }
        let r = calc.compute(rois)
        return DVHReport(structures: r.structures, skipped: r.skipped + missing, options: calc.options, doseUnits: dose.units)
    }

    init(_ other: DVHCalculator, options: DVHOptions) {
        dose = other.dose
        self.options = options
        sampler = other.sampler
        binWidthGy = other.binWidthGy
        binCount = other.binCount
    }

    /// Fractional occupancy of the dose voxels by an ROI (see `StructureMask`).
    public func mask(for roi: StructureSet.ROI) throws -> StructureMask {
        let geo = try StructureGeometry(roi: roi, grid: dose.grid, options: options)
        let lattice = SamplingLattice.choose(for: geo, grid: dose.grid, options: options)
        if let problem = SamplingBounds.problem(geo, lattice: lattice, name: roi.name) { throw problem }
        let grid = dose.grid
        var dense = [Double](repeating: 0, count: grid.voxelCount)
        var acc = SampleAccumulator(binCount: 1, binWidth: binWidthGy)
        dose.values.withUnsafeBufferPointer { values in
            let range = sampler.binRange(geo, values: values, binWidth: binWidthGy, binCount: binCount)
            acc = SampleAccumulator(firstBin: range.first, binCount: range.count, binWidth: binWidthGy)
            dense.withUnsafeMutableBufferPointer { d in
                StructureSampler.sample(geo, planes: 0..<geo.planes.count, lattice: lattice, sampler: sampler, values: values, into: &acc, mask: d.baseAddress!)
            }
        }
        let thickness = StructureMask.frameThicknesses(grid)
        let plane = grid.columns * grid.rows
        var indices: [Int] = [], occupancy: [Double] = []
        var volume = 0.0
        for (n, v) in dense.enumerated() where v > 0 {
            let voxel = grid.spacingI * grid.spacingJ * thickness[n / plane]
            indices.append(n)
            occupancy.append(min(v / voxel, 1))
            volume += v
        }
        return StructureMask(grid: grid, voxelIndices: indices, occupancy: occupancy, volumeCC: volume / 1000)
    }

    /// PIV and PIV_half for conformity and gradient indices.
    public func prescriptionContext(prescriptionGy: Double) -> PrescriptionContext {
        let v = isodoseVolumesCC(atLeastGy: [prescriptionGy, prescriptionGy / 2])
        return PrescriptionContext(prescriptionGy: prescriptionGy, prescriptionIsodoseVolumeCC: v[0], halfPrescriptionIsodoseVolumeCC: v[1])
    }

    /// Volume of the whole dose grid receiving at least `doseGy` under trilinear interpolation, cc.
    public func isodoseVolumeCC(atLeastGy level: Double, subdivisions: Int = 8) -> Double {
        isodoseVolumesCC(atLeastGy: [level], subdivisions: subdivisions)[0]
    }

    /// Volumes of the whole dose grid receiving at least each level, cc, in one pass over the grid.
    ///
    /// Counted over the cells between voxel centres (the grid's interpolation domain): a cell whose
    /// eight corners are all at or above the level is wholly inside (trilinear interpolation stays
    /// between its corners' extremes), one with all corners below is outside, and in a cell the isodose
    /// crosses, `subdivisions`² lines along i are each cut exactly where the (linear) dose meets the level.
    public func isodoseVolumesCC(atLeastGy levels: [Double], subdivisions: Int = 8) -> [Double] {
        let grid = dose.grid
        let nx = grid.columns, ny = grid.rows, nz = grid.frames
        let plane = nx * ny
        let n = max(subdivisions, 1)
        let cellArea = grid.spacingI * grid.spacingJ
        let levelCount = levels.count
        let fLevels = levels
        var perSlab = [Double](repeating: 0, count: (nz - 1) * levelCount)
        dose.values.withUnsafeBufferPointer { vb in
            perSlab.withUnsafeMutableBufferPointer { out in
                nonisolated(unsafe) let v = vb.baseAddress!
                nonisolated(unsafe) let o = out
                let work: @Sendable (Int) -> Void = { k in
                    let cell = cellArea * abs(grid.frameOffsets[k + 1] - grid.frameOffsets[k])
                    var full = [Int](repeating: 0, count: levelCount)
                    var partial = [Double](repeating: 0, count: levelCount)
                    for j in 0..<(ny - 1) {
                        let r0 = v + nx * j + plane * k, r1 = r0 + nx, r2 = r0 + plane, r3 = r2 + nx
                        for i in 0..<(nx - 1) {
                            let lo = min(min(min(r0[i], r0[i + 1]), min(r1[i], r1[i + 1])), min(min(r2[i], r2[i + 1]), min(r3[i], r3[i + 1])))
                            let hi = max(max(max(r0[i], r0[i + 1]), max(r1[i], r1[i + 1])), max(max(r2[i], r2[i + 1]), max(r3[i], r3[i + 1])))
                            for (m, level) in fLevels.enumerated() {
                                if Double(lo) >= level { full[m] += 1; continue }
                                if Double(hi) < level { continue }
                                let c = (Double(r0[i]), Double(r0[i + 1]), Double(r1[i]), Double(r1[i + 1]),
                                         Double(r2[i]), Double(r2[i + 1]), Double(r3[i]), Double(r3[i + 1]))
                                // n x n lines along i; on each the dose is linear, so the part at or
                                // above the level is exact.
                                var inside = 0.0
                                for a in 0..<n {
                                    let tk = (Double(a) + 0.5) / Double(n)
                                    for b in 0..<n {
                                        let tj = (Double(b) + 0.5) / Double(n)
                                        let e0 = (c.0 + tj * (c.2 - c.0)) * (1 - tk) + (c.4 + tj * (c.6 - c.4)) * tk
                                        let e1 = (c.1 + tj * (c.3 - c.1)) * (1 - tk) + (c.5 + tj * (c.7 - c.5)) * tk
                                        if e1 == e0 { inside += e0 >= level ? 1 : 0; continue }
                                        let t = min(max((level - e0) / (e1 - e0), 0), 1)
                                        inside += e1 > e0 ? 1 - t : t
                                    }
                                }
                                partial[m] += inside / Double(n * n)
                            }
                        }
                    }
                    for m in 0..<levelCount { o[k * levelCount + m] = cell * (Double(full[m]) + partial[m]) }
                }
                if options.parallel { DispatchQueue.concurrentPerform(iterations: nz - 1, execute: work) }
                else { for k in 0..<(nz - 1) { work(k) } }
            }
        }
        return (0..<levelCount).map { m in stride(from: m, to: perSlab.count, by: levelCount).reduce(0.0) { $0 + perSlab[$1] } / 1000 }
    }
}
