import AnchorDICOM
import Foundation

/// Builds DICOM objects from Anchor's RT values: CT series, RT Structure Set, RT Dose, RT Plan
/// (PS3.3 A.3 CT Image IOD, A.19 RT Structure Set IOD, A.18 RT Dose IOD, A.20 RT Plan IOD), explicit VR
/// little endian. Used by the phantom generator and the tests; the files read back through the same
/// reader as anyone else's.
public enum RTWriter {
    /// Who and what the objects belong to; shared by all objects of one case.
    public struct Context: Sendable {
        public var patientID: String
        public var patientName: String
        public var patientSex: String?
        public var patientAge: String?
        public var studyInstanceUID: String
        public var frameOfReferenceUID: String
        public var studyDate: String
        public var studyDescription: String?
        public var manufacturer: String
        public var patientPosition: String

        public init(patientID: String = "PHANTOM", patientName: String = "Phantom^Anchor", patientSex: String? = nil,
                    patientAge: String? = nil, studyInstanceUID: String = UIDFactory.make(),
                    frameOfReferenceUID: String = UIDFactory.make(), studyDate: String = "20260101",
                    studyDescription: String? = nil, manufacturer: String = "Anchor", patientPosition: String = "HFS") {
            self.patientID = patientID
            self.patientName = patientName
            self.patientSex = patientSex
            self.patientAge = patientAge
            self.studyInstanceUID = studyInstanceUID
            self.frameOfReferenceUID = frameOfReferenceUID
            self.studyDate = studyDate
            self.studyDescription = studyDescription
            self.manufacturer = manufacturer
            self.patientPosition = patientPosition
        }
    }

    /// Patient, study, series and SOP common attributes (PS3.3 C.7.1.1, C.7.2.1, C.7.3.1, C.12.1).
    static func common(_ c: Context, sopClass: String, sopInstance: String, series: String, modality: String, seriesNumber: Int) -> DataSet {
        var ds = DataSet()
        ds.set(.specificCharacterSet, .CS, "ISO_IR 192")
        ds.characterSet = SpecificCharacterSet(terms: ["ISO_IR 192"])
        ds.set(.sopClassUID, .UI, sopClass)
        ds.set(.sopInstanceUID, .UI, sopInstance)
        ds.set(.studyDate, .DA, c.studyDate)
        ds.set(Tag(0x0008_0030), .TM, "120000")
        ds.set(Tag(0x0008_0050), .SH, "")
        ds.set(.modality, .CS, modality)
        ds.set(.manufacturer, .LO, c.manufacturer)
        ds.set(Tag(0x0008_0090), .PN, "")   // Referring Physician's Name (type 2)
        ds.set(Tag(0x0008_1070), .PN, "")   // Operators' Name (type 2, C.7.3.1)
        if let d = c.studyDescription { ds.set(Tag(0x0008_1030), .LO, d) }
        ds.set(.patientName, .PN, c.patientName)
        ds.set(.patientID, .LO, c.patientID)
        ds.set(.patientBirthDate, .DA, "")
        ds.set(.patientSex, .CS, c.patientSex ?? "")
        if let a = c.patientAge { ds.set(.patientAge, .AS, a) }
        ds.set(.studyInstanceUID, .UI, c.studyInstanceUID)
        ds.set(.seriesInstanceUID, .UI, series)
        ds.set(Tag(0x0020_0010), .SH, "1")
        ds.set(Tag(0x0020_0011), .IS, number: Double(seriesNumber))
        return ds
    }

    static func file(_ ds: DataSet) -> DICOMFile {
        DICOMFile(meta: DataSet(), dataSet: ds, transferSyntax: .explicitVRLittleEndian)
    }

    // MARK: CT

    /// One CT Image per frame of `grid`, voxels in Hounsfield units stored as signed 16-bit with
    /// Rescale Slope 1 and Intercept 0 (PS3.3 C.8.2.1).
    public static func ctSeries(grid: Grid3D, hounsfield: [Float], context c: Context,
                                seriesInstanceUID: String = UIDFactory.make()) -> [DICOMFile] {
        let plane = grid.columns * grid.rows
        precondition(hounsfield.count == plane * grid.frames, "voxel count does not match the grid")
        return (0..<grid.frames).map { k in
            var ds = common(c, sopClass: SOPClass.ctImage, sopInstance: UIDFactory.make(), series: seriesInstanceUID, modality: "CT", seriesNumber: 1)
            ds.set(.imageType, .CS, ["ORIGINAL", "PRIMARY", "AXIAL"])
            ds.set(.patientPosition, .CS, c.patientPosition)
            ds.set(.sliceThickness, .DS, number: grid.uniformFrameSpacing ?? grid.spacing.k)
            ds.set(Tag(0x0018_0060), .DS, number: 120) // KVP
            ds.set(.instanceNumber, .IS, number: Double(k + 1))
            ds.set(Tag(0x0020_0012), .IS, number: 1)  // Acquisition Number (type 2, C.7.6.1)
            ds.set(Tag(0x0020_0060), .CS, "")         // Laterality (type 2C, C.7.3.1)
            let p = grid.position(0, 0, k)
            ds.set(.imagePositionPatient, .DS, numbers: p.array)
            ds.set(.imageOrientationPatient, .DS, numbers: grid.rowDirection.array + grid.columnDirection.array)
            ds.set(.frameOfReferenceUID, .UI, c.frameOfReferenceUID)
            ds.set(Tag(0x0020_1040), .LO, "")
            ds.set(Tag(0x0020_1041), .DS, number: p.dot(grid.normal))
            ds.set(.samplesPerPixel, .US, number: 1)
            ds.set(.photometricInterpretation, .CS, "MONOCHROME2")
            ds.set(.rows, .US, number: Double(grid.rows))
            ds.set(.columns, .US, number: Double(grid.columns))
            ds.set(.pixelSpacing, .DS, numbers: [grid.spacingJ, grid.spacingI])
            ds.set(.bitsAllocated, .US, number: 16)
            ds.set(.bitsStored, .US, number: 16)
            ds.set(.highBit, .US, number: 15)
            ds.set(.pixelRepresentation, .US, number: 1)
            ds.set(Tag(0x0028_1050), .DS, number: 40)   // Window Center
            ds.set(Tag(0x0028_1051), .DS, number: 400)  // Window Width
            ds.set(.rescaleIntercept, .DS, number: 0)
            ds.set(.rescaleSlope, .DS, number: 1)
            ds.set(Tag(0x0028_1054), .LO, "HU")
            var bytes = [UInt8](repeating: 0, count: plane * 2)
            for i in 0..<plane {
                let v = Int16(clamping: Int(hounsfield[k * plane + i].rounded()))
                let u = UInt16(bitPattern: v)
                bytes[2 * i] = UInt8(u & 0xFF)
                bytes[2 * i + 1] = UInt8(u >> 8)
            }
            ds.set(.pixelData, .OW, bytes: bytes)
            return file(ds)
        }
    }

    // MARK: RT Structure Set

    /// An RT Structure Set (PS3.3 C.8.8.5, C.8.8.6, C.8.8.8). Contours on a CT plane reference that
    /// slice in their Contour Image Sequence when `referencedSeries` is given.
    public static func structureSetFile(_ rs: StructureSet, context c: Context, referencedSeries: ImageSeries? = nil,
                                        seriesInstanceUID: String = UIDFactory.make()) -> DICOMFile {
        var ds = common(c, sopClass: SOPClass.rtStructureSet, sopInstance: rs.sopInstanceUID, series: seriesInstanceUID, modality: "RTSTRUCT", seriesNumber: 2)
        ds.set(.structureSetLabel, .SH, rs.label ?? "Anchor")
        if let n = rs.name { ds.set(.structureSetName, .LO, n) }
        ds.set(Tag(0x3006_0008), .DA, c.studyDate)
        ds.set(Tag(0x3006_0009), .TM, "120000")
        let forUID = rs.frameOfReferenceUIDs.first ?? c.frameOfReferenceUID
        // Frame of Reference module (C.7.4.1), required in the RT Structure Set IOD (A.19.3).
        ds.set(.frameOfReferenceUID, .UI, forUID)
        ds.set(Tag(0x0020_1040), .LO, "")
        var forItem = DataSet()
        forItem.set(.frameOfReferenceUID, .UI, forUID)
        if let s = referencedSeries {
            var seriesItem = DataSet()
            seriesItem.set(.seriesInstanceUID, .UI, s.seriesInstanceUID)
            seriesItem.set(.contourImageSequence, items: s.slices.map { sl in
                var i = DataSet()
                i.set(.referencedSOPClassUID, .UI, sl.sopClassUID)
                i.set(.referencedSOPInstanceUID, .UI, sl.sopInstanceUID)
                return i
            })
            var study = DataSet()
            study.set(.referencedSOPClassUID, .UI, "1.2.840.10008.3.1.2.3.1") // Detached Study Management (retired), as TPSs write
            study.set(.referencedSOPInstanceUID, .UI, c.studyInstanceUID)
            study.set(.rtReferencedSeriesSequence, items: [seriesItem])
            forItem.set(.rtReferencedStudySequence, items: [study])
        }
        ds.set(.referencedFrameOfReferenceSequence, items: [forItem])
        ds.set(.structureSetROISequence, items: rs.rois.map { r in
            var i = DataSet()
            i.set(.roiNumber, .IS, number: Double(r.number))
            i.set(.referencedFrameOfReferenceUID, .UI, r.frameOfReferenceUID ?? forUID)
            i.set(.roiName, .LO, r.name)
            i.set(.roiGenerationAlgorithm, .CS, r.generationAlgorithm ?? "MANUAL")
            return i
        })
        // Slice lookup for Contour Image Sequence: the CT slice whose plane holds the contour.
        let slicesByOffset: [(Double, ImageSlice)] = referencedSeries.map { s in
            s.slices.map { ($0.position.dot(s.grid.normal), $0) }
        } ?? []
        let normal = referencedSeries?.grid.normal
        ds.set(.roiContourSequence, items: rs.rois.map { r in
            var i = DataSet()
            let color = r.color ?? (r: 255, g: 0, b: 0)
            i.set(.roiDisplayColor, .IS, numbers: [Double(color.r), Double(color.g), Double(color.b)])
            i.set(.contourSequence, items: r.contours.map { contour in
                var ci = DataSet()
                if let n = normal, let first = contour.points.first,
                   let hit = slicesByOffset.min(by: { abs($0.0 - first.dot(n)) < abs($1.0 - first.dot(n)) }),
                   abs(hit.0 - first.dot(n)) < 0.01 {
                    var ref = DataSet()
                    ref.set(.referencedSOPClassUID, .UI, hit.1.sopClassUID)
                    ref.set(.referencedSOPInstanceUID, .UI, hit.1.sopInstanceUID)
                    ci.set(.contourImageSequence, items: [ref])
                }
                ci.set(.contourGeometricType, .CS, contour.geometricType == .unknown ? "CLOSED_PLANAR" : contour.geometricType.rawValue)
                ci.set(.numberOfContourPoints, .IS, number: Double(contour.points.count))
                ci.set(.contourData, .DS, numbers: contour.points.flatMap { [$0.x, $0.y, $0.z] })
                return ci
            })
            i.set(.referencedROINumber, .IS, number: Double(r.number))
            return i
        })
        ds.set(.rtROIObservationsSequence, items: rs.rois.map { r in
            var i = DataSet()
            i.set(Tag(0x3006_0082), .IS, number: Double(r.number)) // Observation Number
            i.set(.referencedROINumber, .IS, number: Double(r.number))
            if let l = r.observationLabel { i.set(.roiObservationLabel, .SH, l) }
            i.set(.rtROIInterpretedType, .CS, r.interpretedType ?? "")
            i.set(Tag(0x3006_00A6), .PN, "") // ROI Interpreter
            return i
        })
        return file(ds)
    }

    // MARK: RT Dose

    /// An RT Dose (PS3.3 C.8.8.3): unsigned 32-bit values with Dose Grid Scaling chosen so the maximum
    /// uses the full range (relative precision better than 1e-9), relative Grid Frame Offset Vector.
    public static func doseFile(_ dose: DoseGrid, context c: Context, referencedPlanUID: String? = nil,
                                seriesInstanceUID: String = UIDFactory.make()) -> DICOMFile {
        doseFile(dose, context: c, referencedPlanUID: referencedPlanUID, referencedFractionGroup: nil, seriesInstanceUID: seriesInstanceUID)
    }

    /// An RT Dose file that references a fraction group and its beams (`dose.referencedBeamNumbers`), as
    /// FRACTION and BEAM summations must (PS3.3 C.8.8.3).
    public static func doseFile(_ dose: DoseGrid, context c: Context, referencedPlanUID: String?, referencedFractionGroup: Int?,
                                seriesInstanceUID: String = UIDFactory.make()) -> DICOMFile {
        var ds = common(c, sopClass: SOPClass.rtDose, sopInstance: dose.sopInstanceUID, series: seriesInstanceUID, modality: "RTDOSE", seriesNumber: 3)
        let g = dose.grid
        ds.set(.sliceThickness, .DS, "")
        ds.set(.instanceNumber, .IS, number: 1)
        ds.set(.imagePositionPatient, .DS, numbers: g.origin.array)
        ds.set(.imageOrientationPatient, .DS, numbers: g.rowDirection.array + g.columnDirection.array)
        ds.set(.frameOfReferenceUID, .UI, dose.frameOfReferenceUID ?? c.frameOfReferenceUID)
        ds.set(.samplesPerPixel, .US, number: 1)
        ds.set(.photometricInterpretation, .CS, "MONOCHROME2")
        ds.set(.numberOfFrames, .IS, number: Double(g.frames))
        ds.set(.frameIncrementPointer, .AT, bytes: [0x04, 0x30, 0x0C, 0x00]) // (3004,000C)
        ds.set(.rows, .US, number: Double(g.rows))
        ds.set(.columns, .US, number: Double(g.columns))
        ds.set(.pixelSpacing, .DS, numbers: [g.spacingJ, g.spacingI])
        ds.set(.bitsAllocated, .US, number: 32)
        ds.set(.bitsStored, .US, number: 32)
        ds.set(.highBit, .US, number: 31)
        ds.set(.pixelRepresentation, .US, number: 0)
        ds.set(.doseUnits, .CS, dose.units)
        ds.set(.doseType, .CS, dose.doseType ?? "PHYSICAL")
        ds.set(.doseSummationType, .CS, dose.summationType ?? "PLAN")
        ds.set(.gridFrameOffsetVector, .DS, numbers: g.frameOffsets.map { $0 - g.frameOffsets[0] })
        let maxValue = Double(dose.values.max() ?? 0)
        // Scaling as a DS of at most 16 characters; stored values then fit in UInt32 with margin.
        let scaling = Double(formatDS(max(maxValue, 1e-12) / 4.0e9)) ?? (max(maxValue, 1e-12) / 4.0e9)
        ds.set(.doseGridScaling, .DS, number: scaling)
        if let plan = referencedPlanUID {
            var ref = DataSet()
            ref.set(.referencedSOPClassUID, .UI, SOPClass.rtPlan)
            ref.set(.referencedSOPInstanceUID, .UI, plan)
            if let group = referencedFractionGroup {
                var g = DataSet()
                if !dose.referencedBeamNumbers.isEmpty {
                    g.set(.referencedBeamSequence, items: dose.referencedBeamNumbers.map { n in
                        var b = DataSet()
                        b.set(.referencedBeamNumber, .IS, number: Double(n))
                        return b
                    })
                }
                g.set(.referencedFractionGroupNumber, .IS, number: Double(group))
                ref.set(.referencedFractionGroupSequence, items: [g])
            }
            ds.set(.referencedRTPlanSequence, items: [ref])
        }
        var bytes = [UInt8](repeating: 0, count: dose.values.count * 4)
        for (n, v) in dose.values.enumerated() {
            let u = UInt32(clamping: Int((Double(max(v, 0)) / scaling).rounded()))
            bytes[4 * n] = UInt8(u & 0xFF)
            bytes[4 * n + 1] = UInt8((u >> 8) & 0xFF)
            bytes[4 * n + 2] = UInt8((u >> 16) & 0xFF)
            bytes[4 * n + 3] = UInt8(u >> 24)
        }
        ds.set(.pixelData, .OW, bytes: bytes)
        return file(ds)
    }
}
