import AnchorRT

/// Fractional voxelisation of a structure on the dose grid: for each dose voxel the structure touches,
/// the fraction of the voxel's volume inside the structure (geometry convention of `DVHOptions`,
/// supersampled with the structure's `SamplingLattice`). When the contour planes are parallel to the
/// dose frames the sub-samples nest exactly inside the voxels; otherwise each sample is given to the
/// voxel nearest to it.
public struct StructureMask: Sendable {
    /// The dose grid's geometry.
    public var grid: Grid3D
    /// Linear voxel indices (i + columns·(j + rows·k)), ascending.
    public var voxelIndices: [Int]
    /// Fraction of each voxel inside the structure, 0...1 (parallel to `voxelIndices`).
    public var occupancy: [Double]
    /// Volume inside the dose grid's extent, cc (the sum of occupancy × voxel volume).
    public var volumeCC: Double

    /// Occupancy of voxel (i, j, k), 0 when the structure does not touch it.
    public func occupancy(_ i: Int, _ j: Int, _ k: Int) -> Double {
        let idx = grid.index(i, j, k)
        var lo = 0, hi = voxelIndices.count
        while lo < hi { let m = (lo + hi) / 2; if voxelIndices[m] < idx { lo = m + 1 } else { hi = m } }
        return lo < voxelIndices.count && voxelIndices[lo] == idx ? occupancy[lo] : 0
    }

    /// Volume of each frame's voxels along the normal, mm (half-way to each neighbouring frame).
    static func frameThicknesses(_ grid: Grid3D) -> [Double] {
        let o = grid.frameOffsets
        return o.indices.map { k in
            let below = k > 0 ? abs(o[k] - o[k - 1]) : abs(o[1] - o[0])
            let above = k < o.count - 1 ? abs(o[k + 1] - o[k]) : below
            return (below + above) / 2
        }
    }
}
