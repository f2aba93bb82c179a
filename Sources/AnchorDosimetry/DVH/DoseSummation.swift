import AnchorRT

/// Sums dose grids that together make one plan's dose (the BEAM or FRACTION doses of a plan), on a
/// common grid: the first grid when every grid has its geometry, else the first grid cropped to the
/// voxels every other grid covers, each other dose resampled there by trilinear interpolation in
/// patient coordinates (PS3.3 C.8.8.3 grid geometry).
public enum DoseSummation {
    /// The summed dose and a sentence saying how it was made. Throws `invalidGeometry` when the doses
    /// are not in one unit or one frame of reference, or when no voxel of the first grid lies inside
    /// every other grid.
    public static func sum(_ doses: [DoseGrid], sopInstanceUID: String) throws -> (dose: DoseGrid, description: String) {
        guard let first = doses.first else { throw DosimetryError(.noDose, "no dose to sum") }
        let units = Set(doses.map { $0.units.uppercased() })
        guard units.count == 1 else {
            throw DosimetryError(.invalidGeometry, "the doses to sum are in different units: \(units.sorted().joined(separator: ", "))")
        }
        let frames = Set(doses.compactMap(\.frameOfReferenceUID))
        guard frames.count <= 1 else {
            throw DosimetryError(.invalidGeometry, "the doses to sum are on different frames of reference: \(frames.sorted().joined(separator: ", "))")
        }
        for d in doses where d.values.count != d.grid.voxelCount {
            throw DosimetryError(.invalidGeometry, "dose \(d.file ?? d.sopInstanceUID) has \(d.values.count) values for \(d.grid.voxelCount) voxels")
        }
        let sameGrid = doses.allSatisfy { sameGeometry($0.grid, first.grid) }
        var target = first.grid
        var offset = (i: 0, j: 0, k: 0)
        if !sameGrid {
            // Voxels of the first grid inside every other grid; their index box must be fully covered.
            var lo = (i: Int.max, j: Int.max, k: Int.max), hi = (i: -1, j: -1, k: -1)
            let g = first.grid
            func covered(_ i: Int, _ j: Int, _ k: Int) -> Bool {
                let p = g.position(i, j, k)
                return doses.dropFirst().allSatisfy { $0.dose(at: p) != nil }
            }
            for k in 0..<g.frames { for j in 0..<g.rows { for i in 0..<g.columns where covered(i, j, k) {
                lo = (min(lo.i, i), min(lo.j, j), min(lo.k, k)); hi = (max(hi.i, i), max(hi.j, j), max(hi.k, k))
            } } }
            guard hi.i >= 0 else {
                throw DosimetryError(.invalidGeometry, "the dose grids to sum do not overlap")
            }
            for k in lo.k...hi.k { for j in lo.j...hi.j { for i in lo.i...hi.i where !covered(i, j, k) {
                throw DosimetryError(.invalidGeometry, "the dose grids to sum overlap in a region that is not a box of the first grid; resample them onto one grid first")
            } } }
            offset = (lo.i, lo.j, lo.k)
            target = Grid3D(columns: hi.i - lo.i + 1, rows: hi.j - lo.j + 1, origin: g.position(lo.i, lo.j, lo.k),
                            rowDirection: g.rowDirection, columnDirection: g.columnDirection, spacingI: g.spacingI, spacingJ: g.spacingJ,
                            frameOffsets: (lo.k...hi.k).map { g.frameOffsets[$0] - g.frameOffsets[lo.k] })
        }
        // Accumulated in Double: a sum of many Float doses loses precision otherwise.
        var total = [Double](repeating: 0, count: target.voxelCount)
        for (n, d) in doses.enumerated() {
            if sameGrid || n == 0 {
                let g = d.grid
                for k in 0..<target.frames { for j in 0..<target.rows { for i in 0..<target.columns {
                    total[target.index(i, j, k)] += Double(d.values[g.index(i + offset.i, j + offset.j, k + offset.k)])
                } } }
            } else {
                for k in 0..<target.frames { for j in 0..<target.rows { for i in 0..<target.columns {
                    total[target.index(i, j, k)] += d.dose(at: target.position(i, j, k)) ?? 0
                } } }
            }
        }
        var out = DoseGrid(grid: target, values: total.map { Float($0) }, units: first.units, sopInstanceUID: sopInstanceUID,
                           frameOfReferenceUID: first.frameOfReferenceUID)
        out.doseType = first.doseType
        out.summationType = "PLAN"
        out.referencedPlanUIDs = first.referencedPlanUIDs
        out.warnings = doses.flatMap(\.warnings)
        let names = doses.map { d in d.file.map { String($0.split(separator: "/").last ?? "") } ?? d.sopInstanceUID }
        var description = "sum of \(doses.count) \(first.summationType ?? "") doses (\(names.joined(separator: ", ")))"
        description += sameGrid ? " on their common grid" :
            ", resampled by trilinear interpolation onto the first dose's grid where all of them cover it (\(target.columns) x \(target.rows) x \(target.frames) voxels)"
        return (out, description)
    }

    /// True when two grids have the same voxel centres (within 1 µm).
    public static func sameGeometry(_ a: Grid3D, _ b: Grid3D) -> Bool {
        guard a.columns == b.columns, a.rows == b.rows, a.frames == b.frames else { return false }
        let t = 1e-3
        func near(_ x: Vec3, _ y: Vec3) -> Bool { (x - y).length < t }
        return near(a.position(0, 0, 0), b.position(0, 0, 0)) && near(a.position(a.columns - 1, a.rows - 1, a.frames - 1), b.position(b.columns - 1, b.rows - 1, b.frames - 1))
            && near(a.position(a.columns - 1, 0, 0), b.position(b.columns - 1, 0, 0)) && near(a.position(0, a.rows - 1, 0), b.position(0, b.rows - 1, 0))
            && zip(a.frameOffsets, b.frameOffsets).allSatisfy { abs($0 - $1) < t }
    }
}
