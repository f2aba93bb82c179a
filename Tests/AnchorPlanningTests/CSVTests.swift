@testable import AnchorPlanning
import Foundation
import Testing

@Suite struct CSVTests {
    @Test func quotedFieldsCRLFAndByteOrderMark() throws {
        let t = try CSVTable.parse(text: "\u{FEFF}a,b,c\r\n1,\"x, \"\"y\"\"\",3\r\n\r\n\"multi\nline\",,\"\"\r\n", file: "t.csv")
        #expect(t.header == ["a", "b", "c"])
        #expect(t.rows.count == 2)
        #expect(t.rows[0].map(\.text) == ["1", "x, \"y\"", "3"])
        #expect(t.rows[1].map(\.text) == ["multi\nline", "", ""])
        #expect(t.rows[1][0].line == 4 && t.rows[1][1].line == 5 && t.rows[1][1].column == 7)
        #expect(t.rows[0][2].column == 14)
    }

    @Test func malformedTextNamesLineAndColumn() throws {
        func error(_ text: String) -> PlanningError? {
            do { _ = try CSVTable.parse(text: text, file: "f.csv"); return nil } catch let e as PlanningError { return e } catch { return nil }
        }
        let unterminated = try #require(error("a,b\n1,\"open\n2,3\n"))
        #expect(unterminated.code == .malformedCSV && unterminated.line == 2 && unterminated.column == 3 && unterminated.field == 2)
        let stray = try #require(error("a,b\n1,ab\"c\n"))
        #expect(stray.line == 2 && stray.column == 5 && stray.field == 2)
        let after = try #require(error("a,b\n\"x\"y,2\n"))
        #expect(after.line == 2 && after.column == 4 && after.field == 1)
        let extra = try #require(error("a,b\n1,2,3\n"))
        #expect(extra.line == 2 && extra.column == 5 && extra.field == 3)
        let missing = try #require(error("a,b,c\n1,2\n"))
        #expect(missing.line == 2 && missing.column == 4 && missing.field == 3 && missing.fieldName == "c")
        let twice = try #require(error("a,b,a\n"))
        #expect(twice.code == .badHeader && twice.field == 3)
        #expect(unterminated.description == "f.csv:2:3: field 2: the quoted field opened here is never closed")
    }

    /// A malformed file in a user's data folder: the error names that file, the line, the column and
    /// the field.
    @Test func malformedDataFileNamesFileLineAndColumn() throws {
        let folder = try DataFolder()
        defer { folder.remove() }
        // TJK's mv_units field becomes text.
        let text = try folder.read("countries.csv")
        var lines = text.components(separatedBy: "\n")
        let i = try #require(lines.firstIndex { $0.hasPrefix("TJK,") })
        lines[i] = lines[i].replacingOccurrences(of: ",2,2021,sourced,", with: ",two,2021,sourced,")
        try folder.write("countries.csv", lines.joined(separator: "\n"))
        let e = try #require(loadError(folder.path))
        #expect(e.file == folder.file("countries.csv"))
        #expect(e.line == i + 1)
        #expect(e.field == 7 && e.fieldName == "mv_units")
        let column = lines[i].distance(from: lines[i].startIndex, to: lines[i].range(of: ",two,")!.lowerBound) + 2
        #expect(e.column == column)
        #expect(e.description == "\(folder.file("countries.csv")):\(i + 1):\(column): field 7 (mv_units): \"two\" is not a number")
    }

    @Test func valuesOutsideTheirDomainOrRangeAreRefused() throws {
        let cases: [(String, String, String, String, String)] = [
            ("population.csv", "TJK,0-14,0.369,", "TJK,0-14,36.9%,", "share", "percentage"),
            ("population.csv", "TJK,0-14,0.369,", "TJK,0-14,1.369,", "share", "domain"),
            ("parameters.csv", "t_ga_min,45,30,60", "t_ga_min,45,50,60", "low", "range must hold"),
            ("parameters.csv", "hours_per_day,8,8,12", "hours_per_day,8,8,25", "high", "domain"),
            ("anaesthesia.csv", "0-14,0.146,0.1,0.27,sourced", "0-14,0.146,0.1,0.27,maybe", "status", "not a status"),
            ("incidence.csv", "all,15-19,", "all,19-15,", "age_band", "not an age band"),
            ("utilisation.csv", "all,0.333333,0.25,0.5,sourced,\"About", "all,0.333333,0.25,0.5,sourced,\"", "source", "is empty"),
        ]
        for (file, old, new, field, words) in cases {
            let folder = try DataFolder()
            defer { folder.remove() }
            if new.hasSuffix(",\"") {
                // An empty source: drop the whole quoted source text.
                let t = try folder.read(file)
                let start = try #require(t.range(of: old))
                let end = try #require(t.range(of: "\",", range: start.upperBound..<t.endIndex))
                try folder.write(file, t.replacingCharacters(in: start.lowerBound..<end.upperBound, with: "all,0.333333,0.25,0.5,sourced,,"))
            } else {
                try folder.replace(file, old, new)
            }
            let e = try #require(loadError(folder.path), "\(file): \(new) was accepted")
            #expect(e.file == folder.file(file))
            #expect(e.fieldName == field, "\(e)")
            #expect(e.line != nil && e.column != nil)
            #expect(e.message.contains(words), "\(e)")
        }
    }

    @Test func filesMustFitTogether() throws {
        do {
            let folder = try DataFolder()
            defer { folder.remove() }
            try folder.write("stray.csv", "a\n1\n")
            #expect(loadError(folder.path)?.message.contains("stray.csv is not a planning data file") == true)
        }
        do {
            let folder = try DataFolder()
            defer { folder.remove() }
            try folder.replace("incidence.csv", "all,0-14,140", "cns,0-14,140")
            let e = try #require(loadError(folder.path))
            #expect(e.code == .inconsistentData)
        }
        do {
            let folder = try DataFolder()
            defer { folder.remove() }
            try folder.replace("population.csv", "ALB,0-14", "ALB,0-15")
            // Ages 0-15 have no incidence row holding them (rates are for 0-14 and 15-19).
            let e = try #require(loadError(folder.path))
            #expect(e.file == folder.file("population.csv") && e.line == 2)
            #expect(e.message.contains("split the population band 0-15"))
        }
        do {
            let folder = try DataFolder()
            defer { folder.remove() }
            try folder.replace("parameters.csv", "days_per_year,250,240,260,ASSUMPTION,Weekdays less public holidays.,linac operating days per year (D)\n", "")
            #expect(loadError(folder.path)?.message.contains("days_per_year") == true)
        }
    }

    /// Population in 5-year bands and two diagnostic groups: the model sums groups and bands, applies
    /// a 0-14 rate to each 5-year band, and forms each band's share under anaesthesia from the
    /// age-specific rows year by year.
    @Test func agesAndGroupsCombine() throws {
        let folder = try DataFolder()
        defer { folder.remove() }
        try folder.write("population.csv", """
        iso3,age_band,share,persons,year,status,source
        TJK,0-4,,1500000,2024,sourced,test
        TJK,5-9,,1300000,2024,sourced,test
        TJK,10-14,,1100000,2024,sourced,test

        """)
        try folder.write("incidence.csv", """
        group,age_band,rate_per_million,low,high,status,source
        leukaemia,0-14,46.4,,,sourced,IICC-3
        other,0-4,150,,,sourced,test
        other,5-14,60,,,sourced,test

        """)
        try folder.write("utilisation.csv", "group,rt_share,low,high,status,source\nleukaemia,0.11,,,sourced,Jairam\nother,0.4,,,ASSUMPTION,test\n")
        try folder.write("fractionation.csv", "group,fractions_per_course,low,high,status,source\nleukaemia,6,,,UNVERIFIED,TBI\nother,25,,,ASSUMPTION,test\n")
        // Keep only TJK in countries.csv.
        let countries = try folder.read("countries.csv").components(separatedBy: "\n")
        try folder.write("countries.csv", ([countries[0]] + countries.filter { $0.hasPrefix("TJK,") }).joined(separator: "\n") + "\n")
        let data = try PlanningData.load(directory: folder.path)
        let r = try #require(try PlanningModel.evaluate(data).first)
        let bands: [(Double, Double, Double)] = [(1.5e6, 150, (3 * 1.0 + 2 * 0.375) / 5), (1.3e6, 60, (2 * 0.375 + 3 * 0.01) / 5), (1.1e6, 60, (2 * 0.01 + 3 * 0.01) / 5)]
        var cases = 0.0, courses = 0.0, fx = 0.0, ga = 0.0
        for (persons, otherRate, gaShare) in bands {
            let nl = persons * 46.4 / 1e6, no = persons * otherRate / 1e6
            cases += nl + no
            let cl = nl * 0.11, co = no * 0.4
            courses += cl + co
            fx += cl * 6 + co * 25
            ga += (cl * 6 + co * 25) * gaShare
        }
        #expect(abs(r.children0to14 - 3.9e6) < 1e-6)
        #expect(abs(r.casesPerYear - cases) < 1e-9)
        #expect(abs(r.rtCourses - courses) < 1e-9)
        #expect(abs(r.fractions - fx) < 1e-9)
        #expect(abs(r.gaFractions - ga) < 1e-9)
        #expect(r.ageBands.map(\.description) == ["0-4", "5-9", "10-14"])
    }
}

extension CSVTests {
    /// Cut or damaged files give an error, never a crash or a silent answer from half a file: every
    /// prefix of countries.csv that ends inside a row is refused, and random bytes dropped in anywhere
    /// are either still a valid file or refused with a position.
    @Test func damagedFilesAreRefusedNotCrashed() throws {
        let folder = try DataFolder()
        defer { folder.remove() }
        let original = try folder.read("countries.csv")
        let scalars = Array(original.unicodeScalars)
        for cut in stride(from: 1, to: scalars.count, by: 53) {
            var v = String.UnicodeScalarView(); v.append(contentsOf: scalars[..<cut])
            let text = String(v)
            try folder.write("countries.csv", text)
            let e = loadError(folder.path)
            let endsAtRowEnd = text.hasSuffix("\n")
            if !endsAtRowEnd || cut < 300 { #expect(e != nil, "a cut at \(cut) was accepted") }
            // The cut file itself, or population.csv naming the countries the cut dropped.
            if let e { #expect(e.file == folder.file("countries.csv") || e.file == folder.file("population.csv"), "\(e)") }
        }
        var rng = SystemRandomNumberGenerator()
        let noise: [Character] = ["\"", ",", "\n", "x", "-", "\r", "é"]
        for _ in 0..<150 {
            var chars = Array(original)
            for _ in 0..<3 { chars.insert(noise.randomElement(using: &rng)!, at: Int.random(in: 0...chars.count, using: &rng)) }
            try folder.write("countries.csv", String(chars))
            if let e = loadError(folder.path) { #expect(e.line != nil || e.code == .inconsistentData, "\(e)") }
        }
    }
}
