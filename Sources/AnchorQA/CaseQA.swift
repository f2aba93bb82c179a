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
    /// Grades a case. Kept for callers that computed a provider first: the provider is not used (it may
    /// lack the coverage and EQD2 DVHs grading needs); the DVHs are computed here.
    public static func grade(_ grading: CaseGrading, provider: DVHMetricProvider, protocol p: TreatmentProtocol,
                             prescriptionGy: Double?, age: (years: Double, source: AgeSource)?,
                             summary: CaseSummary, generator: String) -> QAReport {
        do {
            return try grade(grading, protocol: p, prescription: prescriptionGy.map { ($0, .commandLine) }, fractions: nil,
                             age: age, summary: summary, generator: generator)
        } catch {
            // The old entry point could not fail: grade on the given provider, every dose check applied.
            let context = context(for: grading, protocol: p, prescription: prescriptionGy.map { ($0, .commandLine) }, fractions: nil,
                                  age: age, options: .default)
            let evaluation = ProtocolEvaluator.evaluate(p, provider: provider, context: context)
            return QAReport(evaluation: evaluation, caseSummary: summary, dvhs: QAReport.dvhs(for: evaluation, provider: provider),
                            generator: generator)
        }
    }

    /// Grades a case against a protocol: `anchor check` and the server's analysis both grade through here.
    ///
    /// - prescription: the prescription given with the case (the command line's `--prescription`, a
    ///   submission's `prescription_gy`) and where it came from; it wins over the plan's and the protocol's.
    /// - fractions: the number of fractions given with the case, likewise over the plan's and the protocol's.
    /// - age: the patient's age and where it came from; nil: unknown (only constraints without an age
    ///   band are graded).
    /// - sex, chemotherapy: for the late-effect estimates (nil: unknown).
    /// Computes the DVHs of the structures the protocol names (EQD2 DVHs too when the plan's dose per
    /// fraction differs from the protocol's), evaluates, and returns the report; the report says where
    /// every prescription and the fractions came from. Throws `notGradable` when the dose grid cannot be
    /// sampled at all.
    public static func grade(_ grading: CaseGrading, protocol p: TreatmentProtocol,
                             prescription: (doseGy: Double, source: PrescriptionSource)?, fractions: (count: Int, source: PrescriptionSource)?,
                             age: (years: Double, source: AgeSource)?, summary: CaseSummary, generator: String,
                             options: GradingOptions = .default, dvhOptions: DVHOptions = .default,
                             sex: String? = nil, chemotherapy: Set<String>? = nil) throws -> QAReport {
        let context = context(for: grading, protocol: p, prescription: prescription, fractions: fractions, age: age, options: options)
        let provider = try grading.provider(for: p, options: dvhOptions, eqd2: context.eqd2)
        let evaluation = ProtocolEvaluator.evaluate(p, provider: provider, context: context)
        var report = QAReport(evaluation: evaluation, caseSummary: summary, dvhs: QAReport.dvhs(for: evaluation, provider: provider),
                              generator: generator)
        report.tpsComparison = TPSDVHComparison.compare(grading: grading, provider: provider, evaluation: evaluation, options: options)
        // Late-effect estimates beside the grades, never graded (`sex`: Patient's Sex when known;
        // `chemotherapy`: the agents given, nil when unknown).
        report.lateEffects = LateEffectEvaluator.evaluate(grading, provider: provider, ageYears: age?.years, sex: sex, chemotherapy: chemotherapy)
        return report
    }

    /// The evaluation context of a case: prescriptions (the given one, the plan's, the protocol's; per
    /// target: the plan's dose reference to that target's ROI, else the protocol's), fractions, EQD2,
    /// age, the dose's problems and the coverage tolerance.
    public static func context(for grading: CaseGrading, protocol p: TreatmentProtocol,
                               prescription: (doseGy: Double, source: PrescriptionSource)?, fractions: (count: Int, source: PrescriptionSource)?,
                               age: (years: Double, source: AgeSource)?, options: GradingOptions) -> EvaluationContext {
        let (rx, rxSource) = EvaluationContext.resolvePrescription(given: prescription.map { ($0.doseGy, $0.source) },
                                                                   plan: grading.plan?.prescriptionGy, protocol: p.prescriptionGy)
        var context = EvaluationContext(prescriptionGy: rx, prescriptionSource: rxSource)
        if let age {
            context.ageYears = age.years
            context.ageSource = age.source
        }
        let roiNames = grading.structureSet.rois.map(\.name)
        let matcher = StructureMatcher(roiNames: roiNames)
        for t in p.targetPrescriptions {
            let aliases = p.constraints.filter { $0.structure == t.target }.flatMap(\.aliases).filter { !$0.contains("*") }
            var fromPlan: Double?
            if let m = matcher.match(structure: t.target, aliases: aliases),
               let roi = grading.structureSet.rois.first(where: { $0.name == m.roi }), let plan = grading.plan {
                fromPlan = plan.doseReferences.first { ($0.type ?? "TARGET") == "TARGET" && $0.referencedROINumber == roi.number }?.targetPrescriptionDoseGy
            }
            if let v = fromPlan, v > 0 { context.targetPrescriptions[t.target] = (v, .plan) }
            else { context.targetPrescriptions[t.target] = (t.doseGy, .protocol) }
        }
        if let plan = grading.plan {
            for d in plan.doseReferences where (d.type ?? "TARGET") == "TARGET" {
                if let n = d.referencedROINumber, let v = d.targetPrescriptionDoseGy, v > 0,
                   let roi = grading.structureSet.rois.first(where: { $0.number == n }) {
                    context.roiPrescriptions[roi.name] = v
                }
            }
        }
        if let f = fractions { context.fractions = f.count; context.fractionsSource = f.source }
        else if let n = grading.plan?.fractionCount, n > 0 { context.fractions = n; context.fractionsSource = .plan }
        else if let n = p.fractions { context.fractions = n; context.fractionsSource = .protocol }
        if let n = context.fractions, let rx {
            let d = rx / Double(n)
            if abs(d - p.dosePerFractionGy) > options.dosePerFractionToleranceGy {
                context.eqd2 = EvaluationContext.EQD2Conversion(fractions: n, planDosePerFractionGy: d, protocolDosePerFractionGy: p.dosePerFractionGy)
            }
        }
        context.minimumCoveredFraction = options.minimumCoveredFraction
        context.doseProblems = grading.doseProblems
        return context
    }

    /// Grades `c` against `p` with the DVHs of every structure (for the `anchor dvh` document too).
    /// `prescriptionGy` and `fractions` are those given with the submission (nil: the plan's, else the protocol's);
    /// `sex` is Patient's Sex (`F`, `M`) for the late-effect estimates, nil when unknown.
    public static func run(_ c: Case, protocol p: TreatmentProtocol, age: (years: Double, source: AgeSource)?, prescriptionGy: Double? = nil,
                           fractions: Int? = nil, sex: String? = nil, generator: String = "Anchor") throws -> CaseQAResult {
        let grading = try CaseGrading(c)
        // One DVH computation for every structure serves both documents.
        let calculator = try DVHCalculator(dose: grading.dose)
        let all = calculator.compute(structureSet: grading.structureSet)
        let report = try grade(grading, protocol: p, prescription: prescriptionGy.map { ($0, .submission) },
                               fractions: fractions.map { ($0, .submission) }, age: age, summary: grading.summary(path: nil), generator: generator,
                               sex: sex)
        let context = report.evaluation.context
        let inputs = DVHInputs(dose: grading.dose, structureSet: grading.structureSet, plan: grading.plan)
        let rxContext = context.prescriptionGy.map { calculator.prescriptionContext(prescriptionGy: $0) }
        let dvhJSON = all.json(inputs: inputs, metricsFor: { _ in DVHMetric.defaults }, prescription: rxContext,
                               prescriptionSource: context.prescriptionSource.rawValue, dvhStepGy: 0.1)
        let svg = DVHPlot(curves: report.dvhs, markers: DVHPlot.markers(for: report.evaluation)).svg
        return CaseQAResult(dvh: dvhJSON, check: report.json, html: report.html, svg: svg, overall: report.evaluation.overall, report: report)
    }
}
