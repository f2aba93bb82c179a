@testable import AnchorDICOM
import Foundation
import Testing

/// The generated Table E.1-1 (PS3.15 Annex E) and the date arithmetic of the options.
struct DeidProfileTests {
    typealias Action = DeidentificationProfile.Action

    @Test func tableHasEveryRowOfTheStandard() {
        let rows = DeidentificationProfile.rows
        // 647 rows of the 2025-06 scrape (643 attributes, 3 repeating groups, the private row) and 9 newer ones.
        #expect(rows.count == 656)
        #expect(Set(rows.map { "\($0.tag.rawValue)/\($0.mask)" }).count == rows.count)
    }

    @Test(arguments: [
        (0x0010_0010 as UInt32, Action.zero), (0x0010_0020, .zeroOrDummy), (0x0010_0030, .zero), (0x0020_000D, .uid),
        (0x0008_0018, .uid), (0x0020_0052, .uid), (0x0008_1155, .uid), (0x3006_0024, .uid), (0x0008_0080, .removeOrZeroOrDummy),
        (0x0008_1140, .removeOrZeroOrUID), (0x3006_0026, .zero), (0x300A_0002, .dummy), (0x0010_1010, .remove),
        (0x0008_0020, .zero), (0x300A_00B2, .removeOrZero), (0x0018_1010, .remove),
    ])
    func basicActionsAreTheStandards(_ tag: UInt32, _ action: Action) throws {
        let row = try #require(DeidentificationProfile.row(for: DICOMTag(tag)))
        #expect(row.basic == action, "\(DICOMTag(tag))")
    }

    @Test func optionsChangeTheActionsTheyName() throws {
        let age = try #require(DeidentificationProfile.row(for: .patientAge))
        #expect(age.action(with: []) == .remove)
        #expect(age.action(with: [.retainPatientCharacteristics]) == .keep)
        let studyDate = try #require(DeidentificationProfile.row(for: .studyDate))
        #expect(studyDate.action(with: [.retainLongitudinalModifiedDates]) == .clean)
        #expect(studyDate.action(with: [.retainPatientCharacteristics]) == .zero)
        let roiName = try #require(DeidentificationProfile.row(for: DICOMTag(0x3006_0026)))
        #expect(roiName.action(with: [.cleanDescriptors]) == .clean)
        let machine = try #require(DeidentificationProfile.row(for: DICOMTag(0x300A_00B2)))
        #expect(machine.action(with: [.retainDeviceIdentity]) == .keep)
        // Rows known only from the newer edition's basic column keep their basic action under every option.
        let sc = try #require(DeidentificationProfile.row(for: DICOMTag(0x0018_1010)))
        #expect(sc.basicColumnOnly && sc.action(with: Set(DeidentificationProfile.Option.allCases)) == .remove)
    }

    @Test func repeatingGroupsAndPrivateTagsFindTheirRows() throws {
        #expect(DeidentificationProfile.row(for: DICOMTag(0x6002_3000))?.basic == .remove)
        #expect(DeidentificationProfile.row(for: DICOMTag(0x601E_4000))?.basic == .remove)
        #expect(DeidentificationProfile.row(for: DICOMTag(0x5010_0005))?.basic == .remove)
        #expect(DeidentificationProfile.row(for: DICOMTag(0x6000_0010)) == nil)
        #expect(DeidentificationProfile.row(for: DICOMTag(0x0009_1001))?.basic == .remove)
        #expect(DeidentificationProfile.row(for: DICOMTag(0x7FE0_0010)) == nil)
        #expect(DeidentificationProfile.row(for: DICOMTag(0x3006_0050)) == nil) // Contour Data
    }

    @Test func keepingANonDescriptorIsRefused() {
        var o = DeidentificationOptions()
        o.keptDescriptors.insert(.patientName)
        #expect(throws: DICOMError.self) { try o.validate() }
        o = DeidentificationOptions()
        o.keptDescriptors.insert(.seriesDescription)
        #expect(throws: Never.self) { try o.validate() }
        o.pseudonymPrefix = "anon"
        #expect(throws: DICOMError.self) { try o.validate() }
    }

    @Test(arguments: [
        ("20110920", -1, "20110919"), ("20110301", -1, "20110228"), ("20120301", -1, "20120229"),
        ("20000229", 366, "20010301"), ("20110920", -3650, "20010922"), ("2011.09.20", 10, "20110930"),
    ])
    func datesMoveByWholeDays(_ date: String, _ offset: Int, _ expected: String) {
        #expect(DateShift.shiftDate(date, by: offset) == expected)
    }

    @Test func invalidDatesAreNotMoved() {
        #expect(DateShift.shiftDate("20110230", by: 1) == nil)
        #expect(DateShift.shiftDate("ZQMK0001", by: 1) == nil)
        #expect(DateShift.shiftDate("2011092", by: 1) == nil)
    }

    @Test(arguments: [
        ("20110920153449.123456+0100", -2, "20110918153449.123456+0100"), ("201109", -30, "201108"),
        ("2011", -400, "2009"), ("20110920", 1, "20110921"),
    ])
    func dateTimesMoveTheirDatePartOnly(_ dt: String, _ offset: Int, _ expected: String) {
        #expect(DateShift.shiftDateTime(dt, by: offset) == expected)
    }

    @Test(arguments: [
        // Newborn in days, infants and toddlers in months, then years; HIPAA's 90-year cap.
        ("20200101", "20200121", "020D"), ("20200131", "20200302", "001M"), ("20190315", "20200514", "013M"), ("20190315", "20200515", "014M"),
        ("20180315", "20200314", "023M"), ("20180315", "20200315", "002Y"), ("20090920", "20150919", "005Y"),
        ("19200101", "20200101", "090Y"),
    ])
    func ageIsComputedWithAChildsResolution(_ birth: String, _ at: String, _ expected: String) {
        #expect(DateShift.age(birth: birth, at: at) == expected)
    }

    @Test func ageIsNotComputedBeforeBirth() {
        #expect(DateShift.age(birth: "20200101", at: "20191231") == nil)
        #expect(DateShift.capAge("095Y") == "090Y")
        #expect(DateShift.capAge("011M") == "011M")
    }
}
