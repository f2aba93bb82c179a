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
    /// Grades a case whose DVHs `provider` holds: the prescription by precedence (the given one, the
    /// plan's, the protocol's), the age as given (with where it came from), the evaluation and the report.
    /// `anchor check` and the server's analysis both grade through here.
    public static func grade(_ grading: CaseGrading, provider: DVHMetricProvider, protocol p: TreatmentProtocol,
                             prescriptionGy: Double?, age: (years: Double, source: AgeSource)?,
                             summary: CaseSummary, generator: String) -> QAReport {
        let (rx, rxSource) = EvaluationContext.resolvePrescription(commandLine: prescriptionGy, plan: grading.plan?.prescriptionGy,
                                                                   protocol: p.prescriptionGy)
        var context = EvaluationContext(prescriptionGy: rx, prescriptionSource: rxSource)
        if let age {
            context.ageYears = age.years
            context.ageSource = age.source
        }
        let evaluation = ProtocolEvaluator.evaluate(p, provider: provider, context: context)
        return QAReport(evaluation: evaluation, caseSummary: summary, dvhs: QAReport.dvhs(for: evaluation, provider: provider),
                        generator: generator)
    }

    /// Grades `c` against `p` with the DVHs of every structure (for the `anchor dvh` document too).
    public static func run(_ c: Case, protocol p: TreatmentProtocol, age: (years: Double, source: AgeSource)?, prescriptionGy: Double? = nil,
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
        var report = grade(grading, provider: provider, protocol: p, prescriptionGy: prescriptionGy, age: age,
                           summary: grading.summary(path: nil), generator: generator)
        report.lateEffects = LateEffectEvaluator.evaluate(grading, provider: provider, ageYears: age?.years, chemotherapy: nil)
        let context = report.evaluation.context
        let inputs = DVHInputs(dose: grading.dose, structureSet: grading.structureSet, plan: grading.plan)
        let rxContext = context.prescriptionGy.map { calculator.prescriptionContext(prescriptionGy: $0) }
        let dvhJSON = all.json(inputs: inputs, metricsFor: { _ in DVHMetric.defaults }, prescription: rxContext,
                               prescriptionSource: context.prescriptionSource.rawValue, dvhStepGy: 0.1)
        let svg = DVHPlot(curves: report.dvhs, markers: DVHPlot.markers(for: report.evaluation)).svg
        return CaseQAResult(dvh: dvhJSON, check: report.json, html: report.html, svg: svg, overall: report.evaluation.overall, report: report)
    }
}
