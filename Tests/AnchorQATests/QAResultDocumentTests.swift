import AnchorPhantoms
import AnchorRT
import Foundation
import Testing
@testable import AnchorQA

/// The typed QA document reads exactly what `anchor check --json` writes.
@Suite struct QAResultDocumentTests {
    func check(_ site: PhantomSite, _ variant: PhantomVariant, protocol id: String) throws -> CaseQAResult {
        let spec = try PhantomSpec(site: site, ageYears: 8, variant: variant, seed: 1, resolution: .coarse)
        let pc = PhantomGenerator.generate(spec)
        let members = try pc.files.map { Case.Member(file: $0.file, object: try RTObject(file: $0.file)) }
        let p = try #require(ProtocolLibrary.bundled().find(id: id))
        return try CaseQA.run(Case(members: members), protocol: p, age: (8, .submission))
    }

    /// Every key of the written document at the top level and in each result.
    func keys(_ text: String) throws -> (top: Set<String>, results: [Set<String>]) {
        let any = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        let results = (any["results"] as? [[String: Any]] ?? []).map { Set($0.keys) }
        return (Set(any.keys), results)
    }

    @Test func documentReadsEveryValueTheCheckWrites() throws {
        let qa = try check(.posteriorFossa, .cochleaOverdose, protocol: "posterior-fossa")
        let text = qa.check.serialized(pretty: false)
        let doc = try QAResultDocument.decode(text)
        let e = qa.report.evaluation
        #expect(doc.protocolInfo.id == "posterior-fossa")
        #expect(doc.overall == e.overall)
        #expect(doc.results.count == e.results.count)
        for (d, r) in zip(doc.results, e.results) {
            #expect(d.structure == r.constraint.structure)
            #expect(d.matchedStructure == r.matchedStructure)
            #expect(d.grade == r.grade)
            #expect(d.value == r.value)
            #expect(d.metric == r.constraint.metric.description)
        }
        #expect(doc.ageYears == 8)
        #expect(doc.ageSource == "submission")
        #expect(doc.results.contains { $0.grade == .unacceptableVariation })
    }

    @Test func encodingTheDocumentKeepsEveryKey() throws {
        let qa = try check(.abdomen, .acceptable, protocol: "wilms-flank")
        let text = qa.check.serialized(pretty: false)
        let doc = try QAResultDocument.decode(text)
        let again = String(decoding: try JSONEncoder().encode(doc), as: UTF8.self)
        let (top, results) = try keys(text)
        let (top2, results2) = try keys(again)
        // JSONEncoder leaves out nil values; every key it writes is one the check wrote, and every
        // non-null key the check wrote comes back.
        #expect(top2.isSubset(of: top))
        let any = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        let nonNullTop = Set(any.filter { !($0.value is NSNull) }.keys)
        #expect(nonNullTop.isSubset(of: top2), "\(nonNullTop.subtracting(top2))")
        #expect(results.count == results2.count)
        for (a, b) in zip(results, results2) { #expect(b.isSubset(of: a)) }
    }

    @Test func oldDocumentsWithMissingKeysStillRead() throws {
        let minimal = #"{"protocol": {"id": "x", "version": "1", "name": "X", "source": "s", "kind": "protocol"}, "results": [{"structure": "PTV", "metric": "D95%", "unit": "%", "grade": "not_evaluable", "limit": ">= 95%"}], "overall": "not_evaluable"}"#
        let doc = try QAResultDocument.decode(minimal)
        #expect(doc.results[0].value == nil)
        #expect(doc.caseInfo == nil)
        #expect(QAResultDocument.decodeIfPresent("not json") == nil)
    }
}
