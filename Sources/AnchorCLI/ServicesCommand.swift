import AnchorPlanning
import ArgumentParser
import Foundation
import Yams

/// `anchor services`: the national service-planning model, country by country.
struct ServicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "services",
        abstract: "Paediatric radiotherapy need against capacity, country by country, with scenarios.",
        discussion: """
        For each country: children aged 0-14, new cases a year (every case, and those diagnosed), \
        radiotherapy courses, fractions, fractions and daily sessions under general anaesthesia, linac \
        hours and linac-equivalents needed, radiation oncologists, physicists, RTTs and anaesthesia \
        teams needed, the gaps against what the country has, and population per MV unit against the \
        IAEA and ESTRO-QUARTS benchmarks. Every result has low and high bounds over the parameters' \
        ranges; with --country, a one-at-a-time sensitivity table shows which parameter moves the \
        linac-equivalents most. Every parameter is listed with its source and status (sourced, \
        UNVERIFIED, ASSUMPTION).

        The data are CSV files (parameters, countries, population, incidence, utilisation, \
        fractionation, anaesthesia, completeness); --export-data writes the shipped defaults to a \
        folder to edit, and --data reads the files found in a folder in place of the defaults.

        A scenario (--scenario FILE, JSON or YAML) adds or removes linacs or staff, changes the share \
        under anaesthesia, the fractions per course, diagnosis completeness or any parameter, and \
        refers a share of a country's courses to another country; it is shown beside the baseline.

        Exit status: 64 usage (unknown country), 65 a data or scenario file is malformed (the message \
        names the file, line and column), 66 a file or folder does not exist, 73 an output cannot be written.
        """
    )

    @Option(name: .customLong("country"), help: ArgumentHelp("A country to report (ISO3 code, repeatable); all countries when none.", valueName: "ISO3"))
    var countries: [String] = []

    @Option(help: ArgumentHelp("A folder of planning CSV files that replace the shipped defaults file by file.", valueName: "DIR"))
    var data: String?

    @Option(help: ArgumentHelp("A scenario file (JSON, or YAML with .yaml/.yml) compared with the baseline.", valueName: "FILE"))
    var scenario: String?

    @Flag(help: "Print one JSON document (snake_case keys).")
    var json = false

    @Flag(help: "Print CSV: one row per country (and per case with a scenario), every output with its low and high.")
    var csv = false

    @Flag(help: "Show each country's detail (need with bounds, gaps, benchmarks, sensitivity); the default with --country.")
    var detail = false

    @Option(help: ArgumentHelp("Write the shipped default CSV files into this folder (created; existing files are not overwritten) and stop.", valueName: "DIR"))
    var exportData: String?

    @Option(help: ArgumentHelp("Write a printable one-page brief of this country (standalone HTML with SVG charts) to --out.", valueName: "ISO3"))
    var brief: String?

    @Option(help: ArgumentHelp("The file --brief writes.", valueName: "FILE.html"))
    var out: String?

    func validate() throws {
        if json && csv { throw ValidationError("--json and --csv exclude each other") }
        if brief != nil && out == nil { throw ValidationError("--brief needs --out FILE.html") }
        if out != nil && brief == nil { throw ValidationError("--out goes with --brief ISO3") }
    }

    func run() throws {
        if let dir = exportData { return try export(to: dir) }
        do {
            if let d = data, !FileManager.default.fileExists(atPath: d) {
                printError("error: \(d): no such folder")
                throw ExitCode(ExitStatus.noInput)
            }
            let planningData = try PlanningData.load(directory: data)
            var loadedScenario: Scenario?
            if let path = scenario { loadedScenario = try readScenario(path) }
            let selected = brief.map { [$0] } ?? countries
            let run = try PlanningRun(data: planningData, countries: selected, scenario: loadedScenario)
            if let iso = brief, let path = out {
                let html = PlanningBrief.html(run, iso3: iso.uppercased())
                guard FileManager.default.createFile(atPath: path, contents: Data(html.utf8)) else {
                    printError("error: \(path): cannot write the brief")
                    throw ExitCode(73)
                }
                if !json && !csv { print("wrote \(path)") }
                return
            }
            if json { print(PlanningReport.json(run).serialized()) }
            else if csv { print(PlanningReport.csv(run), terminator: "") }
            else { print(PlanningReport.text(run, detail: detail || !countries.isEmpty), terminator: "") }
        } catch let e as PlanningError {
            printError("error: \(e)")
            switch e.code {
            case .unknownCountry: throw ExitCode(ExitStatus.usage)
            case .unreadableFile where !FileManager.default.fileExists(atPath: e.file ?? ""): throw ExitCode(ExitStatus.noInput)
            default: throw ExitCode(ExitStatus.dataError)
            }
        }
    }

    func readScenario(_ path: String) throws -> Scenario {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            printError("error: \(path): no such file")
            throw ExitCode(ExitStatus.noInput)
        }
        guard bytes.count <= 1 << 20 else { throw PlanningError(.invalidScenario, "the scenario has \(bytes.count) bytes; at most 1 MiB is read", file: path) }
        let lower = path.lowercased()
        if lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") {
            guard let text = String(data: bytes, encoding: .utf8) else { throw PlanningError(.invalidScenario, "not UTF-8 text", file: path) }
            let any: Any?
            do { any = try Yams.load(yaml: text) }
            catch { throw PlanningError(.invalidScenario, "not valid YAML: \(error)", file: path) }
            return try Scenario(value: try ScenarioValue(any: any), file: path)
        }
        return try Scenario.parse(json: bytes, file: path)
    }

    func export(to dir: String) throws {
        guard let source = PlanningData.bundledFolder else {
            printError("error: the default planning data are missing from Anchor's resources")
            throw ExitCode(ExitStatus.dataError)
        }
        let fm = FileManager.default
        do { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        catch { printError("error: \(dir): cannot create the folder"); throw ExitCode(73) }
        for name in PlanningData.fileNames {
            let target = (dir as NSString).appendingPathComponent(name)
            if fm.fileExists(atPath: target) {
                printError("error: \(target) exists; not overwritten")
                throw ExitCode(73)
            }
            do { try fm.copyItem(atPath: source.appendingPathComponent(name).path, toPath: target) }
            catch { printError("error: \(target): cannot write"); throw ExitCode(73) }
            print("wrote \(target)")
        }
    }
}
