import AnchorRT

/// How far a structure's sample lattice may extend, checked before rows of samples are allocated: the
/// rows of one contour plane are (vMax − vMin) / row spacing, so a contour with a vertex a million
/// kilometres away, or a dose grid with a pixel spacing of a nanometre, would otherwise ask for
/// terabytes (or trap converting the row index to `Int`).
enum SamplingBounds {
    /// Smallest dose grid spacing accepted, mm (10 µm).
    static let minimumGridSpacingMM = 0.01
    /// Rows of one contour plane. A 600 mm body contour on a 1 mm grid sampled 16 rows per voxel has
    /// about 10,000; the rows of one plane cost 24 bytes each while it is sampled.
    static let maxRowsPerPlane = 1 << 21
    /// |coordinate| / spacing must stay well inside the integers a Double holds exactly (2^53).
    static let maxIndexMagnitude = Double(1 << 50)

    /// Samples of one structure on a frame oblique to the dose grid, where every cell of every row of
    /// every sub-plane is visited: about a minute of work in an optimised build. A structure is sampled
    /// at about 1/60 of its size (`DVHOptions.targetSamplesPerStructure`), so only a dose grid spacing far
    /// finer than the structure's size comes near this.
    static let maxObliqueSamples = Double(1 << 31)

    /// Why `geometry` cannot be sampled on `lattice`, or nil when it can.
    static func problem(_ geometry: StructureGeometry, lattice: SamplingLattice, name: String) -> DosimetryError? {
        let hu = lattice.spacingUMM, hv = lattice.spacingVMM
        guard hu > 0, hv > 0, hu.isFinite, hv.isFinite else {
            return DosimetryError(.invalidGeometry, "sample spacing \(hu) x \(hv) mm cannot be used (dose grid spacing)", structure: name)
        }
        for p in geometry.planes {
            let extremes = [abs(p.uMin - lattice.u0) / hu, abs(p.uMax - lattice.u0) / hu, abs(p.vMin - lattice.v0) / hv, abs(p.vMax - lattice.v0) / hv]
            guard extremes.allSatisfy({ $0.isFinite && $0 < maxIndexMagnitude }) else {
                return DosimetryError(.invalidGeometry, "a contour at w = \(p.w) mm reaches \(max(abs(p.uMin), abs(p.uMax), abs(p.vMin), abs(p.vMax))) mm from the grid, too far to sample at \(hv) mm", structure: name)
            }
            let rows = (p.vMax - p.vMin) / hv + 1
            guard rows <= Double(maxRowsPerPlane) else {
                return DosimetryError(.invalidGeometry, "a contour at w = \(p.w) mm spans \(p.vMax - p.vMin) mm, \(Int(rows)) sample rows at \(hv) mm; more than \(maxRowsPerPlane) rows cannot be sampled (contour coordinates or dose grid spacing out of range)", structure: name)
            }
        }
        if !geometry.frame.aligned {
            let hw = lattice.spacingWMM
            guard hw > 0, hw.isFinite else {
                return DosimetryError(.invalidGeometry, "sample spacing \(hw) mm along the normal cannot be used", structure: name)
            }
            var samples = 0.0
            for p in geometry.planes {
                let rows = (p.vMax - p.vMin) / hv + 1
                samples += (p.absoluteAreaMM2 / (hu * hv) + 2 * rows) * max(1, (p.thicknessMM / hw).rounded())
            }
            guard samples.isFinite, samples <= maxObliqueSamples else {
                return DosimetryError(.invalidGeometry, "sampling this structure on a frame oblique to the dose grid at \(hu) mm would take about \(samples) samples, more than \(Int(maxObliqueSamples)) (dose grid spacing far finer than the structure)", structure: name)
            }
        }
        return nil
    }
}
