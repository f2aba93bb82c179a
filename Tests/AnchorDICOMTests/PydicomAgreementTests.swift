import AnchorDICOM
import AnchorTestSupport
import Foundation
import Testing

/// Reads every file under ../shared/data and compares with what pydicom 3 read from the same bytes
/// (`Tests/Fixtures/pydicom-expected.json`, made by `Scripts/make-pydicom-fixtures.py`).
@Suite(.enabled(if: Fixtures.hasSharedData, Comment(rawValue: Fixtures.sharedDataMissing)))
struct PydicomAgreementTests {
    struct Expected: Decodable {
        struct Image: Decodable {
            let rows: Int?, columns: Int?, frames: Int?
            let pixel_min: Double?, pixel_max: Double?
        }
        struct Value: Decodable {
            let vr: String
            let value: [JSONScalar]?
            let items: Int?
            let length: Int?
            let fragments: Int?
        }
        let path: String
        let sha256: String
        let read_ok: Bool
        let transfer_syntax_uid: String?
        let sop_class_uid: String?
        let sop_instance_uid: String?
        let modality: String?
        let top_level_tags: [String]?
        let element_count_recursive: Int?
        let values: [String: Value]?
        let image: Image?
        let short_values: [String]?
    }

    enum JSONScalar: Decodable, Equatable {
        case string(String), number(Double)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let d = try? c.decode(Double.self) { self = .number(d) } else { self = .string(try c.decode(String.self)) }
        }
    }

    struct Fixture: Decodable { let files: [Expected] }

    static let expected: [Expected] = {
        let url = Fixtures.fixturesDir.appendingPathComponent("pydicom-expected.json")
        guard let data = try? Data(contentsOf: url) else { return [] }
        return (try? JSONDecoder().decode(Fixture.self, from: data))?.files ?? []
    }()

    @Test func fixtureCoversEveryDICOMFileInSharedData() {
        let dcm = Fixtures.files(under: Fixtures.sharedData.path).filter { $0.hasSuffix(".dcm") }
        #expect(dcm.count == Self.expected.count)
        #expect(Self.expected.count > 150)
    }

    @Test(arguments: expected)
    func readsWhatPydicomReads(_ exp: Expected) throws {
        let path = Fixtures.shared(exp.path)
        if let short = exp.short_values, !short.isEmpty {
            // pydicom silently keeps a value shorter than its declared length; Anchor refuses the file
            // and says where.
            #expect {
                _ = try DICOMFile.read(path: path)
            } throws: { error in
                guard let e = error as? DICOMError else { return false }
                return e.file == path && e.offset != nil && e.tag != nil && e.code == .lengthPastEnd
            }
            return
        }
        let file = try DICOMFile.read(path: path)
        let ds = file.dataSet
        if let ts = exp.transfer_syntax_uid { #expect(file.transferSyntax.uid == ts, "\(exp.path)") }
        #expect(file.sopClassUID == exp.sop_class_uid, "\(exp.path)")
        #expect(file.sopInstanceUID == exp.sop_instance_uid, "\(exp.path)")
        #expect(file.modality == exp.modality, "\(exp.path)")
        if let tags = exp.top_level_tags {
            #expect(ds.elements.map(\.tag.hex) == tags, "\(exp.path)")
        }
        if let count = exp.element_count_recursive {
            var n = 0
            ds.forEachElement { _, _ in n += 1 }
            #expect(n == count, "\(exp.path)")
        }
        for (hex, v) in exp.values ?? [:] {
            let tag = try #require(DICOMTag(hex: hex))
            let e = try #require(ds[tag], "\(exp.path) \(hex)")
            let ambiguous = (DataDictionary.entry(for: tag)?.vrs.count ?? 1) > 1
            if !ambiguous && !(v.vr == "UN" || e.vr == .UN) {
                #expect(e.vr.rawValue == v.vr, "\(exp.path) \(hex) VR")
            }
            if let items = v.items {
                #expect(e.items?.count == items, "\(exp.path) \(hex) items")
            } else if let fragments = v.fragments {
                if case .fragments(_, let f) = e.value { #expect(f.count == fragments, "\(exp.path) \(hex)") }
                else { Issue.record("\(exp.path) \(hex): expected encapsulated pixel data") }
            } else if let length = v.length {
                #expect(e.valueLength == length, "\(exp.path) \(hex) length")
            } else if let values = v.value {
                try compare(ds, tag, e.vr, values, exp.path)
            }
        }
        if let image = exp.image, let pmin = image.pixel_min, let pmax = image.pixel_max {
            let pixels = try #require(try PixelData(ds, transferSyntax: file.transferSyntax))
            #expect(pixels.rows == image.rows && pixels.columns == image.columns && pixels.frames == image.frames)
            var lo = Double.infinity, hi = -Double.infinity
            for f in 0..<pixels.frames {
                for v in try pixels.storedValues(frame: f) { lo = min(lo, v); hi = max(hi, v) }
            }
            #expect(lo == pmin && hi == pmax, "\(exp.path) pixel range")
        }
    }

    func compare(_ ds: DataSet, _ tag: DICOMTag, _ vr: VR, _ values: [JSONScalar], _ path: String) throws {
        if vr.isText {
            let ours = ds.strings(tag).map { $0.trimmingDICOMPadding() }.filter { _ in true }
            let theirs = values.map { if case .string(let s) = $0 { return s } else { return "" } }
            // pydicom gives [] for a value that is only padding.
            let oursNormalised = (ours.count == 1 && ours[0].isEmpty) ? [] : ours
            #expect(oursNormalised == theirs, "\(path) \(tag)")
        } else if vr == .AT {
            let theirs = values.map { if case .string(let s) = $0 { return s } else { return "" } }
            #expect(ds.tags(tag).map(\.hex) == theirs, "\(path) \(tag)")
        } else {
            let ours = try ds.doubles(tag)
            let theirs = values.map { if case .number(let d) = $0 { return d } else { return .nan } }
            let asFloat = vr == .FL || vr == .OF
            #expect(ours.count == theirs.count, "\(path) \(tag)")
            for (a, b) in zip(ours, theirs) {
                #expect(asFloat ? Float(a) == Float(b) : a == b, "\(path) \(tag): \(a) vs \(b)")
            }
        }
    }
}

extension PydicomAgreementTests.Expected: CustomTestStringConvertible {
    var testDescription: String { path }
}
