import AnchorDICOM
import AnchorDosimetry
import AnchorRT
import AnchorTestSupport
import Foundation
import Testing

/// End-to-end timing on the heavy case (21 structures, 166 000 contour points, body on every slice,
/// 2.5 mm dose grid): files read, DVHs computed, JSON written. Opt-in (`ANCHOR_BENCH=1`), as a debug
/// build measures the debugger's speed, not the engine's; run it on a release build:
/// `ANCHOR_BENCH=1 swift test -c release --scratch-path .build-dvh --filter DVHBenchmarkTests`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["ANCHOR_BENCH"] != nil, "set ANCHOR_BENCH=1 to time the heavy case"))
struct DVHBenchmarkTests {
    @Test func heavyCaseEndToEnd() throws {
        let (rs, dose) = HeavyCase.make()
        #expect(rs.rois.count == 21)
        #expect(rs.rois.reduce(0) { $0 + $1.pointCount } > 160_000)
        let dir = Fixtures.temporaryDirectory("anchor-dvh-heavy")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try PhantomFiles.write([], dose: dose, to: dir, extraROIs: rs.rois)
        var best = Double.infinity
        for _ in 0..<3 {
            let start = Date()
            let inputs = try DVHInputs.select(from: DICOMLoader.load([dir]).members)
            let report = try DVHCalculator(dose: inputs.dose).compute(structureSet: inputs.structureSet)
            let json = report.json(inputs: inputs, metricsFor: { _ in DVHMetric.defaults }, prescription: nil, prescriptionSource: nil, dvhStepGy: 0.01).serialized()
            best = min(best, Date().timeIntervalSince(start))
            #expect(report.structures.count == 21 && !json.isEmpty)
        }
        print("heavy case end to end (read, 21 DVHs, JSON): best of 3 \(String(format: "%.3f", best)) s")
    }
}
