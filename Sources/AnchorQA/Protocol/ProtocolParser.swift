import Foundation
import Yams

/// Reads protocol files. The format (YAML 1.1 through libyaml, via Yams):
///
/// ```yaml
/// id: example-posterior-fossa        # lowercase letters, digits and hyphens
/// name: Example posterior fossa protocol
/// version: "1.0"
/// source: "citation of the protocol or paper"
/// kind: protocol                      # or constraint_set (missing organs do not count against the plan)
/// prescription_gy: 54                 # optional; needed by percent-of-prescription limits
/// fractions: 30                       # optional
/// prescriptions:                      # optional: per target, Gy (percent limits refer to their target's)
///   PTV_High: 54
///   PTV_Low: 36
/// dose_per_fraction_gy: 2             # optional (default 2): the fractionation the dose limits assume
/// age_years: "< 18"                   # optional: the ages the protocol is for
/// derived_structures:                 # optional: used when the case has no structure of that name
///   Lungs: "Lung_L | Lung_R"          # union; '&' intersection; ' - ' subtraction (left to right)
///   Brain-PTV: "Brain - PTV"
/// notes: "scope and caveats"          # optional
/// indications: [Wilms tumour, flank]  # optional: what the set is for (listed by `anchor protocols`)
/// constraints:
///   - structure: Brainstem            # TG-263 name
///     aliases: [Brain Stem, BS]       # optional
///     metric: D0.03cc                 # see ConstraintMetric
///     per_protocol: "<= 54 Gy"        # see Limit
///     acceptable: "<= 56 Gy"          # optional; beyond it: unacceptable variation
///     age_years: "< 18"               # optional; see AgeBand
///     source: "citation"              # optional but expected in the library
///     note: "caveat"                  # optional
///     optional: false                 # optional
///     locator: "Abstract (Results)"   # optional: where in the source the number is
///     confidence: high                # optional: how sure the reading of the source is
///     objective: true                 # optional: exceeding per_protocol is an acceptable variation,
///                                     # never unacceptable (an ALARA objective, not a limit)
///     prescription: PTV_Low           # optional: the target whose prescription '%' limits refer to
///     alpha_beta_gy: 3                # optional: α/β for EQD2 (default 10 Gy targets, 3 Gy organs)
/// ```
///
/// Unknown fields are errors (a misspelt `per_protcol` would otherwise silently drop a limit). Every
/// error names the file, the line and column of the offending node, and the field.
public enum ProtocolParser {
    static let topLevelFields: Set<String> = ["id", "name", "version", "source", "kind", "prescription_gy", "fractions", "notes", "constraints",
                                              "indications", "prescriptions", "dose_per_fraction_gy", "age_years", "derived_structures"]
    static let constraintFields: Set<String> = ["structure", "aliases", "metric", "per_protocol", "acceptable", "age_years", "source", "note", "optional",
                                                "locator", "confidence", "objective", "prescription", "alpha_beta_gy"]

    /// Reads and parses a file.
    public static func load(path: String) throws -> TreatmentProtocol {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw QAError(.unreadableProtocol, "cannot read the protocol file: \(error.localizedDescription)", file: path)
        }
        return try parse(yaml: text, file: path)
    }

    /// Parses YAML text; `file` is used in errors and kept in the result.
    public static func parse(yaml: String, file: String? = nil) throws -> TreatmentProtocol {
        let root: Node
        do {
            guard let n = try Yams.compose(yaml: yaml) else {
                throw QAError(.malformedProtocol, "the file is empty", file: file, line: 1)
            }
            root = n
        } catch let e as YamlError {
            throw yamlError(e, file: file)
        }
        let ctx = Context(file: file)
        let top = try ctx.mapping(root, field: "(document)", what: "the protocol")
        try ctx.rejectUnknown(top, allowed: topLevelFields, scope: "the protocol")

        let id = try ctx.requiredString(top, "id", in: root)
        guard id.range(of: "^[a-z0-9]+(-[a-z0-9]+)*$", options: .regularExpression) != nil else {
            throw ctx.error(top["id"]!, field: "id", "'\(id)' is not a valid id: use lowercase letters, digits and single hyphens")
        }
        let name = try ctx.requiredString(top, "name", in: root)
        let version = try ctx.requiredString(top, "version", in: root)
        let source = try ctx.requiredString(top, "source", in: root)
        var kind = TreatmentProtocol.Kind.protocol
        if let k = top["kind"] {
            let s = try ctx.string(k, field: "kind")
            guard let parsed = TreatmentProtocol.Kind(rawValue: s) else {
                throw ctx.error(k, field: "kind", "'\(s)' is not a kind: use 'protocol' or 'constraint_set'")
            }
            kind = parsed
        }
        let prescription = try top["prescription_gy"].map { try ctx.positiveNumber($0, field: "prescription_gy") }
        let fractions = try top["fractions"].map { n -> Int in
            guard let i = n.int, i > 0 else { throw ctx.error(n, field: "fractions", "'\(n.string ?? "")' is not a positive whole number") }
            return i
        }
        let notes = try top["notes"].map { try ctx.string($0, field: "notes") }

        guard let list = top["constraints"] else {
            throw ctx.error(root, field: "constraints", "the protocol has no 'constraints' list")
        }
        guard case .sequence(let seq) = list else {
            throw ctx.error(list, field: "constraints", "'constraints' must be a list (each item starting with '- structure:')")
        }
        guard !seq.isEmpty else { throw ctx.error(list, field: "constraints", "the constraints list is empty") }
        var constraints: [Constraint] = []
        for (n, item) in seq.enumerated() {
            constraints.append(try parseConstraint(item, index: n + 1, kind: kind, ctx: ctx))
        }
        var p = TreatmentProtocol(id: id, name: name, version: version, source: source, kind: kind,
                                  prescriptionGy: prescription, fractions: fractions, notes: notes,
                                  constraints: constraints, file: file)
        if let node = top["prescriptions"] {
            let m = try ctx.mapping(node, field: "prescriptions", what: "'prescriptions'")
            for (k, v) in m {
                let target = try ctx.string(k, field: "prescriptions")
                let text = try ctx.string(v, field: "prescriptions", scope: "prescription of \(target)")
                let number = text.lowercased().replacingOccurrences(of: "gy", with: "").trimmingCharacters(in: .whitespaces)
                guard let g = Double(number), g.isFinite, g > 0 else {
                    throw ctx.error(v, field: "prescriptions", "prescription of \(target): '\(text)' is not a positive dose in Gy")
                }
                p.targetPrescriptions.append(TargetPrescription(target: target, doseGy: g))
            }
        }
        if let node = top["dose_per_fraction_gy"] {
            p.dosePerFractionGy = try ctx.positiveNumber(node, field: "dose_per_fraction_gy")
            p.dosePerFractionStated = true
        }
        if let a = top["age_years"] {
            let text = try ctx.string(a, field: "age_years")
            do { p.ageBand = try AgeBand.parse(text) }
            catch let e as QAError { throw ctx.error(a, field: "age_years", e.message) }
        }
        if let node = top["derived_structures"] {
            let m = try ctx.mapping(node, field: "derived_structures", what: "'derived_structures'")
            for (k, v) in m {
                let name = try ctx.string(k, field: "derived_structures")
                let text = try ctx.string(v, field: "derived_structures", scope: "derived structure \(name)")
                do { p.derivedStructures.append(try DerivedStructure.parse(name: name, expression: text)) }
                catch let e as QAError { throw ctx.error(v, field: "derived_structures", "derived structure \(name): \(e.message)") }
            }
        }
        let targets = Set(p.targetPrescriptions.map(\.target))
        for (n, c) in p.constraints.enumerated() {
            if let t = c.prescriptionTarget, !targets.contains(t), case .sequence(let items) = list, n < items.count {
                throw ctx.error(items[n], field: "prescription", "constraint \(n + 1) (\(c.structure)): '\(t)' is not among the protocol's prescriptions (\(targets.sorted().joined(separator: ", ")))")
            }
        }
        p.indications = try parseIndications(top["indications"], ctx: ctx)
        return p
    }

    static func parseConstraint(_ node: Node, index: Int, kind: TreatmentProtocol.Kind, ctx: Context) throws -> Constraint {
        let label = "constraint \(index)"
        let m = try ctx.mapping(node, field: "constraints", what: label)
        let structure = try ctx.requiredString(m, "structure", in: node, scope: label)
        let scope = "\(label) (\(structure))"
        try ctx.rejectUnknown(m, allowed: constraintFields, scope: scope)

        var aliases: [String] = []
        if let a = m["aliases"] {
            switch a {
            case .sequence(let s): aliases = try s.map { try ctx.string($0, field: "aliases", scope: scope) }
            case .scalar: aliases = [try ctx.string(a, field: "aliases", scope: scope)]
            case .mapping: throw ctx.error(a, field: "aliases", "\(scope): 'aliases' must be a list of names")
            }
        }
        let metricNode = m["metric"]
        guard let metricNode else { throw ctx.error(node, field: "metric", "\(scope) has no 'metric'") }
        let metricText = try ctx.string(metricNode, field: "metric", scope: scope)
        let metric: ConstraintMetric
        do { metric = try ConstraintMetric.parse(metricText) }
        catch let e as QAError { throw ctx.error(metricNode, field: "metric", "\(scope): \(e.message)") }

        func limit(_ key: String) throws -> Limit? {
            guard let n = m[key] else { return nil }
            let text = try ctx.string(n, field: key, scope: scope)
            let l: Limit
            do { l = try Limit.parse(text) }
            catch let e as QAError { throw ctx.error(n, field: key, "\(scope): \(e.message)") }
            if metric.isDose && l.unit == .cc {
                throw ctx.error(n, field: key, "\(scope): \(metric) is a dose, so its limit is in Gy or % of the prescription, not cc")
            }
            if !metric.isDose && l.unit == .gy {
                throw ctx.error(n, field: key, "\(scope): \(metric) is a volume, so its limit is in cc or % of the structure, not Gy")
            }
            return l
        }
        guard let perProtocol = try limit("per_protocol") else {
            throw ctx.error(node, field: "per_protocol", "\(scope) has no 'per_protocol' limit")
        }
        let acceptable = try limit("acceptable")
        if let acc = acceptable, let n = m["acceptable"] {
            guard acc.comparison.isUpper == perProtocol.comparison.isUpper, acc.unit == perProtocol.unit else {
                throw ctx.error(n, field: "acceptable", "\(scope): '\(acc.text)' must bound the same side and use the same unit as per_protocol '\(perProtocol.text)'")
            }
            guard perProtocol.isAtLeastAsStrict(as: acc) else {
                throw ctx.error(n, field: "acceptable", "\(scope): '\(acc.text)' is stricter than per_protocol '\(perProtocol.text)'; the acceptable band must be the wider one")
            }
        }
        var ageBand: AgeBand?
        if let a = m["age_years"] {
            let text = try ctx.string(a, field: "age_years", scope: scope)
            do { ageBand = try AgeBand.parse(text) }
            catch let e as QAError { throw ctx.error(a, field: "age_years", "\(scope): \(e.message)") }
        }
        let source = try m["source"].map { try ctx.string($0, field: "source", scope: scope) }
        let note = try m["note"].map { try ctx.string($0, field: "note", scope: scope) }
        var optional = kind == .constraintSet
        if let o = m["optional"] {
            guard let b = o.bool else { throw ctx.error(o, field: "optional", "\(scope): 'optional' must be true or false") }
            optional = b
        }
        var c = Constraint(structure: structure, aliases: aliases, metric: metric, perProtocol: perProtocol,
                           acceptable: acceptable, ageBand: ageBand, source: source, note: note,
                           optional: optional, line: node.mark?.line)
        c.prescriptionTarget = try m["prescription"].map { try ctx.string($0, field: "prescription", scope: scope) }
        c.alphaBetaGy = try m["alpha_beta_gy"].map { try ctx.positiveNumber($0, field: "alpha_beta_gy") }
        try parseProvenance(m, into: &c, scope: scope, ctx: ctx)
        return c
    }

    static func yamlError(_ e: YamlError, file: String?) -> QAError {
        switch e {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let what = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
            return QAError(.invalidYAML, "not valid YAML: \(what)", file: file, line: mark.line, column: mark.column)
        default:
            return QAError(.invalidYAML, "not valid YAML: \(e)", file: file)
        }
    }

    /// Helpers that turn a node of the wrong shape into an error at its mark.
    struct Context {
        var file: String?

        func error(_ node: Node, field: String, _ message: String) -> QAError {
            QAError(.malformedProtocol, message, file: file, line: node.mark?.line, column: node.mark?.column, field: field)
        }

        func mapping(_ node: Node, field: String, what: String) throws -> Node.Mapping {
            guard case .mapping(let m) = node else {
                throw error(node, field: field, "\(what) must be a mapping of 'field: value' lines")
            }
            return m
        }

        func string(_ node: Node, field: String, scope: String? = nil) throws -> String {
            guard case .scalar(let s) = node else {
                throw error(node, field: field, (scope.map { "\($0): " } ?? "") + "'\(field)' must be a single value, not a list or mapping")
            }
            let v = s.string.trimmingCharacters(in: .whitespaces)
            guard !v.isEmpty else { throw error(node, field: field, (scope.map { "\($0): " } ?? "") + "'\(field)' is empty") }
            return v
        }

        func requiredString(_ m: Node.Mapping, _ key: String, in parent: Node, scope: String = "the protocol") throws -> String {
            guard let n = m[key] else { throw error(parent, field: key, "\(scope) has no '\(key)'") }
            return try string(n, field: key, scope: scope == "the protocol" ? nil : scope)
        }

        func positiveNumber(_ node: Node, field: String) throws -> Double {
            guard case .scalar = node, let v = node.float, v.isFinite, v > 0 else {
                throw error(node, field: field, "'\(node.string ?? "")' is not a positive number")
            }
            return v
        }

        func rejectUnknown(_ m: Node.Mapping, allowed: Set<String>, scope: String) throws {
            for (k, _) in m {
                let key = k.string ?? ""
                if !allowed.contains(key) {
                    throw error(k, field: key, "\(scope): unknown field '\(key)'; known fields: \(allowed.sorted().joined(separator: ", "))")
                }
            }
        }
    }
}
