import Foundation

/// The staff roles the model counts.
public enum StaffRole: String, Sendable, CaseIterable {
    case radiationOncologists = "radiation_oncologists"
    case physicists
    case rtts
    case anaesthesiaTeams = "anaesthesia_teams"

    public var label: String {
        switch self {
        case .radiationOncologists: "radiation oncologists"
        case .physicists: "medical physicists"
        case .rtts: "RTTs"
        case .anaesthesiaTeams: "anaesthesia teams"
        }
    }
}

/// A country's facts: the names of its parameters (population, MV units, capacity counts).
public struct CountryFacts: Sendable {
    public var iso3: String
    public var name: String
    /// `population[ISO3]`: total population, all ages.
    public var populationParameter: String
    /// `mv_units[ISO3]`: megavoltage units (linacs and cobalt), all ages.
    public var mvUnitsParameter: String
    /// `paediatric_mv_units[ISO3]`, when the country's file gives the units at centres that treat children.
    public var paediatricMVUnitsParameter: String?
    /// `radiation_oncologists[ISO3]` and so on, for the staff counts the file gives.
    public var staffParameters: [StaffRole: String]
    var line: Int
}

/// A population age band of a country: persons, or a share of the country's population.
public struct PopulationBand: Sendable {
    public var iso3: String
    public var band: AgeBand
    public var parameter: String
    /// True when the parameter is a share of the total population, false when it counts persons.
    public var isShare: Bool
    var line: Int
}

/// A row keyed by a diagnostic group and an age band (incidence).
public struct GroupBandEntry: Sendable {
    public var group: String
    public var band: AgeBand
    public var parameter: String
    var line: Int
}

/// A row keyed by an age band (share under anaesthesia).
public struct BandEntry: Sendable {
    public var band: AgeBand
    public var parameter: String
    var line: Int
}

/// Where a data file was read from.
public struct DataFileOrigin: Sendable, Equatable {
    public var file: String
    /// The path read, or nil for the defaults shipped with Anchor.
    public var path: String?
}

/// The inputs of the planning model, read from replaceable CSV files (see `docs/service-planning.md`).
///
/// Every number is a `Parameter` with its range, status and source; the tables refer to parameters by
/// name, so the uncertainty analysis and scenarios change any input the same way.
public struct PlanningData: Sendable {
    /// Every input, in file order: scalars, then countries, population, incidence, utilisation,
    /// fractionation, anaesthesia, completeness.
    public private(set) var parameters: [Parameter] = []
    private var index: [String: Int] = [:]
    public internal(set) var countries: [CountryFacts] = []
    public internal(set) var population: [PopulationBand] = []
    public internal(set) var incidence: [GroupBandEntry] = []
    /// Diagnostic groups in the order incidence.csv first names them.
    public internal(set) var groups: [String] = []
    /// Group → parameter name of its radiotherapy share `u[g]`.
    public internal(set) var utilisation: [String: String] = [:]
    /// Group → parameter name of its fractions per course `F[g]`.
    public internal(set) var fractionation: [String: String] = [:]
    public internal(set) var anaesthesia: [BandEntry] = []
    /// ISO3 → parameter name of the country's own diagnosis completeness.
    public internal(set) var completeness: [String: String] = [:]
    public internal(set) var origins: [DataFileOrigin] = []

    /// The data files, in the order they are read.
    public static let fileNames = [
        "parameters.csv", "countries.csv", "population.csv", "incidence.csv", "utilisation.csv",
        "fractionation.csv", "anaesthesia.csv", "completeness.csv",
    ]

    init() {}

    public func parameter(_ name: String) -> Parameter? { index[name].map { parameters[$0] } }

    public func value(_ name: String) -> Double? { parameter(name)?.value }

    public func country(_ iso3: String) -> CountryFacts? { countries.first { $0.iso3 == iso3.uppercased() } }

    mutating func add(_ p: Parameter, file: String, line: Int) throws {
        if index[p.name] != nil {
            throw PlanningError(.duplicateRow, "\(p.name) is given twice", file: file, line: line)
        }
        index[p.name] = parameters.count
        parameters.append(p)
    }

    /// Replaces a parameter (scenarios).
    mutating func replace(_ p: Parameter) {
        if let i = index[p.name] { parameters[i] = p } else { index[p.name] = parameters.count; parameters.append(p) }
    }

    /// The values of every parameter by name.
    public var values: [String: Double] {
        var v: [String: Double] = [:]
        for p in parameters { v[p.name] = p.value }
        return v
    }

    // MARK: Scalar parameters

    struct ScalarSpec {
        var name: String
        var symbol: String
        var label: String
        var unit: String
        var domain: ValueDomain
    }

    /// The model's scalar parameters (SOURCES: the model's equations, `docs/service-planning.md`).
    static let scalarSpecs: [ScalarSpec] = [
        .init(name: "diagnosis_completeness", symbol: "k_dx", label: "share of cases diagnosed (every country without its own value)", unit: "share", domain: .positiveShare),
        .init(name: "retreatment_factor", symbol: "ρ", label: "re-treatment and palliative courses per first course", unit: "courses per course", domain: .nonNegative(atMost: 1, "0 to 1")),
        .init(name: "t_awake_min", symbol: "t_awake", label: "linac room time per fraction, child awake", unit: "min", domain: .positive(atMost: 240, "minutes above 0, at most 240")),
        .init(name: "t_ga_min", symbol: "t_GA", label: "linac room time per fraction under general anaesthesia", unit: "min", domain: .positive(atMost: 240, "minutes above 0, at most 240")),
        .init(name: "hours_per_day", symbol: "H", label: "linac operating hours per day", unit: "h", domain: .positive(atMost: 24, "hours above 0, at most 24")),
        .init(name: "days_per_year", symbol: "D", label: "linac operating days per year", unit: "days", domain: .positive(atMost: 366, "days above 0, at most 366")),
        .init(name: "usable_share", symbol: "η", label: "usable share of linac time (QA, maintenance, downtime taken out)", unit: "share", domain: .positiveShare),
        .init(name: "courses_per_linac", symbol: "C_linac", label: "courses per linac per year, adult norm (cross-check)", unit: "courses per year", domain: .positive),
        .init(name: "patients_per_ro", symbol: "RO_norm", label: "patients per radiation oncologist per year", unit: "patients per year", domain: .positive),
        .init(name: "patients_per_physicist", symbol: "MP_norm", label: "patients per medical physicist per year", unit: "patients per year", domain: .positive),
        .init(name: "rtts_per_linac_shift", symbol: "RTT_norm", label: "RTTs per linac per shift", unit: "RTTs", domain: .positive(atMost: 100, "a number above 0, at most 100")),
        .init(name: "shifts_per_day", symbol: "shifts", label: "shifts per linac per day", unit: "shifts", domain: .positive(atMost: 3, "a number above 0, at most 3")),
        .init(name: "ga_sessions_per_team_day", symbol: "", label: "GA sessions one anaesthesia team gives per day", unit: "sessions per day", domain: .positive(atMost: 100, "a number above 0, at most 100")),
        .init(name: "benchmark_population_per_mv_iaea", symbol: "B_pop", label: "population per MV unit, IAEA benchmark", unit: "persons", domain: .positive),
        .init(name: "benchmark_population_per_mv_quarts_high", symbol: "", label: "population per MV unit, national guidelines of high-resource countries (QUARTS)", unit: "persons", domain: .positive),
        .init(name: "benchmark_population_per_mv_quarts_medium", symbol: "", label: "population per MV unit, national guidelines of medium-resource countries (QUARTS)", unit: "persons", domain: .positive),
        .init(name: "benchmark_population_per_mv_quarts_low", symbol: "", label: "population per MV unit, national guidelines of low-resource countries (QUARTS)", unit: "persons", domain: .positive),
    ]

    /// The values a parameter may take, from its name (scenarios check what they set against it).
    static func domain(of name: String) -> ValueDomain {
        if let spec = scalarSpecs.first(where: { $0.name == name }) { return spec.domain }
        let prefix = name.split(separator: "[").first.map(String.init) ?? name
        switch prefix {
        case "incidence": return .nonNegative(atMost: 1e6, "a rate from 0 to 1,000,000 per million")
        case "rt_share", "ga_share": return .share
        case "fractions_per_course": return .positive(atMost: 100, "a number above 0, at most 100")
        case "diagnosis_completeness", "population_share": return .positiveShare
        case "population": return .positive
        default: return .count // mv_units, paediatric_mv_units, staff counts
        }
    }

    // MARK: Loading

    /// The folder of the defaults shipped with Anchor.
    public static var bundledFolder: URL? {
        Bundle.module.url(forResource: "Data", withExtension: nil)
    }

    /// The shipped defaults.
    public static func bundled() throws -> PlanningData { try load(directory: nil) }

    /// Reads the data: each file found in `directory` replaces the shipped file of the same name; the
    /// others are the defaults. A `.csv` file in `directory` that is not one of `fileNames` is an error
    /// (a misspelt file would otherwise be ignored without a word).
    public static func load(directory: String?) throws -> PlanningData {
        guard let bundled = bundledFolder else {
            throw PlanningError(.unreadableFile, "the default planning data are missing from Anchor's resources")
        }
        var tables: [String: CSVTable] = [:]
        var origins: [DataFileOrigin] = []
        var userFiles: Set<String> = []
        if let dir = directory {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
                throw PlanningError(.unreadableFile, "no such folder", file: dir)
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            for n in names.sorted() where n.lowercased().hasSuffix(".csv") {
                guard fileNames.contains(n) else {
                    throw PlanningError(.unreadableFile, "\(n) is not a planning data file; the files are \(fileNames.joined(separator: ", "))",
                                        file: (dir as NSString).appendingPathComponent(n))
                }
                userFiles.insert(n)
            }
            if userFiles.isEmpty {
                throw PlanningError(.unreadableFile, "the folder holds none of the planning data files (\(fileNames.joined(separator: ", ")))", file: dir)
            }
        }
        for n in fileNames {
            if userFiles.contains(n), let dir = directory {
                let path = (dir as NSString).appendingPathComponent(n)
                tables[n] = try CSVTable.read(path: path)
                origins.append(DataFileOrigin(file: n, path: path))
            } else {
                tables[n] = try CSVTable.read(path: bundled.appendingPathComponent(n).path, name: n)
                origins.append(DataFileOrigin(file: n, path: nil))
            }
        }
        var data = try PlanningData(tables: tables)
        data.origins = origins
        return data
    }

    /// Builds the data from parsed tables (one per name of `fileNames`) and checks that they fit together.
    public init(tables: [String: CSVTable]) throws {
        for n in PlanningData.fileNames where tables[n] == nil {
            throw PlanningError(.unreadableFile, "missing data file", file: n)
        }
        try readParameters(tables["parameters.csv"]!)
        try readCountries(tables["countries.csv"]!)
        try readPopulation(tables["population.csv"]!)
        try readIncidence(tables["incidence.csv"]!)
        utilisation = try readGroupTable(tables["utilisation.csv"]!, column: "rt_share", prefix: "rt_share", symbol: "u[g]",
                                         label: "share of the group's children given radiotherapy", unit: "share", domain: .share)
        fractionation = try readGroupTable(tables["fractionation.csv"]!, column: "fractions_per_course", prefix: "fractions_per_course", symbol: "F[g]",
                                           label: "fractions per course", unit: "fractions", domain: .positive(atMost: 100, "a number above 0, at most 100"))
        try readAnaesthesia(tables["anaesthesia.csv"]!)
        try readCompleteness(tables["completeness.csv"]!)
        try check(tables)
    }

    private mutating func readParameters(_ table: CSVTable) throws {
        let rows = try CSVRows(table, required: ["name", "value", "low", "high", "status", "source"], optional: ["description"])
        var seen: Set<String> = []
        for r in 0..<rows.count {
            let name = try rows.requiredText(r, "name")
            guard let spec = PlanningData.scalarSpecs.first(where: { $0.name == name }) else {
                throw rows.error(r, "name", "unknown parameter \"\(name)\"; the parameters are \(PlanningData.scalarSpecs.map(\.name).joined(separator: ", "))")
            }
            guard seen.insert(name).inserted else { throw rows.error(r, "name", .duplicateRow, "\(name) is given twice") }
            let (v, lo, hi) = try rows.ranged(r, value: "value", domain: spec.domain)
            try add(Parameter(name: name, symbol: spec.symbol, label: spec.label, value: v, low: lo, high: hi, unit: spec.unit,
                              status: try rows.status(r), source: try rows.source(r)), file: table.file, line: rows.line(r))
        }
        for spec in PlanningData.scalarSpecs where !seen.contains(spec.name) {
            throw PlanningError(.inconsistentData, "the parameter \(spec.name) (\(spec.label)) is missing", file: table.file)
        }
    }

    private mutating func readCountries(_ table: CSVTable) throws {
        let rows = try CSVRows(table, required: [
            "iso3", "name", "population", "population_year", "population_status", "population_source",
            "mv_units", "mv_units_year", "mv_units_status", "mv_units_source",
        ], optional: ["paediatric_mv_units"] + StaffRole.allCases.map(\.rawValue) + ["capacity_status", "capacity_source", "notes"])
        for r in 0..<rows.count {
            let iso3 = try rows.requiredText(r, "iso3").uppercased()
            guard iso3.count == 3, iso3.allSatisfy({ $0.isASCII && $0.isLetter }) else {
                throw rows.error(r, "iso3", "\"\(iso3)\" is not an ISO 3166-1 alpha-3 code")
            }
            if countries.contains(where: { $0.iso3 == iso3 }) { throw rows.error(r, "iso3", .duplicateRow, "\(iso3) is given twice") }
            let name = try rows.requiredText(r, "name")
            let line = rows.line(r)
            let year = { (column: String) -> String in let y = rows.text(r, column); return y.isEmpty ? "" : " (\(y))" }
            let pop = try rows.number(r, "population", required: true, domain: .positive)!
            try add(Parameter(name: "population[\(iso3)]", symbol: "P[c]", label: "\(name): population, all ages\(year("population_year"))",
                              value: pop, unit: "persons", status: try rows.status(r, "population_status"),
                              source: try rows.source(r, "population_source")), file: table.file, line: line)
            let mv = try rows.number(r, "mv_units", required: true, domain: .count)!
            try add(Parameter(name: "mv_units[\(iso3)]", symbol: "L[c]", label: "\(name): megavoltage units, all ages\(year("mv_units_year"))",
                              value: mv, unit: "units", status: try rows.status(r, "mv_units_status"),
                              source: try rows.source(r, "mv_units_source")), file: table.file, line: line)
            var facts = CountryFacts(iso3: iso3, name: name, populationParameter: "population[\(iso3)]", mvUnitsParameter: "mv_units[\(iso3)]",
                                     paediatricMVUnitsParameter: nil, staffParameters: [:], line: line)
            var capacity: [(String, String, Double)] = []
            if let p = try rows.number(r, "paediatric_mv_units", required: false, domain: .count) {
                capacity.append(("paediatric_mv_units", "MV units at centres that treat children", p))
            }
            for role in StaffRole.allCases {
                if let v = try rows.number(r, role.rawValue, required: false, domain: .count) {
                    capacity.append((role.rawValue, "\(role.label) (full-time equivalents for children)", v))
                }
            }
            if !capacity.isEmpty {
                let status = try rows.status(r, "capacity_status")
                let source = try rows.source(r, "capacity_source")
                for (column, label, v) in capacity {
                    let pname = "\(column)[\(iso3)]"
                    try add(Parameter(name: pname, label: "\(name): \(label)", value: v, unit: column == "paediatric_mv_units" ? "units" : "FTE",
                                      status: status, source: source), file: table.file, line: line)
                    if column == "paediatric_mv_units" { facts.paediatricMVUnitsParameter = pname }
                    else if let role = StaffRole(rawValue: column) { facts.staffParameters[role] = pname }
                }
            }
            countries.append(facts)
        }
        if countries.isEmpty { throw PlanningError(.inconsistentData, "no countries", file: table.file) }
    }

    private mutating func readPopulation(_ table: CSVTable) throws {
        let rows = try CSVRows(table, required: ["iso3", "age_band", "share", "persons", "status", "source"], optional: ["year", "notes"])
        for r in 0..<rows.count {
            let iso3 = try rows.requiredText(r, "iso3").uppercased()
            guard let c = country(iso3) else { throw rows.error(r, "iso3", .inconsistentData, "\(iso3) is not in countries.csv") }
            let band = try rows.band(r)
            let share = try rows.number(r, "share", required: false, domain: .positiveShare)
            let persons = try rows.number(r, "persons", required: false, domain: .positive)
            let year = rows.text(r, "year")
            let when = year.isEmpty ? "" : " (\(year))"
            let name: String
            let p: Parameter
            switch (share, persons) {
            case let (s?, nil):
                name = "population_share[\(iso3),\(band)]"
                p = Parameter(name: name, symbol: "P[c,a]/P[c]", label: "\(c.name): share of the population aged \(band)\(when)", value: s,
                              unit: "share", status: try rows.status(r), source: try rows.source(r))
            case let (nil, n?):
                name = "population[\(iso3),\(band)]"
                p = Parameter(name: name, symbol: "P[c,a]", label: "\(c.name): population aged \(band)\(when)", value: n,
                              unit: "persons", status: try rows.status(r), source: try rows.source(r))
            case (nil, nil):
                throw rows.error(r, "share", "is empty and so is persons; give one of them")
            case (.some, .some):
                throw rows.error(r, "persons", "is given with a share; give one of them, not both")
            }
            if let other = population.first(where: { $0.iso3 == iso3 && $0.band.overlaps(band) }) {
                throw rows.error(r, "age_band", .inconsistentData, "\(iso3) \(band) overlaps \(other.band) on line \(other.line)")
            }
            try add(p, file: table.file, line: rows.line(r))
            population.append(PopulationBand(iso3: iso3, band: band, parameter: name, isShare: share != nil, line: rows.line(r)))
        }
    }

    private mutating func readIncidence(_ table: CSVTable) throws {
        let rows = try CSVRows(table, required: ["group", "age_band", "rate_per_million", "low", "high", "status", "source"], optional: ["notes"])
        for r in 0..<rows.count {
            let group = try rows.requiredText(r, "group")
            let band = try rows.band(r)
            if incidence.contains(where: { $0.group == group && $0.band == band }) {
                throw rows.error(r, "age_band", .duplicateRow, "group \(group), ages \(band) is given twice")
            }
            let (v, lo, hi) = try rows.ranged(r, value: "rate_per_million", domain: .nonNegative(atMost: 1e6, "a rate from 0 to 1,000,000 per million"))
            let name = "incidence[\(group),\(band)]"
            try add(Parameter(name: name, symbol: "I[g,a]", label: "incidence, group \(group), ages \(band)", value: v, low: lo, high: hi,
                              unit: "per million person-years", status: try rows.status(r), source: try rows.source(r)), file: table.file, line: rows.line(r))
            incidence.append(GroupBandEntry(group: group, band: band, parameter: name, line: rows.line(r)))
            if !groups.contains(group) { groups.append(group) }
        }
        if incidence.isEmpty { throw PlanningError(.inconsistentData, "no incidence rates", file: table.file) }
    }

    private mutating func readGroupTable(_ table: CSVTable, column: String, prefix: String, symbol: String, label: String, unit: String,
                                         domain: ValueDomain) throws -> [String: String] {
        let rows = try CSVRows(table, required: ["group", column, "low", "high", "status", "source"], optional: ["notes"])
        var map: [String: String] = [:]
        for r in 0..<rows.count {
            let group = try rows.requiredText(r, "group")
            if map[group] != nil { throw rows.error(r, "group", .duplicateRow, "group \(group) is given twice") }
            let (v, lo, hi) = try rows.ranged(r, value: column, domain: domain)
            let name = "\(prefix)[\(group)]"
            try add(Parameter(name: name, symbol: symbol, label: "\(label), group \(group)", value: v, low: lo, high: hi, unit: unit,
                              status: try rows.status(r), source: try rows.source(r)), file: table.file, line: rows.line(r))
            map[group] = name
        }
        return map
    }

    private mutating func readAnaesthesia(_ table: CSVTable) throws {
        let rows = try CSVRows(table, required: ["age_band", "ga_share", "low", "high", "status", "source"], optional: ["notes"])
        for r in 0..<rows.count {
            let band = try rows.band(r)
            if anaesthesia.contains(where: { $0.band == band }) { throw rows.error(r, "age_band", .duplicateRow, "ages \(band) are given twice") }
            let (v, lo, hi) = try rows.ranged(r, value: "ga_share", domain: .share)
            let name = "ga_share[\(band)]"
            try add(Parameter(name: name, symbol: "ga[a]", label: "share of fractions given under general anaesthesia, ages \(band)", value: v,
                              low: lo, high: hi, unit: "share", status: try rows.status(r), source: try rows.source(r)), file: table.file, line: rows.line(r))
            anaesthesia.append(BandEntry(band: band, parameter: name, line: rows.line(r)))
        }
    }

    private mutating func readCompleteness(_ table: CSVTable) throws {
        let rows = try CSVRows(table, required: ["iso3", "diagnosis_completeness", "low", "high", "status", "source"], optional: ["notes"])
        for r in 0..<rows.count {
            let iso3 = try rows.requiredText(r, "iso3").uppercased()
            guard let c = country(iso3) else { throw rows.error(r, "iso3", .inconsistentData, "\(iso3) is not in countries.csv") }
            if completeness[iso3] != nil { throw rows.error(r, "iso3", .duplicateRow, "\(iso3) is given twice") }
            let (v, lo, hi) = try rows.ranged(r, value: "diagnosis_completeness", domain: .positiveShare)
            let name = "diagnosis_completeness[\(iso3)]"
            try add(Parameter(name: name, symbol: "k_dx[c]", label: "\(c.name): share of cases diagnosed", value: v, low: lo, high: hi,
                              unit: "share", status: try rows.status(r), source: try rows.source(r)), file: table.file, line: rows.line(r))
            completeness[iso3] = name
        }
    }

    /// The files fit together: every country has its population by age band; every group has a
    /// radiotherapy share and fractions per course; every population band has an incidence rate for
    /// every group and a share under anaesthesia.
    private func check(_ tables: [String: CSVTable]) throws {
        for c in countries where !population.contains(where: { $0.iso3 == c.iso3 }) {
            throw PlanningError(.inconsistentData, "\(c.iso3) has no population by age band in population.csv", file: tables["countries.csv"]!.file, line: c.line)
        }
        for g in groups {
            let line = incidence.first { $0.group == g }!.line
            if utilisation[g] == nil {
                throw PlanningError(.inconsistentData, "group \(g) has incidence rates but no row in utilisation.csv", file: tables["incidence.csv"]!.file, line: line)
            }
            if fractionation[g] == nil {
                throw PlanningError(.inconsistentData, "group \(g) has incidence rates but no row in fractionation.csv", file: tables["incidence.csv"]!.file, line: line)
            }
        }
        let popFile = tables["population.csv"]!.file
        for p in population {
            for g in groups {
                do { _ = try incidenceEntry(group: g, band: p.band) }
                catch let e as PlanningError {
                    throw PlanningError(.inconsistentData, e.message, file: popFile, line: p.line)
                }
            }
            do { _ = try anaesthesiaWeights(band: p.band) }
            catch let e as PlanningError {
                throw PlanningError(.inconsistentData, e.message, file: popFile, line: p.line)
            }
        }
    }

    /// The incidence row of a group for a population band: the narrowest row whose band holds the
    /// population band (a rate for ages 0-14 applies to a population band 0-4 as the band's average).
    func incidenceEntry(group: String, band: AgeBand) throws -> GroupBandEntry {
        let holding = incidence.filter { $0.group == group && $0.band.contains(band) }
        if let best = holding.min(by: { $0.band.years < $1.band.years }) { return best }
        let partial = incidence.filter { $0.group == group && $0.band.overlaps(band) }.map(\.band.description)
        if partial.isEmpty {
            throw PlanningError(.inconsistentData, "incidence.csv has no rate for group \(group) at ages \(band)")
        }
        throw PlanningError(.inconsistentData, "incidence.csv gives group \(group) for ages \(partial.joined(separator: ", ")), which split the population band \(band); give the population in the same bands")
    }

    /// How a population band's share under anaesthesia is formed: the row of exactly that band (an
    /// aggregate share measured over those ages, such as 14.6% of fractions at ages 0-14); otherwise
    /// the average over the band's single years, each year taking the narrowest row that holds it
    /// (cases taken as even across the years of a band).
    func anaesthesiaWeights(band: AgeBand) throws -> [(parameter: String, weight: Double)] {
        if let exact = anaesthesia.first(where: { $0.band == band }) {
            return [(exact.parameter, 1)]
        }
        var weights: [String: Double] = [:]
        var order: [String] = []
        for year in band.first...band.last {
            guard let row = anaesthesia.filter({ $0.band.contains(year: year) }).min(by: { $0.band.years < $1.band.years }) else {
                throw PlanningError(.inconsistentData, "anaesthesia.csv has no share under anaesthesia for age \(year) (population band \(band))")
            }
            if weights[row.parameter] == nil { order.append(row.parameter) }
            weights[row.parameter, default: 0] += 1 / Double(band.years)
        }
        return order.map { ($0, weights[$0]!) }
    }
}
