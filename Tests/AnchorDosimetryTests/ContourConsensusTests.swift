import AnchorDosimetry
import AnchorRT
import AnchorTestSupport
import Foundation
import Testing

/// STAPLE and majority-vote consensus.
@Suite struct ContourConsensusTests {
    /// The Python of `ANCHOR_PYTHON` when it imports SimpleITK and numpy.
    static let simpleITKPython: String? = {
        guard let p = ProcessInfo.processInfo.environment["ANCHOR_PYTHON"], FileManager.default.isExecutableFile(atPath: p),
              let r = try? ProcessRunner.run(p, ["-c", "import SimpleITK, numpy"]), r.status == 0 else { return nil }
        return p
    }()

    func consensusROI(_ contours: [StructureSet.Contour]) -> StructureSet.ROI { StructureSet.ROI(number: 9, name: "consensus", contours: contours) }

    @Test(arguments: [ConsensusOptions.Method.staple, .majority])
    func twoIdenticalRatersGiveTheirContour(_ method: ConsensusOptions.Method) throws {
        for (label, n) in ContourComparisonTests.orientations {
            let rater = ContourSolids.sphere("GTV", centre: Vec3(3, -2, 7), radius: 12, spacing: 2, vertices: 96, normal: n)
            var o = ConsensusOptions()
            o.method = method
            let r = try ContourConsensus.compute(raters: [rater, rater], options: o)
            var c = ContourComparisonOptions()
            c.surfaceSpacingMM = 0.5
            let cmp = try ContourComparator.compare(reference: rater, test: consensusROI(r.consensus), options: c)
            // The mask keeps pixels whose centre is inside; its isoline runs half-way between pixel
            // centres, so the consensus boundary is within one pixel diagonal of the rater's.
            #expect(cmp.dice >= 0.99, "\(label) \(method): Dice \(cmp.dice)")
            #expect(cmp.hausdorffMM <= o.pixelSpacingMM * 2.squareRoot() + c.distanceErrorBoundMM, "\(label) \(method): HD \(cmp.hausdorffMM)")
            #expect(r.consensus.count == 12 && r.halfLevel.count == 12, "\(label)")
            if method == .staple {
                #expect(r.raters.allSatisfy { $0.sensitivity > 0.999 && $0.specificity > 0.999 }, "\(label)")
                #expect(r.converged == true)
            }
        }
    }

    @Test func majorityVoteKeepsWhatMostRatersInclude() throws {
        // Three boxes along u: [0, 20], [4, 24], [8, 28]; two of three include [4, 24].
        let raters = [0.0, 4, 8].map { ContourSolids.box("B", lo: ($0, 0, 0), size: (20, 10, 10), spacing: 2) }
        var o = ConsensusOptions()
        o.method = .majority
        o.pixelSpacingMM = 0.5
        let r = try ContourConsensus.compute(raters: raters, options: o)
        let cmp = try ContourComparator.compare(reference: ContourSolids.box("M", lo: (4, 0, 0), size: (20, 10, 10), spacing: 2),
                                                test: consensusROI(r.consensus))
        #expect(cmp.dice > 0.99, "Dice \(cmp.dice)")
        #expect(abs(r.consensusVolumeCC - 2.0) < 0.11, "volume \(r.consensusVolumeCC)")
    }

    @Test func stapleFindsTheOutlier() throws {
        // Two raters agree, a third draws a much larger structure: its specificity falls, sensitivity stays.
        let a = ContourSolids.sphere("GTV", centre: .zero, radius: 10, spacing: 2, vertices: 64)
        let big = ContourSolids.sphere("GTV", centre: .zero, radius: 16, spacing: 2, vertices: 64)
        let r = try ContourConsensus.compute(raters: [a, a, big])
        #expect(r.raters[0].sensitivity > 0.99 && r.raters[2].sensitivity > 0.99)
        #expect(r.raters[2].specificity < r.raters[0].specificity - 0.05, "\(r.raters.map(\.specificity))")
        let cmp = try ContourComparator.compare(reference: a, test: consensusROI(r.consensus))
        #expect(cmp.dice > 0.98, "Dice \(cmp.dice)")
    }

    @Test(.enabled(if: simpleITKPython != nil, "ANCHOR_PYTHON is not set to a Python with SimpleITK and numpy: skipped"))
    func stapleAgreesWithSimpleITK() throws {
        let raters = [
            ContourSolids.sphere("GTV", centre: Vec3(0, 0, 0), radius: 12, spacing: 2, vertices: 96),
            ContourSolids.sphere("GTV", centre: Vec3(2, 1, 0), radius: 11, spacing: 2, vertices: 96),
            ContourSolids.sphere("GTV", centre: Vec3(-1, 2, 2), radius: 14, spacing: 2, vertices: 96),
            ContourSolids.box("GTV", lo: (-10, -10, -12), size: (22, 20, 24), spacing: 2),
        ]
        let o = ConsensusOptions()
        let masks = try ConsensusMasks(raters: raters, options: o)
        let dir = Fixtures.temporaryDirectory("anchor-staple")
        for r in 0..<raters.count {
            try Data(masks.mask(rater: r)).write(to: URL(fileURLWithPath: "\(dir)/rater\(r).raw"))
        }
        let script = """
        import sys, numpy as np, SimpleITK as sitk
        d, n, shape = sys.argv[1], int(sys.argv[2]), tuple(int(x) for x in sys.argv[3:6])
        imgs = [sitk.GetImageFromArray(np.fromfile(f"{d}/rater{r}.raw", dtype=np.uint8).reshape(shape)) for r in range(n)]
        f = sitk.STAPLEImageFilter()
        f.SetForegroundValue(1.0)
        p = sitk.GetArrayFromImage(f.Execute(imgs))
        p.astype(np.float64).tofile(f"{d}/staple.raw")
        print(" ".join(str(x) for x in f.GetSensitivity()))
        print(" ".join(str(x) for x in f.GetSpecificity()))
        """
        let run = try ProcessRunner.run(Self.simpleITKPython!, ["-c", script, dir, "\(raters.count)", "\(masks.planeW.count)", "\(masks.rows)", "\(masks.columns)"])
        #expect(run.status == 0, "\(run.stderr)")
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/staple.raw"))
        let theirs = data.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
        let ours = ContourConsensus.compute(masks: masks, names: [], options: o)
        #expect(theirs.count == ours.probability.count)
        var both = 0, a = 0, b = 0
        for i in theirs.indices {
            let x = ours.probability[i] > 0.5, y = theirs[i] > 0.5
            if x { a += 1 }; if y { b += 1 }; if x && y { both += 1 }
        }
        let dice = 2 * Double(both) / Double(a + b)
        #expect(dice >= 0.99, "Dice with SimpleITK's STAPLE consensus \(dice)")
        let lines = run.stdout.split(separator: "\n").map { $0.split(separator: " ").compactMap { Double($0) } }
        if lines.count == 2 {
            for r in 0..<raters.count {
                #expect(abs(lines[0][r] - ours.raters[r].sensitivity) < 0.01, "rater \(r) sensitivity: SimpleITK \(lines[0][r]), Anchor \(ours.raters[r].sensitivity)")
                #expect(abs(lines[1][r] - ours.raters[r].specificity) < 0.01, "rater \(r) specificity: SimpleITK \(lines[1][r]), Anchor \(ours.raters[r].specificity)")
            }
        }
    }

    @Test func marchingSquaresTracesASquareAndItsHole() {
        // 5 x 5 map: a ring of ones around a zero centre.
        var f = [Double](repeating: 0, count: 25)
        for j in 1...3 { for i in 1...3 where !(i == 2 && j == 2) { f[i + 5 * j] = 1 } }
        let polys = MarchingSquares.isolines(f, columns: 5, rows: 5, level: 0.5)
        #expect(polys.count == 2)
        func area(_ p: [(Double, Double)]) -> Double {
            var a = 0.0
            for i in p.indices { let q = p[(i + 1) % p.count]; a += p[i].0 * q.1 - q.0 * p[i].1 }
            return a / 2
        }
        let areas = polys.map(area).sorted()
        // Outer: the 3x3 block's half-way boundary with cut corners (9 - 4·0.125 = 8.5), anticlockwise;
        // hole: a diamond of area 0.5, clockwise.
        #expect(abs(areas[1] - 8.5) < 1e-12 && abs(areas[0] + 0.5) < 1e-12, "\(areas)")
    }
}
