import AnchorDICOM
import AnchorRT
import Foundation

/// Small synthetic cases written through Anchor's own writer, for tests that need real files.
public enum SyntheticCase {
    /// A CT grid: `columns` x `rows` x `slices`, HU = 10·k + i (so every slice and column is distinct).
    public static func ctGrid(columns: Int = 16, rows: Int = 12, slices: Int = 8, spacing: Double = 2, sliceSpacing: Double = 3,
                              origin: Vec3 = Vec3(-16, -12, -10), rowDirection: Vec3 = Vec3(1, 0, 0),
                              columnDirection: Vec3 = Vec3(0, 1, 0)) -> (Grid3D, [Float]) {
        let grid = Grid3D(columns: columns, rows: rows, origin: origin, rowDirection: rowDirection, columnDirection: columnDirection,
                          spacingI: spacing, spacingJ: spacing, frameOffsets: (0..<slices).map { Double($0) * sliceSpacing })
        var hu = [Float](repeating: 0, count: grid.voxelCount)
        for k in 0..<slices { for j in 0..<rows { for i in 0..<columns { hu[grid.index(i, j, k)] = Float(10 * k + i - 1000) } } }
        return (grid, hu)
    }

    /// Writes files to a new temporary folder, file names shuffled relative to slice order; returns the folder.
    @discardableResult
    public static func write(_ files: [DICOMFile], to dir: String = Fixtures.temporaryDirectory("anchor-case")) throws -> String {
        for (n, f) in files.enumerated().shuffled() {
            try DICOMWriter.write(f, to: dir + "/obj\(String(format: "%04d", (n * 7919) % 10007)).dcm")
        }
        return dir
    }
}
