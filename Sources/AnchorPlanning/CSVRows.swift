import Foundation

/// Typed access to the rows of a `CSVTable` by column name, every error pointing at the field.
struct CSVRows {
    let table: CSVTable
    private let columns: [String: Int]

    /// Checks the header: every required column present, nothing it does not know.
    init(_ table: CSVTable, required: [String], optional: [String] = []) throws {
        self.table = table
        var columns: [String: Int] = [:]
        for (i, name) in table.header.enumerated() {
            guard required.contains(name) || optional.contains(name) else {
                throw PlanningError(.badHeader, "unknown column \"\(name)\"; the columns of this file are \((required + optional).joined(separator: ", "))",
                                    file: table.file, line: 1, column: nil, field: i + 1, fieldName: name)
            }
            columns[name] = i
        }
        for name in required where columns[name] == nil {
            throw PlanningError(.badHeader, "the header lacks the column \"\(name)\" (required: \(required.joined(separator: ", ")))",
                                file: table.file, line: 1, column: 1)
        }
        self.columns = columns
    }

    var count: Int { table.rows.count }

    func line(_ row: Int) -> Int { table.rows[row].first?.line ?? 1 }

    func has(_ name: String) -> Bool { columns[name] != nil }

    /// The trimmed text of a field; empty when the column is absent.
    func text(_ row: Int, _ name: String) -> String {
        guard let c = columns[name] else { return "" }
        return table.rows[row][c].text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func error(_ row: Int, _ name: String, _ message: String) -> PlanningError {
        error(row, name, .invalidValue, message)
    }

    func error(_ row: Int, _ name: String, _ code: PlanningError.Code, _ message: String) -> PlanningError {
        guard let c = columns[name] else {
            return PlanningError(code, message, file: table.file, line: line(row))
        }
        let f = table.rows[row][c]
        return PlanningError(code, message, file: table.file, line: f.line, column: f.column, field: c + 1, fieldName: name)
    }

    /// A required, non-empty text field.
    func requiredText(_ row: Int, _ name: String, what: String? = nil) throws -> String {
        let t = text(row, name)
        guard !t.isEmpty else { throw error(row, name, "is empty; \(what ?? "a value is required")") }
        return t
    }

    /// A number within `domain`; nil when the field is empty and not required.
    func number(_ row: Int, _ name: String, required: Bool, domain: ValueDomain) throws -> Double? {
        let t = text(row, name)
        if t.isEmpty {
            if required { throw error(row, name, "is empty; a number is required") }
            return nil
        }
        if t.hasSuffix("%") {
            throw error(row, name, "\"\(t)\" is a percentage; write shares as fractions (0.369 for 36.9%)")
        }
        guard let v = Double(t), v.isFinite else {
            throw error(row, name, "\"\(t)\" is not a number")
        }
        if let problem = domain.problem(v) { throw error(row, name, "\(t) \(problem)") }
        return v
    }

    func status(_ row: Int, _ name: String = "status") throws -> ParameterStatus {
        let t = text(row, name)
        guard let s = ParameterStatus(text: t) else {
            throw error(row, name, "\"\(t)\" is not a status; use sourced, UNVERIFIED or ASSUMPTION")
        }
        return s
    }

    func source(_ row: Int, _ name: String = "source") throws -> String {
        try requiredText(row, name, what: "say where the value comes from (a citation, or a rationale with status ASSUMPTION)")
    }

    func band(_ row: Int, _ name: String = "age_band") throws -> AgeBand {
        let t = try requiredText(row, name)
        guard let b = AgeBand(text: t) else {
            throw error(row, name, "\"\(t)\" is not an age band; write first-last in whole years, both included (0-14, 15-19)")
        }
        return b
    }

    /// A value with its optional `low` and `high` columns: the range must hold the value.
    func ranged(_ row: Int, value name: String, domain: ValueDomain) throws -> (value: Double, low: Double, high: Double) {
        let v = try number(row, name, required: true, domain: domain)!
        let lo = try number(row, "low", required: false, domain: domain) ?? v
        let hi = try number(row, "high", required: false, domain: domain) ?? v
        if lo > v { throw error(row, "low", "\(Parameter.format(lo)) is above the value \(Parameter.format(v)); the range must hold the value") }
        if hi < v { throw error(row, "high", "\(Parameter.format(hi)) is below the value \(Parameter.format(v)); the range must hold the value") }
        return (v, lo, hi)
    }
}

/// The values a number may take.
struct ValueDomain: Sendable {
    var minimum: Double
    var maximum: Double
    var minimumIncluded: Bool
    var what: String

    static let share = ValueDomain(minimum: 0, maximum: 1, minimumIncluded: true, what: "a share from 0 to 1")
    static let positiveShare = ValueDomain(minimum: 0, maximum: 1, minimumIncluded: false, what: "a share above 0 and at most 1")
    static let count = ValueDomain(minimum: 0, maximum: 1e12, minimumIncluded: true, what: "a count of 0 or more")
    static let positive = ValueDomain(minimum: 0, maximum: 1e12, minimumIncluded: false, what: "a number above 0")
    static func positive(atMost m: Double, _ what: String) -> ValueDomain { ValueDomain(minimum: 0, maximum: m, minimumIncluded: false, what: what) }
    static func nonNegative(atMost m: Double, _ what: String) -> ValueDomain { ValueDomain(minimum: 0, maximum: m, minimumIncluded: true, what: what) }

    func problem(_ v: Double) -> String? {
        let below = minimumIncluded ? v < minimum : v <= minimum
        return below || v > maximum ? "is outside its domain: expected \(what)" : nil
    }
}
