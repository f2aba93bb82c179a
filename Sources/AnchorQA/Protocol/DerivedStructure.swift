import AnchorDosimetry
import Foundation

/// A structure a protocol defines from others, for clinics that do not draw it: `Lungs = Lung_L | Lung_R`
/// (union), `Brain-PTV = Brain - PTV` (subtraction), `A & B` (intersection). Operators apply left to
/// right; `-` must have a space on each side (names such as `Brain-PTV` keep their hyphen). Used only
/// when the case has no structure matching the name; computed on the sampling lattice
/// (`StructureExpression`) and labelled as derived in the report.
public struct DerivedStructure: Sendable, Equatable {
    public var name: String
    /// The definition as written.
    public var definition: String
    /// The structures it is made of, in the order of the expression's operand indices.
    public var operands: [String]
    public var expression: StructureExpression

    /// Parses a definition; throws `QAError(.malformedProtocol)` with the reason.
    public static func parse(name: String, expression text: String) throws -> DerivedStructure {
        var tokens: [String] = []   // names and operators, alternating
        var current = ""
        let chars = Array(text)
        var i = 0
        func flushName() throws {
            let n = current.trimmingCharacters(in: .whitespaces)
            guard !n.isEmpty else { throw QAError(.malformedProtocol, "'\(text)': an operator needs a structure name on each side") }
            tokens.append(n)
            current = ""
        }
        while i < chars.count {
            let c = chars[i]
            let spaced = i > 0 && chars[i - 1] == " " && i + 1 < chars.count && chars[i + 1] == " "
            if c == "|" || c == "&" || (c == "-" && spaced) {
                try flushName()
                tokens.append(String(c))
            } else {
                current.append(c)
            }
            i += 1
        }
        try flushName()
        guard tokens.count >= 3 else {
            throw QAError(.malformedProtocol, "'\(text)' combines no structures: write 'A | B' (union), 'A & B' (intersection) or 'A - B' (subtraction)")
        }
        var operands: [String] = []
        func operand(_ n: String) -> StructureExpression {
            if let k = operands.firstIndex(of: n) { return .operand(k) }
            operands.append(n)
            return .operand(operands.count - 1)
        }
        var e = operand(tokens[0])
        var k = 1
        while k + 1 < tokens.count {
            let rhs = operand(tokens[k + 1])
            switch tokens[k] {
            case "|": e = .union(e, rhs)
            case "&": e = .intersection(e, rhs)
            default: e = .subtraction(e, rhs)
            }
            k += 2
        }
        guard !operands.contains(name) else { throw QAError(.malformedProtocol, "'\(text)' uses the structure it defines, \(name)") }
        return DerivedStructure(name: name, definition: text, operands: operands, expression: e)
    }
}
