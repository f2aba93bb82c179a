import AnchorRT
import Foundation

/// The sample lattice of one structure.
///
/// In the plane, the structure is cut into rows every `spacingVMM` (split where a contour edge runs
/// along the row or a contour starts or ends, see `RowCrossings`); along a row the inside intervals are
/// exact and are cut into cells of `spacingUMM`, each weighted by the length it really covers. Along the
/// normal, each contour's slab is cut at the dose grid's frame centres (and, for the fractional mask, its
/// voxel faces), inside which trilinear dose is exactly linear along the normal. When the frame is
/// aligned with the dose grid, cells and rows nest exactly inside the dose voxels (`subdivisionsI` x
/// `subdivisionsJ` per voxel), so every sample belongs to one voxel: the fractional occupancy of
/// `StructureMask`.
public struct SamplingLattice: Sendable, Equatable {
    /// Cell length along u, mm.
    public var spacingUMM: Double
    /// Row spacing along v, mm.
    public var spacingVMM: Double
    /// Lattice spacing along the normal, mm: for aligned frames, slabs are cut at every frame centre
    /// when this is finer than the frame spacing (else once per slab, for structures so large they are
    /// sampled at about one cell per voxel); for oblique frames, the thickness of the sub-planes a slab
    /// is cut into, each sampled at its middle.
    public var spacingWMM: Double
    /// Cells per dose voxel along i and rows per voxel along j (aligned frames; 1 otherwise).
    public var subdivisionsI: Int
    /// Rows per dose voxel along j.
    public var subdivisionsJ: Int
    /// Lattice phase: cell c spans u in [u0 + c·hu, u0 + (c + 1)·hu], band r spans v in
    /// [v0 + r·hv, v0 + (r + 1)·hv] (the dose voxels' faces when aligned).
    public var u0: Double
    /// See `u0`.
    public var v0: Double

    /// The lattice for a structure: spacing h = max(`minimumSampleSpacingMM`, ∛(volume / target)), no
    /// coarser than the dose grid, rounded to a whole number of cells per voxel. h is the same fraction
    /// (about 1/60 at the default target) of every structure's size, so a 0.1 cc cochlea is sampled every
    /// 0.1 mm and a 10 litre body at about one cell per voxel.
    public static func choose(for geometry: StructureGeometry, grid: Grid3D, options: DVHOptions) -> SamplingLattice {
        let volume = max(geometry.absoluteVolumeMM3, 1e-9)
        let target = Double(max(options.targetSamplesPerStructure, 1))
        let h = max(options.minimumSampleSpacingMM, cbrt(volume / target))
        let maxSub = max(options.maximumSubdivisionsPerVoxel, 1)
        let sK = grid.spacing.k > 0 ? grid.spacing.k : min(grid.spacingI, grid.spacingJ)
        if geometry.frame.aligned {
            // Nearest whole number of cells per voxel (not the next one up: that doubled the samples of
            // some structures for no measurable gain).
            let nI = min(max(Int((grid.spacingI / h).rounded()), 1), maxSub)
            let nJ = min(max(Int((grid.spacingJ / h).rounded()), 1), maxSub)
            return SamplingLattice(spacingUMM: grid.spacingI / Double(nI), spacingVMM: grid.spacingJ / Double(nJ),
                                   spacingWMM: max(min(h, sK), sK / Double(maxSub)),
                                   subdivisionsI: nI, subdivisionsJ: nJ, u0: -0.5 * grid.spacingI, v0: -0.5 * grid.spacingJ)
        }
        let finest = min(grid.spacingI, grid.spacingJ, sK)
        let s = max(min(h, finest), finest / Double(maxSub))
        return SamplingLattice(spacingUMM: s, spacingVMM: s, spacingWMM: s, subdivisionsI: 1, subdivisionsJ: 1, u0: 0, v0: 0)
    }
}
