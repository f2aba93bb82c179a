@testable import AnchorDosimetry
import AnchorRT
import Foundation
import Testing

/// Gamma against exact answers (Low et al. 1998; Low and Dempsey 2003).
struct GammaTests {
    /// A dose grid sampled from `f(x, y, z)` (mm → Gy).
    static func grid(_ nx: Int, _ ny: Int, _ nz: Int, spacing: Double = 2.5, sliceSpacing: Double? = nil, origin: Vec3 = .zero,
                     rowDirection: Vec3 = Vec3(1, 0, 0), columnDirection: Vec3 = Vec3(0, 1, 0),
                     _ f: (Vec3) -> Double) -> DoseGrid {
        let g = Grid3D(columns: nx, rows: ny, origin: origin, rowDirection: rowDirection, columnDirection: columnDirection,
                       spacingI: spacing, spacingJ: spacing, frameOffsets: (0..<nz).map { Double($0) * (sliceSpacing ?? spacing) })
        var v = [Float](repeating: 0, count: g.voxelCount)
        for k in 0..<nz { for j in 0..<ny { for i in 0..<nx { v[g.index(i, j, k)] = Float(f(g.position(i, j, k))) } } }
        return DoseGrid(grid: g, values: v, sopInstanceUID: UIDFactory.make())
    }

    static func gamma(_ r: GammaResult, _ i: Int, _ j: Int, _ k: Int) -> Double { Double(r.gamma[r.grid.index(i, j, k)]) }

    @Test func identicalDosesGiveZeroGammaAndFullPass() throws {
        let d = Self.grid(12, 10, 8) { p in 1 + 0.05 * p.x + 0.02 * p.y * p.y / 10 }
        let r = try GammaCalculator().compare(reference: d, evaluated: d)
        #expect(r.pointsEvaluated == r.pointsAboveCutoff && r.pointsEvaluated > 0)
        #expect(r.passRatePercent == 100)
        #expect((r.maximumGammaFound ?? 1) < 1e-5)
        #expect(r.failingPoints.isEmpty)
    }

    @Test func uniformScaleOnAFlatDoseGivesTheDoseDifferenceOverTheCriterion() throws {
        // Flat 2 Gy everywhere, evaluated 1.5% higher: gamma = 0.015 / 0.03 = 0.5 at every point,
        // under global and local normalisation alike (the reference maximum is the local dose).
        let ref = Self.grid(10, 9, 8) { _ in 2 }
        let ev = Self.grid(10, 9, 8) { _ in 2 * 1.015 }
        for n in [GammaCriteria.Normalisation.global, .local] {
            let r = try GammaCalculator(criteria: GammaCriteria(normalisation: n)).compare(reference: ref, evaluated: ev)
            #expect(r.pointsEvaluated == 720)
            #expect(r.gamma.allSatisfy { abs($0 - 0.5) < 1e-5 }, "\(n)")
            #expect(abs((r.meanGamma ?? 0) - 0.5) < 1e-5)
            #expect(r.passRatePercent == 100)
        }
        // 4.5% higher: gamma 1.5 everywhere, every point fails.
        let far = Self.grid(10, 9, 8) { _ in 2 * 1.045 }
        let r = try GammaCalculator().compare(reference: ref, evaluated: far)
        #expect(r.gamma.allSatisfy { abs($0 - 1.5) < 1e-5 })
        #expect(r.passRatePercent == 0 && r.failingPoints.count == 720)
    }

    @Test func uniformScaleOnPlateausFollowsGlobalAndLocalNormalisation() throws {
        // Two flat plateaus, 2 Gy for x < 0 and 1 Gy for x >= 10 mm (a linear step between), scaled by
        // 1.02: away from the step, global gamma = 0.02·D / (0.03·2 Gy), local gamma = 0.02 / 0.03.
        func plateaus(_ p: Vec3) -> Double { p.x < 0 ? 2 : (p.x >= 10 ? 1 : 2 - p.x / 10) }
        let ref = Self.grid(20, 6, 6, origin: Vec3(-25, 0, 0), plateaus)
        let ev = Self.grid(20, 6, 6, origin: Vec3(-25, 0, 0)) { 1.02 * plateaus($0) }
        let global = try GammaCalculator().compare(reference: ref, evaluated: ev)
        let local = try GammaCalculator(criteria: GammaCriteria(normalisation: .local)).compare(reference: ref, evaluated: ev)
        for j in 0..<6 { for k in 0..<6 {
            for i in 0...6 { // x = -25 ... -10 mm: 2 Gy, more than gamma × DTA from the step
                #expect(abs(Self.gamma(global, i, j, k) - 0.02 * 2 / 0.06) < 1e-5)
                #expect(abs(Self.gamma(local, i, j, k) - 0.02 / 0.03) < 1e-5)
            }
            for i in 16...19 { // x = 15 ... 22.5 mm: 1 Gy
                #expect(abs(Self.gamma(global, i, j, k) - 0.02 * 1 / 0.06) < 1e-5)
                #expect(abs(Self.gamma(local, i, j, k) - 0.02 / 0.03) < 1e-5)
            }
        } }
    }

    @Test func shiftOfALinearRampMatchesTheClosedForm() throws {
        // D = G·x shifted by s: gamma² = min over u of (u/DTA)² + (G(u − s)/DD)² = s² / (DTA² + (DD/G)²).
        // With DTA·G = DD the minimum is at u = s/2; s = 0.8 mm puts it on the 0.4 mm shell, on the axis.
        let dd = 0.03 * 3.0  // 3% of the 3 Gy maximum below
        let g = dd / 2       // Gy/mm
        let s = 0.8
        let ref = Self.grid(16, 8, 8, origin: Vec3(-10, 0, 0)) { p in 1.5 + g * p.x }
        let ev = Self.grid(16, 8, 8, origin: Vec3(-10, 0, 0)) { p in 1.5 + g * (p.x - s) }
        let criteria = GammaCriteria(normalisationDose: 3.0, lowerDoseCutoffPercent: 0)
        let r = try GammaCalculator(criteria: criteria).compare(reference: ref, evaluated: ev)
        let expected = s / (4 + (dd / g) * (dd / g)).squareRoot()
        for k in 0..<8 { for j in 0..<8 { for i in 0..<15 { // the last column has no neighbour at +x
            #expect(abs(Self.gamma(r, i, j, k) - expected) < 1e-5, "voxel \(i) \(j) \(k): \(Self.gamma(r, i, j, k)) vs \(expected)")
        } } }
    }

    @Test func shiftOfASteepRampGivesShiftOverDTA() throws {
        // 2 Gy/mm against a 0.03 Gy criterion: no dose difference is affordable, so gamma is the distance
        // to the matching dose, s / DTA (the closed form gives s / sqrt(DTA² + 2.25e-4 mm²), 3e-5 less).
        let s = 1.2
        let ref = Self.grid(24, 6, 6, spacing: 1, origin: Vec3(-12, 0, 0)) { p in 30 + 2 * p.x }
        let ev = Self.grid(24, 6, 6, spacing: 1, origin: Vec3(-12, 0, 0)) { p in 30 + 2 * (p.x - s) }
        let r = try GammaCalculator(criteria: GammaCriteria(normalisationDose: 1, lowerDoseCutoffPercent: 0)).compare(reference: ref, evaluated: ev)
        for k in 0..<6 { for j in 0..<6 { for i in 0..<22 {
            #expect(abs(Self.gamma(r, i, j, k) - s / 2) < 1e-4)
        } } }
    }

    /// The ramp of `shiftOfALinearRampMatchesTheClosedForm` on any evaluated grid.
    static let rampG = 0.045, rampShift = 0.8
    static func ramp(_ p: Vec3) -> Double { 1.5 + rampG * p.x + 0.01 * p.y - 0.02 * p.z }
    static func shiftedRamp(_ p: Vec3) -> Double { ramp(Vec3(p.x - rampShift, p.y, p.z)) }
    static let rampCriteria = GammaCriteria(normalisationDose: 3.0, lowerDoseCutoffPercent: 0)

    @Test func gridsOfOtherSpacingOriginAndSizeCompareInPatientCoordinates() throws {
        // Reference 2.5 mm from (-10, 0, 0); evaluated 2 mm from (-13.3, -3.1, -2.7), larger. Trilinear
        // interpolation of a linear dose is exact, so both see the same doses at the same search points:
        // the gammas equal those against the same dose on the reference grid itself, and the closed
        // form Δ / sqrt(DD² + DTA²·|∇D|²) with Δ = 0.045 Gy/mm × 0.8 mm (within the search step).
        let ref = Self.grid(12, 6, 6, origin: Vec3(-10, 0, 0), Self.ramp)
        let ev = Self.grid(22, 12, 12, spacing: 2, origin: Vec3(-13.3, -3.1, -2.7), Self.shiftedRamp)
        let r = try GammaCalculator(criteria: Self.rampCriteria).compare(reference: ref, evaluated: ev)
        let same = try GammaCalculator(criteria: Self.rampCriteria).compare(reference: ref, evaluated: Self.grid(12, 6, 6, origin: Vec3(-10, 0, 0), Self.shiftedRamp))
        #expect(r.pointsEvaluated == 12 * 6 * 6)
        let gradient2 = Self.rampG * Self.rampG + 0.01 * 0.01 + 0.02 * 0.02
        let closed = Self.rampG * Self.rampShift / (0.09 * 0.09 + 4 * gradient2).squareRoot()
        // Away from the faces the best match (toward +x, +y, -z) lies inside the reference-sized grid too.
        for k in 1..<6 { for j in 0..<5 { for i in 0..<11 {
            #expect(abs(Self.gamma(r, i, j, k) - Self.gamma(same, i, j, k)) < 1e-5, "voxel \(i) \(j) \(k)")
            #expect(abs(Self.gamma(r, i, j, k) - closed) < 5e-4, "voxel \(i) \(j) \(k): \(Self.gamma(r, i, j, k)) vs \(closed)")
        } } }
        // Non-integer spacing ratio: the point-by-point kernel; the same dose on the same grid: grouped.
        #expect(GammaCalculator(criteria: Self.rampCriteria).usesGroupedKernel(reference: ref, evaluated: ev) == false)
        #expect(GammaCalculator(criteria: Self.rampCriteria).usesGroupedKernel(reference: ref, evaluated: ref) == true)
    }

    @Test func unevenlySpacedEvaluatedFramesAreLookedUpByPosition() throws {
        // Frames at 0, 2, 5, 7.5, 10, 12.5, 16 mm: no affine map, every search point finds its frames.
        let ref = Self.grid(12, 6, 6, origin: Vec3(-10, 0, 0), Self.ramp)
        let same = try GammaCalculator(criteria: Self.rampCriteria).compare(reference: ref, evaluated: Self.grid(12, 6, 6, origin: Vec3(-10, 0, 0), Self.shiftedRamp))
        let g = Grid3D(columns: 12, rows: 6, origin: Vec3(-10, 0, 0), spacingI: 2.5, spacingJ: 2.5, frameOffsets: [0, 2, 5, 7.5, 10, 12.5, 16])
        var v = [Float](repeating: 0, count: g.voxelCount)
        for k in 0..<g.frames { for j in 0..<6 { for i in 0..<12 { v[g.index(i, j, k)] = Float(Self.shiftedRamp(g.position(i, j, k))) } } }
        let uneven = DoseGrid(grid: g, values: v, sopInstanceUID: UIDFactory.make())
        #expect(uneven.grid.uniformFrameSpacing == nil)
        let r = try GammaCalculator(criteria: Self.rampCriteria).compare(reference: ref, evaluated: uneven)
        for k in 1..<6 { for j in 0..<5 { for i in 0..<11 {
            #expect(abs(Self.gamma(r, i, j, k) - Self.gamma(same, i, j, k)) < 1e-5, "voxel \(i) \(j) \(k)")
        } } }
    }

    @Test func reversedAxesOfTheEvaluatedGridGiveTheSameGamma() throws {
        // The evaluated grid runs -x, +y and its frames go down in z (normal (0, 0, -1)), 1.25 mm (half
        // the reference spacing, so voxel steps stay whole) from the far corner.
        let ref = Self.grid(12, 6, 6, origin: Vec3(-10, 0, 0), Self.ramp)
        let aligned = try GammaCalculator(criteria: Self.rampCriteria).compare(reference: ref, evaluated: Self.grid(12, 6, 6, origin: Vec3(-10, 0, 0), Self.shiftedRamp))
        let reversed = Self.grid(25, 11, 11, spacing: 1.25, origin: Vec3(20, 0, 12.5), rowDirection: Vec3(-1, 0, 0), Self.shiftedRamp)
        #expect(reversed.grid.normal.z == -1)
        let calc = GammaCalculator(criteria: Self.rampCriteria)
        #expect(calc.usesGroupedKernel(reference: ref, evaluated: reversed))
        let r = try calc.compare(reference: ref, evaluated: reversed)
        for k in 1..<6 { for j in 0..<5 { for i in 0..<11 {
            #expect(abs(Self.gamma(r, i, j, k) - Self.gamma(aligned, i, j, k)) < 1e-5, "voxel \(i) \(j) \(k)")
        } } }
    }

    @Test func singlePlanesAreCompared2DOnCircles() throws {
        // A ramp along y (the first axis of pymedphys' 2D circles) shifted by 0.8 mm, DTA·G = DD.
        let dd = 0.09, g = dd / 2
        let ref = Self.grid(10, 14, 1, origin: Vec3(0, -10, 5)) { p in 1.5 + g * p.y }
        let ev = Self.grid(10, 14, 1, origin: Vec3(0, -10, 5)) { p in 1.5 + g * (p.y - 0.8) }
        let r = try GammaCalculator(criteria: GammaCriteria(normalisationDose: 3, lowerDoseCutoffPercent: 0)).compare(reference: ref, evaluated: ev)
        #expect(r.dimensions == 2)
        for j in 0..<13 { for i in 0..<10 { #expect(abs(Self.gamma(r, i, j, 0) - 0.8 / 8.0.squareRoot()) < 1e-5) } }
        // A plane 3 mm away is still compared in-plane, with a warning.
        let apart = Self.grid(10, 14, 1, origin: Vec3(0, -10, 8)) { p in 1.5 + g * (p.y - 0.8) }
        let w = try GammaCalculator(criteria: GammaCriteria(normalisationDose: 3, lowerDoseCutoffPercent: 0)).compare(reference: ref, evaluated: apart)
        #expect(w.warnings.contains { $0.contains("3.000 mm apart") })
        #expect(w.gamma == r.gamma)
    }

    @Test func largeShiftsAreCappedAtTheMaximumGammaAndListedWorstFirst() throws {
        let ref = Self.grid(12, 6, 6, spacing: 1, origin: Vec3(-6, 0, 0)) { p in 30 + 2 * p.x }
        let ev = Self.grid(12, 6, 6, spacing: 1, origin: Vec3(-6, 0, 0)) { p in 30 + 2 * (p.x - 5) }
        let r = try GammaCalculator(criteria: GammaCriteria(normalisationDose: 1, lowerDoseCutoffPercent: 0, maximumGamma: 1.5)).compare(reference: ref, evaluated: ev)
        #expect(r.pointsEvaluated == 432)
        #expect(r.gamma.allSatisfy { $0 == 1.5 })
        #expect(r.passRatePercent == 0 && r.pointsFailing == 432 && r.maximumGammaFound == 1.5)
        // Partly failing: a 2.4 mm shift (on the 0.3 mm search steps of a 3 mm DTA) gives gamma 0.8.
        let ok = try GammaCalculator(criteria: GammaCriteria(distanceToAgreementMM: 3, normalisationDose: 1, lowerDoseCutoffPercent: 0))
            .compare(reference: ref, evaluated: Self.grid(12, 6, 6, spacing: 1, origin: Vec3(-6, 0, 0)) { p in 30 + 2 * (p.x - 2.4) })
        // Only x >= 3 mm fails, where the matching dose (x + 2.4 mm) lies beyond the grid's last voxel.
        #expect(ok.failingPoints.count == 3 * 36 && ok.failingPoints.allSatisfy { $0.i >= 9 })
        #expect(zip(ok.failingPoints, ok.failingPoints.dropFirst()).allSatisfy { $0.gamma >= $1.gamma })
        #expect(abs(Self.gamma(ok, 4, 2, 2) - 0.8) < 1e-4)
        let worst = try #require(ok.failingPoints.first)
        #expect(worst.position == ref.grid.position(worst.i, worst.j, worst.k))
        #expect(abs(worst.referenceDose - (30 + 2 * worst.position.x)) < 1e-4)
    }

    @Test func cutoffAndCoverageDecideThePointsEvaluated() throws {
        // Reference 0...2.2 Gy along x; the 10% cut-off (of 2.2 Gy) keeps x >= 2.2 mm.
        let ref = Self.grid(12, 4, 4, spacing: 1, origin: Vec3(0, 0, 0)) { p in 0.2 * p.x }
        let full = try GammaCalculator().compare(reference: ref, evaluated: ref)
        #expect(abs(full.cutoffDose - 0.22) < 1e-6)
        #expect(full.pointsAboveCutoff == 10 * 16 && full.pointsEvaluated == 10 * 16) // x = 2 ... 11
        // An evaluated grid covering x >= 8 mm only. The last shell searched is at 3.8 mm (pymedphys'
        // steps stop short of 2 × DTA = 4 mm), so x <= 4 mm sees nothing and is not evaluated.
        let part = Self.grid(4, 4, 4, spacing: 1, origin: Vec3(8, 0, 0)) { p in 0.2 * p.x }
        let r = try GammaCalculator().compare(reference: ref, evaluated: part)
        #expect(r.pointsAboveCutoff == 10 * 16)
        for i in 0..<12 {
            let g = Self.gamma(r, i, 1, 1)
            if i < 5 { #expect(g.isNaN, "x = \(i)") } else { #expect(!g.isNaN, "x = \(i)") }
        }
        #expect(r.pointsEvaluated == 7 * 16) // x = 5 ... 11
    }

    @Test func localNormalisationSkipsZeroDose() throws {
        let ref = Self.grid(6, 4, 4, spacing: 1) { p in p.x < 2 ? 0 : 1 }
        let r = try GammaCalculator(criteria: GammaCriteria(normalisation: .local, lowerDoseCutoffPercent: 0)).compare(reference: ref, evaluated: ref)
        #expect(r.pointsAboveCutoff == 96 && r.pointsEvaluated == 64)
    }

    @Test func differentFramesOfReferenceAndUnitsAreWarnedAbout() throws {
        var ref = Self.grid(4, 4, 4) { _ in 1 }
        var ev = ref
        ref.frameOfReferenceUID = "1.2.3"
        ev.frameOfReferenceUID = "1.2.4"
        ev.units = "RELATIVE"
        let r = try GammaCalculator().compare(reference: ref, evaluated: ev)
        #expect(r.warnings.count == 2)
        #expect(r.warnings.contains { $0.contains("different frames of reference (1.2.3, 1.2.4)") })
        #expect(r.warnings.contains { $0.contains("dose units differ: reference GY, evaluated RELATIVE") })
        ev.frameOfReferenceUID = "1.2.3"
        ev.units = "GY"
        #expect(try GammaCalculator().compare(reference: ref, evaluated: ev).warnings.isEmpty)
    }

    @Test func kernelsAndThreadingGiveTheSameGammas() throws {
        let (ref, ev) = GammaPairs.fixturePair("beams3d")
        var calc = GammaCalculator()
        #expect(calc.usesGroupedKernel(reference: ref, evaluated: ev))
        let grouped = try calc.compare(reference: ref, evaluated: ev)
        calc.parallel = false
        let serial = try calc.compare(reference: ref, evaluated: ev)
        calc.allowGroupedKernel = false
        let point = try calc.compare(reference: ref, evaluated: ev)
        #expect(grouped.gamma.elementsEqual(serial.gamma) { $0 == $1 || ($0.isNaN && $1.isNaN) })
        #expect(grouped.gamma.elementsEqual(point.gamma) { abs($0 - $1) < 1e-5 || ($0.isNaN && $1.isNaN) })
    }

    @Test func criteriaThatLeaveGammaUndefinedAreRejected() throws {
        let d = Self.grid(4, 4, 4) { _ in 1 }
        for bad in [GammaCriteria(doseDifferencePercent: 0), GammaCriteria(distanceToAgreementMM: -1), GammaCriteria(lowerDoseCutoffPercent: -5),
                    GammaCriteria(interpolationFraction: 0.5), GammaCriteria(maximumGamma: .infinity), GammaCriteria(normalisationDose: 0),
                    GammaCriteria(interpolationFraction: 50, maximumGamma: 3)] {
            #expect(throws: DosimetryError.self, "\(bad)") { try GammaCalculator(criteria: bad).compare(reference: d, evaluated: d) }
        }
        let zero = Self.grid(4, 4, 4) { _ in 0 }
        #expect(throws: DosimetryError.self) { try GammaCalculator().compare(reference: zero, evaluated: d) }
        var broken = d
        broken.values.removeLast()
        #expect(throws: DosimetryError.self) { try GammaCalculator().compare(reference: d, evaluated: broken) }
        let tilted = Self.grid(4, 4, 1, columnDirection: Vec3(0, 0, 1)) { _ in 1 }
        #expect(throws: DosimetryError.self) { try GammaCalculator().compare(reference: Self.grid(4, 4, 1) { _ in 1 }, evaluated: tilted) }
    }

    @Test func searchPatternIsPymedphys() {
        // Point counts of pymedphys' calculate_coordinates_shell_3d / _2d (pymedphys 0.41.0).
        #expect(GammaSearchPattern.sphere(2.0, 0.2).count == 1331)
        #expect(GammaSearchPattern.sphere(0.2, 0.2).count == 23)
        #expect(GammaSearchPattern.sphere(0, 0.2).count == 1)
        #expect(GammaSearchPattern.circle(2.0, 0.2).count == 64)
        // Its distances for 2 mm, fraction 10, maximum gamma 2: 1.9999999999999998 and then DTA
        // exactly, and the last shell at 3.8000000000000016 (4.000000000000002 > 4 is not searched).
        let d = GammaSearchPattern.distances(GammaCriteria()).map(\.distance)
        #expect(d.count == 21)
        #expect(d[10] == 1.9999999999999998 && d[11] == 2.0 && d[20] == 3.8000000000000016)
        #expect(GammaSearchPattern.sphere(2.0, 0.2).allSatisfy { abs(($0.0 * $0.0 + $0.1 * $0.1 + $0.2 * $0.2).squareRoot() - 2) < 1e-12 })
    }

    @Test func percentilesInterpolateBetweenOrderStatistics() {
        // numpy.percentile([0, 0.1, ..., 1.0], q) = q / 100 with linear interpolation.
        let g = Grid3D(columns: 11, rows: 1, origin: .zero, spacingI: 1, spacingJ: 1, frameOffsets: [0])
        let ref = DoseGrid(grid: g, values: [Float](repeating: 1, count: 11), sopInstanceUID: "1.2.3")
        let r = GammaCalculator.summarise(gamma: (0...10).map { Float($0) / 10 }, reference: ref, criteria: GammaCriteria(),
                                          normalisationDose: 1, cutoffDose: 0.1, dimensions: 2, warnings: [])
        #expect(abs((r.gammaPercentile(95) ?? 0) - 0.95) < 1e-6)
        #expect(abs((r.gammaPercentile(50) ?? 0) - 0.5) < 1e-6)
        #expect(r.gammaPercentile(100) == Double(Float(1)))
        #expect(r.passRatePercent == 100 && abs((r.meanGamma ?? 0) - 0.5) < 1e-6)
    }

    @Test func gammaGridRoundTripsAsRelativeDoseAndRawFloats() throws {
        let ref = Self.grid(12, 6, 6, origin: Vec3(-10, 0, 0), Self.ramp)
        let r = try GammaCalculator(criteria: GammaCriteria(normalisationDose: 3, lowerDoseCutoffPercent: 40))
            .compare(reference: ref, evaluated: Self.grid(12, 6, 6, origin: Vec3(-10, 0, 0), Self.shiftedRamp))
        #expect(r.gamma.contains { $0.isNaN } && r.gamma.contains { !$0.isNaN })
        let file = RTWriter.doseFile(r.gammaDoseGrid(sopInstanceUID: UIDFactory.make(), frameOfReferenceUID: "1.2.3"), context: RTWriter.Context())
        let back = try DoseGrid(file: file)
        #expect(back.units == "RELATIVE" && back.grid == ref.grid && back.frameOfReferenceUID == "1.2.3")
        for n in 0..<r.gamma.count {
            let want = r.gamma[n].isNaN ? 0 : r.gamma[n]
            #expect(abs(back.values[n] - want) < 1e-6)
        }
        let raw = r.rawFloat32LittleEndian()
        #expect(raw.count == 4 * r.gamma.count)
        for n in 0..<r.gamma.count {
            let bits = UInt32(raw[4 * n]) | UInt32(raw[4 * n + 1]) << 8 | UInt32(raw[4 * n + 2]) << 16 | UInt32(raw[4 * n + 3]) << 24
            #expect(Float(bitPattern: bits).bitPattern == r.gamma[n].bitPattern)
        }
    }
}
