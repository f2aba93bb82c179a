import Foundation

/// A value of a scenario document (JSON, or YAML read by the caller into the same shapes).
public indirect enum ScenarioValue: Sendable, Equatable {
    case number(Double)
    case string(String)
    case bool(Bool)
    case array([ScenarioValue])
    case object([(String, ScenarioValue)])
    case null

    public static func == (a: ScenarioValue, b: ScenarioValue) -> Bool {
        switch (a, b) {
        case let (.number(x), .number(y)): x == y
        case let (.string(x), .string(y)): x == y
        case let (.bool(x), .bool(y)): x == y
        case let (.array(x), .array(y)): x == y
        case let (.object(x), .object(y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.null, .null): true
        default: false
        }
    }

    /// Converts what `JSONSerialization` or a YAML loader returns (dictionaries, arrays, strings,
    /// numbers, booleans, null). Object keys come out sorted, so messages are stable.
    public init(any: Any?) throws {
        guard let any, !(any is NSNull) else { self = .null; return }
        if let s = any as? String { self = .string(s); return }
        if let a = any as? [Any] { self = .array(try a.map { try ScenarioValue(any: $0) }); return }
        if let o = any as? [String: Any] { self = .object(try o.keys.sorted().map { ($0, try ScenarioValue(any: o[$0])) }); return }
        // A YAML loader gives Swift Bool, Int and Double; JSONSerialization gives NSNumber, whose
        // booleans say so by their type code "c" (and would otherwise pass for 0 and 1).
        if type(of: any) == Bool.self, let b = any as? Bool { self = .bool(b); return }
        if let i = any as? Int, type(of: any) == Int.self { self = .number(Double(i)); return }
        if let d = any as? Double, type(of: any) == Double.self { self = .number(d); return }
        if let n = any as? NSNumber {
            self = String(cString: n.objCType) == "c" ? .bool(n.boolValue) : .number(n.doubleValue)
            return
        }
        throw PlanningError(.invalidScenario, "unsupported value \(String(describing: any))")
    }
}

/// A what-if applied to the data and compared with the baseline: capacity added or removed, a share
/// under anaesthesia, fractions per course (hypofractionation), diagnosis completeness, referral of a
/// share of one country's courses to another's centre, or any parameter by name.
///
/// ```json
/// {"name": "Second linac in Khujand, hypofractionation",
///  "fractions_per_course": 15,
///  "ga_share": {"0-14": 0.10},
///  "diagnosis_completeness": {"TJK": 0.51},
///  "parameters": {"hours_per_day": 10},
///  "countries": {"TJK": {"add_linacs": 1, "staff": {"radiation_oncologists": 2}, "add_staff": {"rtts": 2}}},
///  "referrals": [{"from": "KGZ", "to": "KAZ", "share": 0.3}]}
/// ```
/// A value a scenario sets is taken as given: its range collapses to it and its status becomes
/// ASSUMPTION, with a source naming the scenario and the default it replaced.
public struct Scenario: Sendable {
    public var name: String
    public var description: String
    /// The file it was read from (for messages).
    public var file: String?
    public var referrals: [Referral] = []
    private var document: ScenarioValue

    static let topKeys = ["name", "description", "parameters", "fractions_per_course", "ga_share", "diagnosis_completeness", "countries", "referrals"]
    static let countryKeys = ["add_linacs", "mv_units", "paediatric_mv_units", "staff", "add_staff", "diagnosis_completeness"]

    /// Reads a scenario from JSON bytes.
    public static func parse(json: Data, file: String) throws -> Scenario {
        let any: Any
        do { any = try JSONSerialization.jsonObject(with: json, options: [.fragmentsAllowed]) }
        catch { throw PlanningError(.invalidScenario, "not valid JSON: \(error.localizedDescription)", file: file) }
        return try Scenario(value: try ScenarioValue(any: any), file: file)
    }

    /// Checks the document's shape (keys and value types); values are checked against the data by `apply`.
    public init(value: ScenarioValue, file: String?) throws {
        self.file = file
        self.document = value
        guard case .object(let top) = value else { throw PlanningError(.invalidScenario, "the scenario must be an object of keys", file: file) }
        for (k, _) in top where !Scenario.topKeys.contains(k) {
            throw PlanningError(.invalidScenario, "unknown key; the keys are \(Scenario.topKeys.joined(separator: ", "))", file: file, fieldName: k)
        }
        let fallback = file.map { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension } ?? "scenario"
        name = try Scenario.string(top, "name", file: file) ?? fallback
        description = try Scenario.string(top, "description", file: file) ?? ""
        if let r = top.first(where: { $0.0 == "referrals" })?.1 {
            guard case .array(let items) = r else { throw PlanningError(.invalidScenario, "must be a list of {from, to, share}", file: file, fieldName: "referrals") }
            for (i, item) in items.enumerated() {
                let path = "referrals[\(i)]"
                guard case .object(let o) = item else { throw PlanningError(.invalidScenario, "must be {from, to, share}", file: file, fieldName: path) }
                for (k, _) in o where !["from", "to", "share"].contains(k) {
                    throw PlanningError(.invalidScenario, "unknown key; a referral has from, to, share", file: file, fieldName: "\(path).\(k)")
                }
                guard let from = try Scenario.string(o, "from", file: file, path: path), let to = try Scenario.string(o, "to", file: file, path: path) else {
                    throw PlanningError(.invalidScenario, "needs from and to (ISO3 codes)", file: file, fieldName: path)
                }
                guard let share = try Scenario.number(o, "share", file: file, path: path) else {
                    throw PlanningError(.invalidScenario, "needs a share (0 to 1 of the sending country's courses)", file: file, fieldName: path)
                }
                guard share > 0, share <= 1 else { throw PlanningError(.invalidScenario, "\(share) is not a share above 0 and at most 1", file: file, fieldName: "\(path).share") }
                guard from.uppercased() != to.uppercased() else { throw PlanningError(.invalidScenario, "a country cannot refer to itself", file: file, fieldName: path) }
                referrals.append(Referral(from: from.uppercased(), to: to.uppercased(), share: share))
            }
        }
    }

    static func string(_ o: [(String, ScenarioValue)], _ key: String, file: String?, path: String? = nil) throws -> String? {
        guard let v = o.first(where: { $0.0 == key })?.1 else { return nil }
        guard case .string(let s) = v else { throw PlanningError(.invalidScenario, "must be text", file: file, fieldName: path.map { "\($0).\(key)" } ?? key) }
        return s
    }

    static func number(_ o: [(String, ScenarioValue)], _ key: String, file: String?, path: String? = nil) throws -> Double? {
        guard let v = o.first(where: { $0.0 == key })?.1 else { return nil }
        guard case .number(let n) = v, n.isFinite else { throw PlanningError(.invalidScenario, "must be a number", file: file, fieldName: path.map { "\($0).\(key)" } ?? key) }
        return n
    }

    /// The data with the scenario's changes made, and the changes in words.
    public func apply(to base: PlanningData) throws -> (data: PlanningData, changes: [String]) {
        var data = base
        var changes: [String] = []
        guard case .object(let top) = document else { return (data, changes) }
        let scenarioName = name
        func fail(_ path: String, _ message: String) -> PlanningError {
            PlanningError(.invalidScenario, message, file: file, fieldName: path)
        }
        func check(_ v: Double, _ domain: ValueDomain, _ path: String) throws {
            if let problem = domain.problem(v) { throw fail(path, "\(Parameter.format(v)) \(problem)") }
        }
        /// Sets an existing parameter.
        func set(_ pname: String, _ v: Double, _ path: String, _ domain: ValueDomain) throws {
            guard let p = data.parameter(pname) else { throw fail(path, "no parameter \(pname) in the data") }
            try check(v, domain, path)
            data.replace(p.setByScenario(v, scenario: scenarioName))
            changes.append("\(pname): \(Parameter.format(p.value)) → \(Parameter.format(v))")
        }
        /// Adds a parameter the data did not have (a staff count, a country's own completeness).
        func create(_ p: Parameter, was: String, _ path: String, _ domain: ValueDomain) throws {
            try check(p.value, domain, path)
            data.replace(p)
            changes.append("\(p.name): \(was) → \(Parameter.format(p.value))")
        }
        func numbers(_ value: ScenarioValue, path: String) throws -> [(String?, Double)] {
            switch value {
            case .number(let n): return [(nil, n)]
            case .object(let o):
                return try o.map { k, v in
                    guard case .number(let n) = v else { throw fail("\(path).\(k)", "must be a number") }
                    return (k, n)
                }
            default: throw fail(path, "must be a number, or an object of numbers by key")
            }
        }
        func number(_ v: ScenarioValue, _ path: String) throws -> Double {
            guard case .number(let n) = v, n.isFinite else { throw fail(path, "must be a number") }
            return n
        }
        func setCompleteness(_ c: CountryFacts, _ n: Double, _ path: String) throws {
            if let pname = data.completeness[c.iso3] { return try set(pname, n, path, .positiveShare) }
            let pname = "diagnosis_completeness[\(c.iso3)]"
            let global = data.parameter("diagnosis_completeness")!
            try create(Parameter(name: pname, symbol: "k_dx[c]", label: "\(c.name): share of cases diagnosed", value: n, unit: "share",
                                 status: .assumption, source: "set by scenario \"\(scenarioName)\" (default \(Parameter.format(global.value)) for every country)"),
                       was: Parameter.format(global.value), path, .positiveShare)
            data.completeness[c.iso3] = pname
        }
        func applyCountry(_ c: CountryFacts, _ co: [(String, ScenarioValue)], path: String) throws {
            for (k, v) in co {
                let kp = "\(path).\(k)"
                switch k {
                case "mv_units": try set(c.mvUnitsParameter, try number(v, kp), kp, .count)
                case "add_linacs":
                    let n = try number(v, kp)
                    let mv = data.value(c.mvUnitsParameter)!
                    guard mv + n >= 0 else { throw fail(kp, "removes \(Parameter.format(-n)) of \(Parameter.format(mv)) MV units") }
                    try set(c.mvUnitsParameter, mv + n, kp, .count)
                    if let p = c.paediatricMVUnitsParameter {
                        let pv = data.value(p)!
                        guard pv + n >= 0 else { throw fail(kp, "removes \(Parameter.format(-n)) of \(Parameter.format(pv)) paediatric MV units") }
                        try set(p, pv + n, kp, .count)
                    }
                case "paediatric_mv_units":
                    let n = try number(v, kp)
                    if let p = c.paediatricMVUnitsParameter { try set(p, n, kp, .count) }
                    else {
                        let pname = "paediatric_mv_units[\(c.iso3)]"
                        try create(Parameter(name: pname, label: "\(c.name): MV units at centres that treat children", value: n, unit: "units",
                                             status: .assumption, source: "set by scenario \"\(scenarioName)\" (not in the data)"), was: "unknown", kp, .count)
                        data.setPaediatricUnits(c.iso3, pname)
                    }
                case "staff", "add_staff":
                    guard case .object(let roles) = v else { throw fail(kp, "must be an object of staff roles and numbers") }
                    for (r, rv) in roles {
                        let rp = "\(kp).\(r)"
                        guard let role = StaffRole(rawValue: r) else {
                            throw fail(rp, "unknown role; the roles are \(StaffRole.allCases.map(\.rawValue).joined(separator: ", "))")
                        }
                        let n = try number(rv, rp)
                        let current = c.staffParameters[role].flatMap { data.value($0) }
                        var target = n
                        if k == "add_staff" {
                            guard let cur = current else {
                                throw fail(rp, "\(c.iso3) has no count of \(role.label) in countries.csv to add to; set one with \"staff\"")
                            }
                            target = cur + n
                            guard target >= 0 else { throw fail(rp, "removes \(Parameter.format(-n)) of \(Parameter.format(cur))") }
                        }
                        if let p = c.staffParameters[role] { try set(p, target, rp, .count) }
                        else {
                            let pname = "\(role.rawValue)[\(c.iso3)]"
                            try create(Parameter(name: pname, label: "\(c.name): \(role.label) (full-time equivalents for children)", value: target,
                                                 unit: "FTE", status: .assumption, source: "set by scenario \"\(scenarioName)\" (not in the data)"),
                                       was: "unknown", rp, .count)
                            data.setStaff(c.iso3, role, pname)
                        }
                    }
                case "diagnosis_completeness": try setCompleteness(c, try number(v, kp), kp)
                default: throw fail(kp, "unknown key; a country's changes are \(Scenario.countryKeys.joined(separator: ", "))")
                }
            }
        }

        // General changes first, then each country's own, so the more specific value wins.
        for key in Scenario.topKeys {
            guard let value = top.first(where: { $0.0 == key })?.1 else { continue }
            switch key {
            case "parameters":
                guard case .object(let o) = value else { throw fail(key, "must be an object of parameter names and values") }
                for (pname, v) in o {
                    let path = "parameters.\(pname)"
                    try set(pname, try number(v, path), path, PlanningData.domain(of: pname))
                }
            case "fractions_per_course":
                for (g, n) in try numbers(value, path: key) {
                    for group in g.map({ [$0] }) ?? data.groups {
                        guard let pname = data.fractionation[group] else { throw fail("\(key).\(group)", "no group \(group) in fractionation.csv") }
                        try set(pname, n, g.map { "\(key).\($0)" } ?? key, .positive(atMost: 100, "a number above 0, at most 100"))
                    }
                }
            case "ga_share":
                for (b, n) in try numbers(value, path: key) {
                    var entries = data.anaesthesia
                    if let b {
                        guard let band = AgeBand(text: b), let e = data.anaesthesia.first(where: { $0.band == band }) else {
                            throw fail("\(key).\(b)", "no age band \(b) in anaesthesia.csv (bands: \(data.anaesthesia.map(\.band.description).joined(separator: ", ")))")
                        }
                        entries = [e]
                    }
                    for e in entries { try set(e.parameter, n, b.map { "\(key).\($0)" } ?? key, .share) }
                }
            case "diagnosis_completeness":
                for (iso, n) in try numbers(value, path: key) {
                    if let iso {
                        guard let c = data.country(iso) else { throw fail("\(key).\(iso)", "no country \(iso) in countries.csv") }
                        try setCompleteness(c, n, "\(key).\(iso)")
                    } else {
                        try set("diagnosis_completeness", n, key, .positiveShare)
                        for pname in data.completeness.values.sorted() { try set(pname, n, key, .positiveShare) }
                    }
                }
            case "countries":
                guard case .object(let o) = value else { throw fail(key, "must be an object keyed by ISO3 code") }
                for (iso, change) in o {
                    let path = "countries.\(iso)"
                    guard let c = data.country(iso) else { throw fail(path, "no country \(iso) in countries.csv") }
                    guard case .object(let co) = change else { throw fail(path, "must be an object of changes") }
                    try applyCountry(c, co, path: path)
                }
            default: break
            }
        }
        var out: [String: Double] = [:]
        for (i, r) in referrals.enumerated() {
            guard data.country(r.from) != nil else { throw fail("referrals[\(i)].from", "no country \(r.from) in countries.csv") }
            guard data.country(r.to) != nil else { throw fail("referrals[\(i)].to", "no country \(r.to) in countries.csv") }
            out[r.from, default: 0] += r.share
            changes.append("\(r.from) refers \(Parameter.format((r.share * 1000).rounded() / 10))% of its courses to \(r.to)")
        }
        if let (iso, total) = out.first(where: { $0.value > 1 + 1e-12 }) {
            throw fail("referrals", "\(iso) refers \(Parameter.format(total * 100))% of its courses in all; at most 100%")
        }
        return (data, changes)
    }
}

extension PlanningData {
    mutating func setStaff(_ iso3: String, _ role: StaffRole, _ parameter: String) {
        if let i = countries.firstIndex(where: { $0.iso3 == iso3 }) { countries[i].staffParameters[role] = parameter }
    }

    mutating func setPaediatricUnits(_ iso3: String, _ parameter: String) {
        if let i = countries.firstIndex(where: { $0.iso3 == iso3 }) { countries[i].paediatricMVUnitsParameter = parameter }
    }
}
