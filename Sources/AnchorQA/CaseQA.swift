import AnchorDICOM
import AnchorDosimetry
import AnchorRT
import Foundation

/// The whole automatic QA of one case, as the server stores it: the `anchor dvh` document of every
/// structure, the `anchor check` document of the protocol, the HTML report and its DVH plot.
public struct CaseQAResult: Sendable {
    public var dvh: JSON
    public var check: JSON
    public var html: String
    public var svg: String
    public var overall: Grade
    public var report: QAReport
}

public enum CaseQA {
    /// Grades `c` against `p`. The age and prescription follow `anchor check`: the given values first,
    /// then the plan's prescription and Patient's Age, then the protocol's prescription.
    public static func run(_ c: Case, protocol p: TreatmentProtocol, ageYears: Double?, prescriptionGy: Double? = nil,
                           generator: String = "Anchor") throws -> CaseQAResult {
        let grading = try CaseGrading(c)
        // One DVH computation for every structure serves both documents.
        let calculator = try DVHCalculator(dose: grading.dose)
        let all = calculator.compute(structureSet: grading.structureSet)
        var dvhs: [String: DVH] = [:]
        for s in all.structures where dvhs[s.name] == nil { dvhs[s.name] = s.dvh }
        var failures: [String: String] = [:]
        for s in all.skipped { failures[s.name] = s.error.message }
        let provider = DVHMetricProvider(structureNames: grading.structureSet.rois.map(\.name), dvhs: dvhs, failures: failures)
        let (rx, rxSource) = EvaluationContext.resolvePrescription(commandLine: prescriptionGy, plan: grading.plan?.prescriptionGy,
                                                                   protocol: p.prescriptionGy)
        var context = EvaluationContext(prescriptionGy: rx, prescriptionSource: rxSource)
        if let a = ageYears {
            context.ageYears = a
            context.ageSource = .commandLine
        }
        let evaluation = ProtocolEvaluator.evaluate(p, provider: provider, context: context)
        let report = QAReport(evaluation: evaluation, caseSummary: grading.summary(path: nil),
                              dvhs: QAReport.dvhs(for: evaluation, provider: provider), generator: generator)
        let inputs = DVHInputs(dose: grading.dose, structureSet: grading.structureSet, plan: grading.plan)
        let rxContext = rx.map { calculator.prescriptionContext(prescriptionGy: $0) }
        let dvhJSON = all.json(inputs: inputs, metricsFor: { _ in DVHMetric.defaults }, prescription: rxContext,
                               prescriptionSource: rxSource.rawValue, dvhStepGy: 0.1)
        let svg = DVHPlot(curves: report.dvhs, markers: DVHPlot.markers(for: evaluation)).svg
        return CaseQAResult(dvh: dvhJSON, check: report.json, html: report.html, svg: svg, overall: evaluation.overall, report: report)
    }
}
