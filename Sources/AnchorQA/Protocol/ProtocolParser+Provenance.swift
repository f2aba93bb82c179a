import Foundation
import Yams

/// The optional fields that say where a number comes from (`locator`, `confidence`), whether it is an
/// objective rather than a limit (`objective`), and what a set is for (`indications`).
extension ProtocolParser {
    /// `indications`: a list of short texts (or one text).
    static func parseIndications(_ node: Node?, ctx: Context) throws -> [String] {
        guard let node else { return [] }
        switch node {
        case .sequence(let s):
            let list = try s.map { try ctx.string($0, field: "indications") }
            guard !list.isEmpty else { throw ctx.error(node, field: "indications", "'indications' is an empty list") }
            return list
        case .scalar: return [try ctx.string(node, field: "indications")]
        case .mapping: throw ctx.error(node, field: "indications", "'indications' must be a list of texts")
        }
    }

    /// `locator`, `confidence` and `objective` of one constraint.
    static func parseProvenance(_ m: Node.Mapping, into c: inout Constraint, scope: String, ctx: Context) throws {
        c.locator = try m["locator"].map { try ctx.string($0, field: "locator", scope: scope) }
        c.confidence = try m["confidence"].map { try ctx.string($0, field: "confidence", scope: scope) }
        guard let o = m["objective"] else { return }
        guard let isObjective = o.bool else { throw ctx.error(o, field: "objective", "\(scope): 'objective' must be true or false") }
        guard isObjective else { return }
        if m["acceptable"] != nil {
            throw ctx.error(o, field: "objective", "\(scope): an objective has no 'acceptable' limit (exceeding it is always an acceptable variation); remove one of the two")
        }
        c.isObjective = true
        // Every value meets the acceptable band, so a value beyond per_protocol grades as an acceptable
        // variation and never as unacceptable.
        let unit = c.perProtocol.unit
        c.acceptable = c.perProtocol.comparison.isUpper
            ? Limit(.lessOrEqual, .greatestFiniteMagnitude, unit, text: "any: objective, not a limit")
            : Limit(.greaterOrEqual, 0, unit, text: "any: objective, not a limit")
    }
}
