/// What a de-identification keeps: the Basic Application Level Confidentiality Profile (PS3.15 E.2)
/// plus the options a review network needs (PS3.15 E.3). The defaults suit a paediatric RT review:
/// patient characteristics kept (sex, age, size and weight matter for children), the descriptors that
/// name structures and plans kept, dates removed unless `retainModifiedDates` is set.
public struct DeidentificationOptions: Sendable {
    /// Retain Longitudinal Temporal Information with Modified Dates Option (PS3.15 E.3.6): every date of
    /// one patient moved by the same number of days (derived from the centre secret), so intervals
    /// survive. Times of day stay as they are, a shift by whole days keeping them.
    public var retainModifiedDates = false
    /// Retain Patient Characteristics Option (PS3.15 E.3.7): sex, age, size, weight and the like kept;
    /// Patient's Age computed from the birth date when absent, before the birth date is removed.
    public var retainPatientCharacteristics = true
    /// Retain Device Identity Option (PS3.15 E.3.8): serial numbers, station and machine names kept.
    public var retainDeviceIdentity = false
    /// Clean Descriptors Option (PS3.15 E.3.5), cleaning by removal: a descriptor of the option's column
    /// is kept only when listed here (its value is still checked for the patient's own name, ID and birth
    /// date); every other descriptor gets the basic profile's action. Empty: no descriptor is kept.
    public var keptDescriptors: Set<Tag> = DeidentificationOptions.reviewDescriptors
    /// Write files whose Burned In Annotation (0028,0301) is YES. Pixel data are never changed (the Clean
    /// Pixel Data Option, PS3.15 E.3.1, is not implemented), so such files are refused unless this is set.
    public var acceptBurnedInAnnotation = false
    /// Pseudonyms read `PREFIX-XXXXXXXXXX`. Letters and digits, at most 16 characters.
    public var pseudonymPrefix = "ANON"
    /// Clean Descriptors step for free text outside Table E.1-1 (PS3.15 E.3.5 says descriptors can hold
    /// identifying text; the table cannot list every attribute that holds free text, a Dose Comment or a
    /// vendor's beam note). When set, every free-text value (LO, SH, ST, LT, UT, UC, PN) that the table does
    /// not govern is replaced unless its attribute is in `safeTextAttributes`; and every free-text value
    /// that is kept (a safe attribute, or a descriptor of `keptDescriptors`) is still replaced when it looks
    /// identifying by `DeidentificationVerifier`'s content rules (a phone number, a date, a title or
    /// kinship word before a name, a ward or bed, an e-mail or postal address, an institution). Each
    /// replacement is noted (attribute, where, why; never the value).
    public var cleanFreeText = true
    /// Attributes outside Table E.1-1 whose free text is kept (and still checked, see `cleanFreeText`).
    public var safeTextAttributes: Set<Tag> = DeidentificationOptions.defaultSafeTextAttributes

    /// Free text outside Table E.1-1 that names things rather than people: coded entries (PS3.3 8.8),
    /// equipment and software, display settings, the record of the de-identification itself, and the
    /// names and identifiers of beams and beam-modifying devices an RT plan review reads (PS3.3 C.8.8.14).
    public static let defaultSafeTextAttributes: Set<Tag> = Set([
        // Code Sequence Macro (PS3.3 Table 8.8-1).
        "CodeValue", "CodingSchemeDesignator", "CodingSchemeVersion", "CodeMeaning", "MappingResource", "ContextIdentifier",
        "LongCodeValue", "CodingSchemeName", "ResponsibleOrganization",
        // Equipment (PS3.3 C.7.5.1), secondary capture equipment (C.8.6.1).
        "Manufacturer", "ManufacturerModelName", "SoftwareVersions", "SecondaryCaptureDeviceManufacturer",
        "SecondaryCaptureDeviceManufacturerModelName", "SecondaryCaptureDeviceSoftwareVersions",
        // Display (C.11.2, C.11.1).
        "WindowCenterWidthExplanation", "RescaleType",
        // Written by the de-identification (PS3.15 E.1.1).
        "DeidentificationMethod",
        // RT Beams (C.8.8.14): beam names and the IDs of the devices in the beam.
        "BeamName", "ToleranceTableLabel", "BlockName", "BlockTrayID", "WedgeID", "CompensatorID", "BolusID",
        "ApplicatorID", "AccessoryCode", "MaterialID", "FluenceModeID", "SourceApplicatorID",
        "RangeShifterID", "RangeModulatorID", "LateralSpreadingDeviceID", "SnoutID",
    ].compactMap { DataDictionary.entry(keyword: $0)?.tag })

    /// The descriptors that a review needs and that name anatomy or a plan rather than a person: ROI Name,
    /// ROI Observation Label, Structure Set Label, RT Plan Label.
    public static let reviewDescriptors: Set<Tag> = [Tag(0x3006_0026), Tag(0x3006_0085), Tag(0x3006_0002), Tag(0x300A_0002)]

    public init() {}

    /// The Table E.1-1 option columns in force.
    public var profileOptions: Set<DeidentificationProfile.Option> {
        var s: Set<DeidentificationProfile.Option> = []
        if retainModifiedDates { s.insert(.retainLongitudinalModifiedDates) }
        if retainPatientCharacteristics { s.insert(.retainPatientCharacteristics) }
        if retainDeviceIdentity { s.insert(.retainDeviceIdentity) }
        if !keptDescriptors.isEmpty { s.insert(.cleanDescriptors) }
        return s
    }

    /// Checks that the kept descriptors are descriptors (C in the Clean Descriptors column) and that the
    /// prefix is usable in a Patient ID and a folder name.
    public func validate() throws {
        for t in keptDescriptors {
            guard let row = DeidentificationProfile.row(for: t), row.options[.cleanDescriptors] == .clean else {
                let name = DataDictionary.entry(for: t)?.keyword ?? t.description
                throw DICOMError(.invalidValue, "\(name) is not a descriptor of the Clean Descriptors Option (PS3.15 Table E.1-1), so it cannot be kept", tag: t)
            }
        }
        let ok = !pseudonymPrefix.isEmpty && pseudonymPrefix.count <= 16
            && pseudonymPrefix.unicodeScalars.allSatisfy { ($0.value >= 0x30 && $0.value <= 0x39) || ($0.value >= 0x41 && $0.value <= 0x5A) }
        guard ok else {
            throw DICOMError(.invalidValue, "pseudonym prefix '\(pseudonymPrefix)' must be 1 to 16 uppercase letters or digits")
        }
    }

    /// The descriptor for a keyword such as `SeriesDescription`, or nil when the dictionary has no such keyword.
    public static func descriptorTag(keyword: String) -> Tag? {
        DataDictionary.entry(keyword: keyword)?.tag
    }
}
