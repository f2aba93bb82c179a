import AnchorDICOM
public struct RTObject { public init(file: DICOMFile) throws {} }
