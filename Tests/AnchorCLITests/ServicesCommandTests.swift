import AnchorTestSupport
import Foundation
import Testing

/// `anchor services` end to end, through the built executable.
struct ServicesCommandTests {
    func json(_ r: AnchorCLI.Result) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stderr)")
    }

    @Test func helpDescribesTheCommand() throws {
        let r = try AnchorCLI.run(["services", "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("USAGE: anchor services [--country <ISO3> ...] [--data <DIR>] [--scenario <FILE>] [--json] [--csv]"))
        #expect(r.stdout.contains("65 a data or scenario file is"))
        #expect(try AnchorCLI.run(["--help"]).stdout.contains("services"))
    }

    @Test func jsonHasThePromisedKeys() throws {
        let r = try AnchorCLI.run(["services", "--country", "TJK", "--country", "kgz", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try json(r)
        #expect(Set(doc.keys) == ["countries", "parameters"])
        let countries = try #require(doc["countries"] as? [[String: Any]])
        #expect(countries.map { $0["iso3"] as? String } == ["TJK", "KGZ"])
        let keys: Set<String> = ["iso3", "name", "children_0_14", "cases_per_year", "cases_diagnosed", "rt_courses", "fractions", "ga_fractions",
                                 "ga_sessions_per_day", "linac_hours", "linac_equivalents_needed", "mv_units", "population_per_mv_unit",
                                 "staff", "gaps", "range"]
        for c in countries { #expect(Set(c.keys) == keys) }
        let tjk = countries[0]
        #expect(tjk["name"] as? String == "Tajikistan")
        #expect(((tjk["linac_equivalents_needed"] as? NSNumber)?.doubleValue).map { abs($0 - 0.8457) < 1e-3 } == true)
        let staff = try #require(tjk["staff"] as? [String: Any])
        for k in ["radiation_oncologists", "physicists", "rtts", "anaesthesia_teams", "available"] { #expect(staff[k] != nil) }
        let gaps = try #require(tjk["gaps"] as? [String: Any])
        for k in ["linacs", "radiation_oncologists", "physicists", "rtts", "anaesthesia_teams", "population_benchmarks"] { #expect(gaps[k] != nil) }
        let range = try #require(tjk["range"] as? [String: Any])
        let low = try #require(range["low"] as? [String: Any]), high = try #require(range["high"] as? [String: Any])
        #expect((low["linac_equivalents_needed"] as? NSNumber)!.doubleValue < 0.8457)
        #expect((high["linac_equivalents_needed"] as? NSNumber)!.doubleValue > 0.8457)
        let sensitivity = try #require(range["sensitivity"] as? [String: Any])
        #expect(sensitivity["metric"] as? String == "linac_equivalents_needed")
        #expect(((sensitivity["rows"] as? [[String: Any]])?.count ?? 0) >= 10)
        let parameters = try #require(doc["parameters"] as? [[String: Any]])
        for p in parameters {
            for k in ["name", "value", "source", "status"] { #expect(p[k] != nil, "\(p)") }
        }
        let names = parameters.compactMap { $0["name"] as? String }
        #expect(names.contains("population[TJK]") && names.contains("mv_units[KGZ]") && !names.contains("population[UZB]"))
    }

    @Test func scenarioIsComparedWithTheBaselineInJSONCSVAndText() throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let yaml = dir + "/khujand.yaml"
        try """
        name: Khujand
        countries:
          TJK: {add_linacs: 2}
        referrals:
          - {from: KGZ, to: KAZ, share: 0.5}
        """.write(toFile: yaml, atomically: true, encoding: .utf8)
        let j = try json(try AnchorCLI.run(["services", "--country", "TJK", "--country", "KGZ", "--scenario", yaml, "--json"]))
        let s = try #require(j["scenario"] as? [String: Any])
        #expect(s["name"] as? String == "Khujand")
        let sc = try #require(s["countries"] as? [[String: Any]])
        #expect((sc[0]["mv_units"] as? NSNumber)?.intValue == 4)
        let base = try #require(j["countries"] as? [[String: Any]])
        #expect((base[0]["mv_units"] as? NSNumber)?.intValue == 2)
        let kgzBase = (base[1]["rt_courses"] as! NSNumber).doubleValue, kgzScen = (sc[1]["rt_courses"] as! NSNumber).doubleValue
        #expect(abs(kgzScen - kgzBase / 2) < 1e-9)
        #expect((s["changes"] as? [String])?.contains("KGZ refers 50% of its courses to KAZ") == true)

        let csv = try AnchorCLI.run(["services", "--country", "TJK", "--scenario", yaml, "--csv"])
        #expect(csv.status == 0)
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("case,iso3,name,population,children_0_14,cases_per_year,cases_per_year_low,cases_per_year_high,"))
        #expect(lines[1].hasPrefix("baseline,TJK,Tajikistan,") && lines[2].hasPrefix("scenario,TJK,Tajikistan,"))

        let text = try AnchorCLI.run(["services", "--country", "TJK", "--scenario", yaml])
        #expect(text.stdout.contains("Scenario \"Khujand\""))
        #expect(text.stdout.contains("  - mv_units[TJK]: 2 → 4"))
        #expect(text.stdout.range(of: #"MV units\s+2\s+4\s+\+2"#, options: .regularExpression) != nil)
    }

    @Test func theDocumentedExampleScenarioRuns() throws {
        let r = try AnchorCLI.run(["services", "--country", "TJK", "--country", "KGZ", "--country", "KAZ",
                                   "--scenario", Fixtures.repoRoot.appendingPathComponent("docs/service-planning-scenario.yaml").path, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let s = try #require(try json(r)["scenario"] as? [String: Any])
        #expect((s["changes"] as? [String])?.contains("fractions_per_course[all]: 20 → 15") == true)
        #expect((s["referrals"] as? [[String: Any]])?.count == 1)
    }

    @Test func exportedDataReadBackGiveTheSameAnswer() throws {
        let dir = Fixtures.temporaryDirectory() + "/data"
        defer { try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent) }
        let e = try AnchorCLI.run(["services", "--export-data", dir])
        #expect(e.status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted().count == 8)
        #expect(try AnchorCLI.run(["services", "--export-data", dir]).status == 73) // never overwrites
        let a = try AnchorCLI.run(["services", "--json"]), b = try AnchorCLI.run(["services", "--data", dir, "--json"])
        #expect(a.stdout == b.stdout)
    }

    @Test func malformedCSVExits65NamingFileLineAndColumn() throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "age_band,ga_share,low,high,status,source\n0-14,0.146,0.1,0.27,sourced,\"Toronto\n".write(toFile: dir + "/anaesthesia.csv", atomically: true, encoding: .utf8)
        let r = try AnchorCLI.run(["services", "--data", dir])
        #expect(r.status == 65)
        #expect(r.stderr.contains("\(dir)/anaesthesia.csv:2:29: field 6: the quoted field opened here is never closed"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    @Test func usageAndMissingInputs() throws {
        let unknown = try AnchorCLI.run(["services", "--country", "FRA"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("no country FRA in the data"))
        #expect(try AnchorCLI.run(["services", "--data", "/nonexistent/anchor-planning"]).status == 66)
        #expect(try AnchorCLI.run(["services", "--scenario", "/nonexistent/s.json"]).status == 66)
        #expect(try AnchorCLI.run(["services", "--json", "--csv"]).status == 64)
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try #"{"countries": {"TJK": {"add_linacs": "one"}}}"#.write(toFile: dir + "/s.json", atomically: true, encoding: .utf8)
        let bad = try AnchorCLI.run(["services", "--scenario", dir + "/s.json"])
        #expect(bad.status == 65)
        #expect(bad.stderr.contains("s.json: countries.TJK.add_linacs: must be a number"), "\(bad.stderr)")
    }

    @Test func briefIsOneStandalonePage() throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try AnchorCLI.run(["services", "--brief", "TJK", "--out", dir + "/tjk.html"])
        #expect(r.status == 0, "\(r.stderr)")
        let html = try String(contentsOfFile: dir + "/tjk.html", encoding: .utf8)
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(html.contains("Paediatric radiotherapy in Tajikistan"))
        #expect(html.components(separatedBy: "<svg").count - 1 == 3)
        #expect(!html.contains("<script") && !html.contains("src=\"http"))
        #expect(html.contains("ASSUMPTION") && html.contains("population[TJK]"))
    }
}
