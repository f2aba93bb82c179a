import Foundation
import Testing
@testable import AnchorQA

@Suite struct ProtocolFileTests {
    @Test func exampleProtocolParsesEveryField() throws {
        let p = try ProtocolParser.parse(yaml: exampleYAML, file: "example.yaml")
        #expect(p.id == "example-posterior-fossa")
        #expect(p.version == "1.0")
        #expect(p.prescriptionGy == 54)
        #expect(p.kind == .protocol)
        #expect(p.constraints.count == 3)
        let bs = p.constraints[0]
        #expect(bs.structure == "Brainstem")
        #expect(bs.aliases == ["Brain Stem", "BS"])
        #expect(bs.metric == .doseAtVolumeCC(0.03))
        #expect(bs.perProtocol == Limit(.lessOrEqual, 54, .gy, text: "<= 54 Gy"))
        #expect(bs.acceptable?.value == 56)
        #expect(bs.source == "citation")
        #expect(bs.line == 7)
        #expect(p.constraints[1].perProtocol.unit == .percent)
        #expect(p.constraints[2].ageBand?.contains(17.9) == true)
        #expect(p.constraints[2].ageBand?.contains(18) == false)
        #expect(!bs.optional)
    }

    @Test func limitWithoutUnitNamesLineAndField() throws {
        let yaml = exampleYAML.replacingOccurrences(of: "per_protocol: \"<= 35 Gy\"", with: "per_protocol: \"<= 35\"")
        let e = try #require(throws: QAError.self) { try ProtocolParser.parse(yaml: yaml, file: "bad.yaml") }
        #expect(e.code == .malformedProtocol)
        #expect(e.file == "bad.yaml")
        #expect(e.line == 19)
        #expect(e.field == "per_protocol")
        #expect(e.message.contains("Cochlea_L"))
        #expect(e.description.hasPrefix("bad.yaml:19:"))
    }

    @Test func misspeltFieldIsRejectedAtItsLine() throws {
        let yaml = exampleYAML.replacingOccurrences(of: "    acceptable: \">= 90%\"", with: "    acceptible: \">= 90%\"")
        let e = try #require(throws: QAError.self) { try ProtocolParser.parse(yaml: yaml) }
        #expect(e.field == "acceptible")
        #expect(e.line == 16)
        #expect(e.message.contains("unknown field"))
    }

    @Test func missingRequiredFieldIsNamed() throws {
        let yaml = exampleYAML.replacingOccurrences(of: "version: \"1.0\"\n", with: "")
        let e = try #require(throws: QAError.self) { try ProtocolParser.parse(yaml: yaml) }
        #expect(e.field == "version")
        #expect(e.line == 1)
    }

    @Test func invalidYAMLReportsTheParserPosition() throws {
        let yaml = "id: x\nname: [unclosed\nversion: 1\n"
        let e = try #require(throws: QAError.self) { try ProtocolParser.parse(yaml: yaml, file: "broken.yaml") }
        #expect(e.code == .invalidYAML)
        #expect(e.line != nil)
        #expect(e.file == "broken.yaml")
    }

    @Test func metricOutsideTheGrammarIsRejected() throws {
        for bad in ["D95", "V20", "D20Gy", "V2cc", "Dfoo", "X95%", "D120%"] {
            let yaml = exampleYAML.replacingOccurrences(of: "metric: D95%", with: "metric: \(bad)")
            let e = try #require(throws: QAError.self) { try ProtocolParser.parse(yaml: yaml) }
            #expect(e.field == "metric", "\(bad)")
            #expect(e.line == 14, "\(bad)")
        }
    }

    @Test func acceptableBandStricterThanPerProtocolIsRejected() throws {
        let yaml = exampleYAML.replacingOccurrences(of: "acceptable: \"<= 56 Gy\"", with: "acceptable: \"<= 50 Gy\"")
        let e = try #require(throws: QAError.self) { try ProtocolParser.parse(yaml: yaml) }
        #expect(e.field == "acceptable")
        #expect(e.line == 11)
    }

    @Test func volumeLimitInGyIsRejected() throws {
        let yaml = exampleYAML.replacingOccurrences(of: "metric: Dmean", with: "metric: V20Gy")
        let e = try #require(throws: QAError.self) { try ProtocolParser.parse(yaml: yaml) }
        #expect(e.field == "per_protocol")
        #expect(e.message.contains("volume"))
    }

    @Test func invalidIdAndConstraintsShapeAreRejected() throws {
        let e1 = try #require(throws: QAError.self) {
            try ProtocolParser.parse(yaml: exampleYAML.replacingOccurrences(of: "id: example-posterior-fossa", with: "id: Example PF"))
        }
        #expect(e1.field == "id")
        #expect(e1.line == 1)
        let e2 = try #require(throws: QAError.self) {
            try ProtocolParser.parse(yaml: "id: a\nname: b\nversion: \"1\"\nsource: c\nconstraints: none\n")
        }
        #expect(e2.field == "constraints")
        #expect(e2.line == 5)
    }

    @Test func missingProtocolFileIsUnreadable() throws {
        let e = try #require(throws: QAError.self) { try ProtocolParser.load(path: "/nonexistent/protocol.yaml") }
        #expect(e.code == .unreadableProtocol)
        #expect(e.file == "/nonexistent/protocol.yaml")
    }
}

@Suite struct GrammarTests {
    @Test func metricsParseToTheirCanonicalForm() throws {
        let cases: [(String, ConstraintMetric)] = [
            ("D95%", .doseAtVolumePercent(95)), ("d 0.03 cc", .doseAtVolumeCC(0.03)), ("D2cc", .doseAtVolumeCC(2)),
            ("V20Gy", .volumeAtDoseGy(20)), ("v95%", .volumeAtDosePercentOfPrescription(95)),
            ("Dmean", .meanDose), ("Mean", .meanDose), ("DMAX", .maxDose), ("Dmin", .minDose),
        ]
        for (text, expected) in cases {
            #expect(try ConstraintMetric.parse(text) == expected, "\(text)")
        }
        #expect(ConstraintMetric.doseAtVolumeCC(0.03).description == "D0.03cc")
        #expect(ConstraintMetric.volumeAtDoseGy(20).description == "V20Gy")
    }

    @Test func limitsParseAndCompareAtTheirBoundary() throws {
        let le = try Limit.parse("<= 54 Gy")
        #expect(le.isSatisfied(by: 54) && le.isSatisfied(by: 54 + 1e-12) && !le.isSatisfied(by: 54.001))
        let lt = try Limit.parse("< 14Gy")
        #expect(!lt.isSatisfied(by: 14) && lt.isSatisfied(by: 13.999))
        let ge = try Limit.parse("≥ 95 %")
        #expect(ge.comparison == .greaterOrEqual && ge.unit == .percent && ge.isSatisfied(by: 95) && !ge.isSatisfied(by: 94.99))
        #expect(try Limit.parse("<= 5400 cGy").value == 54)
        #expect(try Limit.parse("> 2 cc").unit == .cc)
        #expect(throws: QAError.self) { try Limit.parse("54 Gy") }
        #expect(throws: QAError.self) { try Limit.parse("<= Gy") }
        #expect(throws: QAError.self) { try Limit.parse("<= 54 mSv") }
    }

    @Test func ageBandsAcceptComparisonsAndRanges() throws {
        let range = try AgeBand.parse("2-6")
        #expect(range.contains(2) && range.contains(5.9) && !range.contains(6) && !range.contains(1.9))
        let both = try AgeBand.parse(">= 2 and <= 6")
        #expect(both.contains(6) && !both.contains(6.1))
        #expect(try AgeBand.parse("< 18 years").contains(17))
        #expect(throws: QAError.self) { try AgeBand.parse("young") }
    }
}
