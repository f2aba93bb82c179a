import AnchorRT
import Foundation

extension DVHCalculator {
    /// DVHs sampled at the dose grid's voxel centres (`DVHOptions.DoseSampling.voxelCentre`): on each
    /// contour plane, the centres (i, j) inside its polygons by the even-odd rule (scanline crossings at
    /// each row's centre), dose interpolated linearly between the two frames around the plane, each
    /// centre standing for spacingI × spacingJ × the plane's slab thickness. Centres beyond the grid's
    /// columns, rows or frames count as uncovered volume. Needs contour planes parallel to the dose
    /// frames.
    func computeAtVoxelCentres(_ rois: [StructureSet.ROI]) -> (structures: [StructureDose], skipped: [SkippedStructure]) {
        var structures: [StructureDose] = []
        var skipped: [SkippedStructure] = []
        let g = dose.grid
        let (si, sj) = (g.spacingI, g.spacingJ)
        for roi in rois {
            let geo: StructureGeometry
            do { geo = try StructureGeometry(roi: roi, grid: g, options: options) } catch let e as DosimetryError {
                skipped.append(SkippedStructure(roiNumber: roi.number, name: roi.name, error: e)); continue
            } catch {
                skipped.append(SkippedStructure(roiNumber: roi.number, name: roi.name, error: DosimetryError(.invalidGeometry, "\(error)", structure: roi.name))); continue
            }
            guard geo.frame.aligned else {
                skipped.append(SkippedStructure(roiNumber: roi.number, name: roi.name, error: DosimetryError(
                    .invalidGeometry, "voxel-centre sampling needs contour planes parallel to the dose grid's frames", structure: roi.name)))
                continue
            }
            var samples: [(dose: Double, volume: Double)] = []
            var uncovered = 0.0
            var count = 0
            for plane in geo.planes {
                let pixel = si * sj * plane.thicknessMM
                let fk = g.frameIndex(atOffset: plane.w)
                let kInside = fk.isFinite && fk >= -1e-6 && fk <= Double(g.frames - 1) + 1e-6
                let k0 = kInside ? min(max(Int(fk.rounded(.down)), 0), max(g.frames - 2, 0)) : 0
                let k1 = min(k0 + 1, g.frames - 1)
                let tk = kInside ? min(max(fk - Double(k0), 0), 1) : 0
                let jLo = Int((plane.vMin / sj).rounded(.up)), jHi = Int((plane.vMax / sj).rounded(.down))
                guard jLo <= jHi else { continue }
                for j in jLo...jHi {
                    let y = Double(j) * sj
                    var crossings: [Double] = []
                    for p in 0..<plane.polygonCount {
                        let s = plane.polygonStarts[p], e = plane.polygonStarts[p + 1]
                        var b = e - 1
                        for a in s..<e {
                            // Half-open rule: an edge counts when it straddles y with one end strictly above.
                            if (plane.v[a] > y) != (plane.v[b] > y) {
                                crossings.append(plane.u[a] + (y - plane.v[a]) * (plane.u[b] - plane.u[a]) / (plane.v[b] - plane.v[a]))
                            }
                            b = a
                        }
                    }
                    crossings.sort()
                    var c = 0
                    while c + 1 < crossings.count {
                        let iLo = Int((crossings[c] / si).rounded(.up)), iHi = Int((crossings[c + 1] / si).rounded(.up)) - 1
                        c += 2
                        guard iLo <= iHi else { continue }
                        for i in iLo...iHi {
                            count += 1
                            guard kInside, i >= 0, i < g.columns, j >= 0, j < g.rows else { uncovered += pixel; continue }
                            let d0 = Double(dose.values[g.index(i, j, k0)]), d1 = Double(dose.values[g.index(i, j, k1)])
                            samples.append((d0 + tk * (d1 - d0), pixel))
                        }
                    }
                }
            }
            let covered = samples.reduce(0.0) { $0 + $1.volume }
            guard covered + uncovered > 0 else {
                skipped.append(SkippedStructure(roiNumber: roi.number, name: roi.name, error: DosimetryError(
                    .emptyVolume, "no dose-grid voxel centre lies inside the contours", structure: roi.name)))
                continue
            }
            guard covered > 0 else {
                skipped.append(SkippedStructure(roiNumber: roi.number, name: roi.name, error: DosimetryError(
                    .outsideDoseGrid, "the structure's voxel centres lie wholly outside the dose grid", structure: roi.name)))
                continue
            }
            var diff = [Double](repeating: 0, count: binCount)
            var lo = Double.infinity, hi = -Double.infinity, dv = 0.0
            for s in samples {
                let b = min(max(Int((max(s.dose, 0) / binWidthGy).rounded(.down)), 0), binCount - 1)
                diff[b] += s.volume / 1000
                lo = min(lo, s.dose); hi = max(hi, s.dose); dv += s.dose * s.volume
            }
            let dvh = DVH(binWidthGy: binWidthGy, differentialCC: diff, minGy: lo, maxGy: hi, meanGy: dv / covered)
            let total = covered + uncovered
            var warnings = geo.warnings
            if uncovered > 0 {
                warnings.append(String(format: "only %.2f%% of the structure (%.4g of %.4g cc) is inside the dose grid: the DVH and its metrics describe that part",
                                       100 * covered / total, covered / 1000, total / 1000))
            }
            let lattice = SamplingLattice(spacingUMM: si, spacingVMM: sj, spacingWMM: geo.nominalSpacingMM, subdivisionsI: 1, subdivisionsJ: 1, u0: 0, v0: 0)
            structures.append(StructureDose(
                roiNumber: roi.number, name: roi.name, interpretedType: roi.interpretedType, volumeCC: total / 1000,
                coveredVolumeCC: covered / 1000, coveredFraction: covered / total, dvh: dvh,
                sampling: SamplingSummary(lattice: lattice, alignedWithDoseGrid: true, contourPlanes: geo.planes.count,
                                          nominalSpacingMM: geo.nominalSpacingMM, spacingSource: geo.spacingSource, sampleCount: count),
                warnings: warnings))
        }
        return (structures, skipped)
    }
}
