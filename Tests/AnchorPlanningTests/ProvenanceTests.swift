@testable import AnchorPlanning
import AnchorTestSupport
import Foundation
import Testing

@Suite struct ProvenanceTests {
    /// Every parameter the model reads reaches the JSON with its value, source and status, exactly as
    /// the data files give them.
    @Test func everyParameterReachesTheOutputWithSourceAndStatus() throws {
        let data = try PlanningData.bundled()
        let run = try PlanningRun(data: data)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(PlanningReport.json(run).serialized().utf8)) as? [String: Any])
        let listed = try #require(json["parameters"] as? [[String: Any]])
        let used = data.parametersUsed(by: Set(data.countries.map(\.iso3)))
        #expect(Set(listed.compactMap { $0["name"] as? String }) == used)
        for p in data.parameters where used.contains(p.name) {
            let row = try #require(listed.first { $0["name"] as? String == p.name })
            #expect(row["source"] as? String == p.source)
            #expect(!p.source.isEmpty)
            #expect(row["status"] as? String == p.status.rawValue)
            #expect((row["value"] as? NSNumber)?.doubleValue == p.value)
        }
        for row in listed { #expect(["sourced", "UNVERIFIED", "ASSUMPTION"].contains(row["status"] as? String ?? "")) }
        #expect(listed.contains { $0["status"] as? String == "ASSUMPTION" } && listed.contains { $0["status"] as? String == "sourced" })
    }

    /// A status and source edited in a user's file come out as written.
    @Test func editedSourceAndStatusComeOutAsWritten() throws {
        let folder = try DataFolder()
        defer { folder.remove() }
        try folder.replace("incidence.csv", "all,0-14,140,124,160,sourced,\"ACCIS", "all,0-14,152,124,160,UNVERIFIED,\"National registry 2019-23, provisional; ACCIS")
        let run = try PlanningRun(data: try PlanningData.load(directory: folder.path), countries: ["KAZ"])
        let p = try #require(run.parameters(of: run.data).first { $0.name == "incidence[all,0-14]" })
        #expect(p.status == .unverified)
        #expect(p.value == 152)
        #expect(p.source.hasPrefix("National registry 2019-23, provisional; ACCIS"))
        let text = PlanningReport.text(run, detail: true)
        #expect(text.contains("incidence[all,0-14] = 152 [124–160] per million person-years; UNVERIFIED; National registry 2019-23, provisional"))
        #expect(run.data.origins.first { $0.file == "incidence.csv" }?.path == folder.file("incidence.csv"))
        #expect(run.data.origins.first { $0.file == "countries.csv" }?.path == folder.file("countries.csv"))
    }

    /// The shipped defaults carry the research numbers: population and DIRAC MV units as in the
    /// country table, and the worked example's shares.
    @Test func shippedDefaultsMatchTheCountryTable() throws {
        let path = Fixtures.shared("service-planning/country_rt_capacity.csv")
        guard FileManager.default.fileExists(atPath: path) else { print(Fixtures.sharedDataMissing); return }
        let table = try CSVTable.read(path: path)
        let data = try PlanningData.bundled()
        #expect(table.rows.count == 13 && data.countries.count == 13)
        let col = { (n: String) in table.header.firstIndex(of: n)! }
        for row in table.rows {
            let iso = row[col("iso3")].text
            #expect(data.value("population[\(iso)]") == Double(row[col("population_2024")].text))
            #expect(data.value("mv_units[\(iso)]") == Double(row[col("dirac_api_mv_units")].text))
            let pct = row[col("pct_age_0_14")].text
            if iso == "TJK" { #expect(data.value("population_share[TJK,0-14]") == Double(pct)! / 100) }
        }
    }
}
