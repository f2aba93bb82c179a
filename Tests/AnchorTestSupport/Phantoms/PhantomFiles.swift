import AnchorDICOM
import AnchorRT
import Foundation

/// Writes DVH phantoms as real DICOM files (RT Structure Set and RT Dose through `RTWriter`) and reads
/// them back through the same reader as anyone else's files, so the phantom tests exercise the whole
/// path from bytes to DVH.
public enum PhantomFiles {
    /// A structure set of the phantoms (ROI numbers 1, 2, ... in order) and a dose grid, written to a new
    /// temporary folder as `RS.dcm` and `RD.dcm`.
    @discardableResult
    public static func write(_ phantoms: [DVHPhantom], dose: DoseGrid, to dir: String = Fixtures.temporaryDirectory("anchor-dvh-phantom"),
                             extraROIs: [StructureSet.ROI] = []) throws -> String {
        let context = RTWriter.Context(patientID: "DVHPHANTOM", patientName: "Phantom^DVH")
        var rois = phantoms.enumerated().map { $0.element.roi(number: $0.offset + 1) }
        rois += extraROIs
        let rs = StructureSet(sopInstanceUID: UIDFactory.make(), label: "DVHPhantom", frameOfReferenceUID: context.frameOfReferenceUID, rois: rois)
        var d = dose
        d.frameOfReferenceUID = context.frameOfReferenceUID
        try DICOMWriter.write(RTWriter.structureSetFile(rs, context: context), to: dir + "/RS.dcm")
        try DICOMWriter.write(RTWriter.doseFile(d, context: context), to: dir + "/RD.dcm")
        return dir
    }

    /// Reads back what `write` wrote.
    public static func read(_ dir: String) throws -> (StructureSet, DoseGrid) {
        let rs = try StructureSet(file: DICOMFile.read(path: dir + "/RS.dcm"))
        let rd = try DoseGrid(file: DICOMFile.read(path: dir + "/RD.dcm"))
        return (rs, rd)
    }

    /// Writes and reads back in one step; the folder is removed afterwards.
    public static func roundTrip(_ phantoms: [DVHPhantom], dose: DoseGrid, extraROIs: [StructureSet.ROI] = []) throws -> (StructureSet, DoseGrid) {
        let dir = try write(phantoms, dose: dose, extraROIs: extraROIs)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        return try read(dir)
    }
}
