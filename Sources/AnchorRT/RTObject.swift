import AnchorDICOM

/// A DICOM object read as what it is in radiotherapy.
public enum RTObject: Sendable {
    case image(ImageSlice)
    case structureSet(StructureSet)
    case dose(DoseGrid)
    case plan(Plan)
    /// Any other object (RT Image, SR ...): kept so the case can list it.
    case other(sopClassUID: String?, modality: String?)

    /// Interprets a file by its SOP Class (or Modality when the class is missing); sizes are checked
    /// against `limits` before anything is allocated.
    public init(file: DICOMFile, limits: ResourceLimits = .default) throws {
        let sopClass = file.sopClassUID ?? ""
        let modality = file.modality ?? ""
        switch (sopClass, modality) {
        case (SOPClass.rtStructureSet, _), ("", "RTSTRUCT"): self = .structureSet(try StructureSet(file: file, limits: limits))
        case (SOPClass.rtDose, _), ("", "RTDOSE"): self = .dose(try DoseGrid(file: file, limits: limits))
        case (SOPClass.rtPlan, _), (SOPClass.rtIonPlan, _), ("", "RTPLAN"): self = .plan(try Plan(file: file))
        case (SOPClass.ctImage, _), (SOPClass.mrImage, _), (SOPClass.petImage, _), ("", "CT"), ("", "MR"), ("", "PT"):
            self = .image(try ImageSlice(file: file, limits: limits))
        default:
            self = .other(sopClassUID: file.sopClassUID, modality: file.modality)
        }
    }
}
