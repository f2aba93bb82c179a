import AnchorRT
import AnchorTestSupport
import Testing
@testable import AnchorDosimetry

/// Structures derived by union, subtraction and intersection on the sampling lattice have the DVH of
/// the same structure drawn explicitly.
@Suite struct DerivedStructureTests {
    let dose = LinearDose(doseAtOriginGy: 30, gradientGyPerMM: Vec3(0.4, -0.2, 0.3)).grid(size: (21, 21, 21), spacing: (2, 2, 2))

    func box(_ name: String, _ x: (Double, Double), _ y: (Double, Double), _ z: (Double, Double), number: Int) -> StructureSet.ROI {
        DVHPhantom.box(name: name, x0: x.0, x1: x.1, y0: y.0, y1: y.1, z0: z.0, z1: z.1, spacing: 2).roi(number: number)
    }

    /// One ROI whose every plane holds the rectangles given for it (even-odd: nested ones are holes).
    func drawn(_ name: String, planes: [(z: Double, rects: [(Double, Double, Double, Double)])], number: Int) -> StructureSet.ROI {
        let p = DVHPhantom(name: name, planes: planes.map { pl in (pl.z, pl.rects.map { DVHPhantom.rectangle(x0: $0.0, y0: $0.2, x1: $0.1, y1: $0.3) }) },
                           planeSpacingMM: 2)
        return p.roi(number: number)
    }

    func dvhs(_ explicit: StructureSet.ROI, derived: StructureExpression, operands: [StructureSet.ROI]) throws -> (StructureDose, StructureDose) {
        let rs = StructureSet(sopInstanceUID: "1.2.3", rois: operands + [explicit])
        let r = try DVHCalculator(dose: dose).compute([explicit], derived: [("Derived", derived, operands)], in: rs)
        #expect(r.skipped.isEmpty, "\(r.skipped.map(\.reason))")
        let e = try #require(r.structures.first { $0.name == explicit.name }), d = try #require(r.structures.first { $0.name == "Derived" })
        return (e, d)
    }

    func expectSame(_ a: StructureDose, _ b: StructureDose, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(abs(a.volumeCC - b.volumeCC) < 1e-9, "\(a.volumeCC) vs \(b.volumeCC)", sourceLocation: sourceLocation)
        #expect(abs(a.meanGy - b.meanGy) < 1e-9, sourceLocation: sourceLocation)
        #expect(abs(a.minGy - b.minGy) < 1e-6 && abs(a.maxGy - b.maxGy) < 1e-6, "\(a.minGy)-\(a.maxGy) vs \(b.minGy)-\(b.maxGy)", sourceLocation: sourceLocation)
        #expect(a.dvh.differentialCC.count == b.dvh.differentialCC.count, sourceLocation: sourceLocation)
        let worst = zip(a.dvh.differentialCC, b.dvh.differentialCC).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-9, "largest bin difference \(worst) cc", sourceLocation: sourceLocation)
    }

    @Test func lungsDerivedAsAUnionEqualLungsDrawn() throws {
        let l = box("Lung_L", (4, 16), (-8, 8), (-12, 12), number: 1), r = box("Lung_R", (-16, -4), (-6, 10), (-12, 12), number: 2)
        let lungs = drawn("Lungs", planes: stride(from: -11.0, to: 12, by: 2).map { ($0, [(4, 16, -8, 8), (-16, -4, -6, 10)]) }, number: 3)
        let (e, d) = try dvhs(lungs, derived: .union(.operand(0), .operand(1)), operands: [l, r])
        expectSame(e, d)
        #expect(abs(d.volumeCC - (12 * 16 * 24 + 12 * 16 * 24) / 1000) < 1e-9)
    }

    @Test func brainMinusPTVEqualsTheRingDrawn() throws {
        let brain = box("Brain", (-16, 16), (-16, 16), (-16, 16), number: 1), ptv = box("PTV", (-4, 6), (-4, 4), (-6, 6), number: 2)
        let ring = drawn("Brain-PTV", planes: stride(from: -15.0, to: 16, by: 2).map { z in
            (z, abs(z) < 6 ? [(-16, 16, -16, 16), (-4, 6, -4, 4)] : [(-16, 16, -16, 16)])
        }, number: 3)
        let (e, d) = try dvhs(ring, derived: .subtraction(.operand(0), .operand(1)), operands: [brain, ptv])
        expectSame(e, d)
        #expect(abs(d.volumeCC - (32 * 32 * 32 - 10 * 8 * 12) / 1000) < 1e-9)
    }

    @Test func anIntersectionHasTheOverlapsVolumeAndMean() throws {
        let a = box("A", (-10, 6), (-8, 8), (-8, 8), number: 1), b = box("B", (-2, 12), (-4, 10), (-8, 8), number: 2)
        let overlap = box("Overlap", (-2, 6), (-4, 8), (-8, 8), number: 3)
        let (e, d) = try dvhs(overlap, derived: .intersection(.operand(0), .operand(1)), operands: [a, b])
        #expect(abs(d.volumeCC - 8 * 12 * 16 / 1000) < 1e-9)
        // Linear dose: the mean is the dose at the centroid (2, 2, 0), whatever the lattice (to the
        // float precision of the grid's values).
        #expect(abs(d.meanGy - (30 + 0.4 * 2 - 0.2 * 2)) < 1e-6 && abs(e.meanGy - d.meanGy) < 1e-6)
        // The overlap's corners are no operand's vertices: its extremes come from the lattice samples,
        // within the dose change across one cell (0.54 Gy/mm over a 1/3 mm cell).
        #expect(abs(d.minGy - e.minGy) < 0.1 && abs(d.maxGy - e.maxGy) < 0.1, "\(d.minGy)-\(d.maxGy) vs \(e.minGy)-\(e.maxGy)")
    }

    @Test func operandsOnDifferentPlanesAreRefused() throws {
        let a = box("A", (-10, 6), (-8, 8), (-8, 8), number: 1)
        let shifted = DVHPhantom.box(name: "B", x0: -2, x1: 12, y0: -4, y1: 10, z0: -7, z1: 9, spacing: 2).roi(number: 2)
        let rs = StructureSet(sopInstanceUID: "1.2.3", rois: [a, shifted])
        let r = try DVHCalculator(dose: dose).compute([], derived: [("AB", .union(.operand(0), .operand(1)), [a, shifted])], in: rs)
        #expect(r.structures.isEmpty)
        #expect(r.skipped.first?.reason.contains("derive it from structures drawn on the same planes") == true, "\(r.skipped.map(\.reason))")
    }
}

