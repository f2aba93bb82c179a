import Foundation

/// A comparison of a metric value with a threshold, as written in a protocol: `<= 54 Gy`,
/// `>= 95%`, `< 30 %`, `<= 10 cc`. `≤` and `≥` are accepted too; cGy is converted to Gy.
public struct Limit: Sendable, Hashable, CustomStringConvertible {
    public enum Comparison: String, Sendable {
        case lessOrEqual = "<="
        case less = "<"
        case greaterOrEqual = ">="
        case greater = ">"

        /// True for `<` and `<=`: the metric must stay below the threshold.
        public var isUpper: Bool { self == .less || self == .lessOrEqual }
    }

    /// What the threshold is measured in.
    public enum Unit: String, Sendable {
        /// Dose in Gy.
        case gy = "Gy"
        /// For a dose metric: percent of the prescription dose. For a volume metric: percent of the
        /// structure's volume.
        case percent = "%"
        /// Volume in cm³.
        case cc = "cc"
    }

    public var comparison: Comparison
    public var value: Double
    public var unit: Unit
    /// The text as written in the file.
    public var text: String

    public init(_ comparison: Comparison, _ value: Double, _ unit: Unit, text: String? = nil) {
        self.comparison = comparison
        self.value = value
        self.unit = unit
        self.text = text ?? "\(comparison.rawValue) \(ConstraintMetric.format(value)) \(unit.rawValue)"
    }

    /// Canonical spelling: `<= 54 Gy`, `>= 95 %`.
    public var description: String { "\(comparison.rawValue) \(ConstraintMetric.format(value))\(unit == .percent ? "%" : " " + unit.rawValue)" }

    /// Whether `x` (in this limit's unit) satisfies the limit. Values within 1e-9 (relative) of the
    /// threshold count as equal, so that a value computed as 54.000000000001 Gy meets `<= 54 Gy`.
    public func isSatisfied(by x: Double) -> Bool {
        let tol = 1e-9 * max(1, abs(value))
        switch comparison {
        case .lessOrEqual: return x <= value + tol
        case .less: return x < value - tol
        case .greaterOrEqual: return x >= value - tol
        case .greater: return x > value + tol
        }
    }

    /// True when every value that meets `self` also meets `other` (self is at least as strict).
    public func isAtLeastAsStrict(as other: Limit) -> Bool {
        guard comparison.isUpper == other.comparison.isUpper, unit == other.unit else { return false }
        return comparison.isUpper ? value <= other.value : value >= other.value
    }

    /// Parses `OP NUMBER UNIT`; throws `QAError(.malformedProtocol)` with the reason.
    public static func parse(_ text: String) throws -> Limit {
        var s = Substring(text.trimmingCharacters(in: .whitespaces))
        let ops: [(String, Comparison)] = [("<=", .lessOrEqual), ("≤", .lessOrEqual), (">=", .greaterOrEqual), ("≥", .greaterOrEqual),
                                           ("<", .less), (">", .greater)]
        guard let (token, op) = ops.first(where: { s.hasPrefix($0.0) }) else {
            throw QAError(.malformedProtocol, "'\(text)' needs a comparison first: <=, <, >= or > (for example '<= 54 Gy')")
        }
        s = s.dropFirst(token.count)
        let body = s.replacingOccurrences(of: " ", with: "").lowercased()
        var unitText = ""
        var number = Substring(body)
        for u in ["cgy", "gy", "%", "cc", "cm3"] where number.hasSuffix(u) {
            unitText = u
            number = number.dropLast(u.count)
            break
        }
        guard let v = Double(number), v.isFinite, v >= 0 else {
            throw QAError(.malformedProtocol, "'\(text)': the threshold is not a number")
        }
        switch unitText {
        case "gy": return Limit(op, v, .gy, text: text)
        case "cgy": return Limit(op, v / 100, .gy, text: text)
        case "%": return Limit(op, v, .percent, text: text)
        case "cc", "cm3": return Limit(op, v, .cc, text: text)
        default: throw QAError(.malformedProtocol, "'\(text)' needs a unit: Gy, cGy, % or cc")
        }
    }
}

/// An age band in years, as written in a protocol: `< 18`, `>= 2`, `>= 2 and < 6` (also `2-6`,
/// meaning 2 <= age < 6, the way paediatric protocols write bands that meet without overlap).
public struct AgeBand: Sendable, Hashable, CustomStringConvertible {
    /// The comparisons that together make the band, in years.
    public var bounds: [(Limit.Comparison, Double)] { storage.map { ($0.op, $0.years) } }
    struct Bound: Sendable, Hashable { var op: Limit.Comparison; var years: Double }
    var storage: [Bound]
    /// The text as written in the file.
    public var text: String

    public var description: String { text }

    /// Whether a patient of this age (years) is in the band.
    public func contains(_ ageYears: Double) -> Bool {
        storage.allSatisfy { Limit($0.op, $0.years, .gy).isSatisfied(by: ageYears) }
    }

    public static func parse(_ text: String) throws -> AgeBand {
        let t = text.trimmingCharacters(in: .whitespaces)
        let range = t.replacingOccurrences(of: " ", with: "").split(separator: "-", omittingEmptySubsequences: false)
        if range.count == 2, let lo = Double(range[0]), let hi = Double(range[1]), lo < hi {
            return AgeBand(storage: [Bound(op: .greaterOrEqual, years: lo), Bound(op: .less, years: hi)], text: t)
        }
        var parts: [Bound] = []
        for p in t.lowercased().replacingOccurrences(of: ",", with: " and ").components(separatedBy: " and ") {
            let trimmed = p.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            // Reuse the limit grammar with years as its unit.
            let asLimit = trimmed.replacingOccurrences(of: "years", with: "").replacingOccurrences(of: "y", with: "") + " gy"
            guard let l = try? Limit.parse(asLimit) else {
                throw QAError(.malformedProtocol, "'\(text)' is not an age band: write '< 18', '>= 2 and < 6' or '2-6' (years)")
            }
            parts.append(Bound(op: l.comparison, years: l.value))
        }
        guard !parts.isEmpty else { throw QAError(.malformedProtocol, "the age band is empty") }
        return AgeBand(storage: parts, text: t)
    }

    public static func == (a: AgeBand, b: AgeBand) -> Bool { a.storage == b.storage }
    public func hash(into h: inout Hasher) { h.combine(storage) }
}
