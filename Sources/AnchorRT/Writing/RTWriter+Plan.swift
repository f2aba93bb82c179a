import AnchorDICOM

/// Attributes of the RT Plan modules that the reader does not need (PS3.6; modules in PS3.3
/// C.8.8.9-C.8.8.14, C.8.8.16).
private extension Tag {
    static let rtPlanDescription = Tag(0x300A_0004)
    static let rtPlanTime = Tag(0x300A_0007)
    static let prescriptionDescription = Tag(0x300A_000E)
    static let doseReferenceUID = Tag(0x300A_0013)
    static let numberOfBrachyApplicationSetups = Tag(0x300A_00A0)
    static let sourceAxisDistance = Tag(0x300A_00B4)
    static let beamLimitingDeviceSequence = Tag(0x300A_00B6)
    static let rtBeamLimitingDeviceType = Tag(0x300A_00B8)
    static let numberOfLeafJawPairs = Tag(0x300A_00BC)
    static let leafPositionBoundaries = Tag(0x300A_00BE)
    static let numberOfCompensators = Tag(0x300A_00E0)
    static let numberOfBoli = Tag(0x300A_00ED)
    static let numberOfBlocks = Tag(0x300A_00F0)
    static let doseRateSet = Tag(0x300A_0115)
    static let beamLimitingDevicePositionSequence = Tag(0x300A_011A)
    static let leafJawPositions = Tag(0x300A_011C)
    static let beamLimitingDeviceRotationDirection = Tag(0x300A_0121)
    static let patientSupportRotationDirection = Tag(0x300A_0123)
    static let tableTopEccentricAngle = Tag(0x300A_0125)
    static let tableTopEccentricRotationDirection = Tag(0x300A_0126)
    static let tableTopVerticalPosition = Tag(0x300A_0128)
    static let tableTopLongitudinalPosition = Tag(0x300A_0129)
    static let tableTopLateralPosition = Tag(0x300A_012A)
    static let sourceToSurfaceDistance = Tag(0x300A_0130)
    static let patientSetupSequence = Tag(0x300A_0180)
    static let patientSetupNumber = Tag(0x300A_0182)
    static let referencedPatientSetupNumber = Tag(0x300C_006A)
    static let approvalStatus = Tag(0x300E_0002)
}

extension RTWriter {
    /// A static photon plan to write: what `planFile(_:context:)` needs, in the units of the standard
    /// (Gy, mm, degrees in the IEC 61217 scales that PS3.3 C.8.8.25.6 uses, MU).
    public struct PhotonPlan: Sendable {
        public var sopInstanceUID: String
        /// RT Plan Label (300A,0002), at most 16 characters.
        public var label: String
        public var name: String?
        public var planDescription: String?
        /// CURATIVE, PALLIATIVE, PROPHYLACTIC, VERIFICATION, MACHINE_QA, RESEARCH, SERVICE (C.8.8.9).
        public var intent: String
        public var prescriptionDescription: String?
        /// Dose references (C.8.8.10); the first TARGET is the prescription.
        public var doseReferences: [DoseReference]
        public var fractionsPlanned: Int
        public var beams: [Beam]
        /// The structure set the plan was made on (Referenced Structure Set Sequence, C.8.8.9).
        public var structureSetUID: String
        /// RT Approval Status (300E,0002): APPROVED, UNAPPROVED or REJECTED (C.8.8.16).
        public var approvalStatus: String

        public init(sopInstanceUID: String, label: String, name: String? = nil, planDescription: String? = nil,
                    intent: String = "CURATIVE", prescriptionDescription: String? = nil, doseReferences: [DoseReference],
                    fractionsPlanned: Int, beams: [Beam], structureSetUID: String, approvalStatus: String = "UNAPPROVED") {
            self.sopInstanceUID = sopInstanceUID
            self.label = label
            self.name = name
            self.planDescription = planDescription
            self.intent = intent
            self.prescriptionDescription = prescriptionDescription
            self.doseReferences = doseReferences
            self.fractionsPlanned = fractionsPlanned
            self.beams = beams
            self.structureSetUID = structureSetUID
            self.approvalStatus = approvalStatus
        }

        /// One item of the Dose Reference Sequence (C.8.8.10): a volume, here always an ROI.
        public struct DoseReference: Sendable {
            public var number: Int
            public var uid: String
            /// TARGET or ORGAN_AT_RISK.
            public var type: String
            public var description: String?
            /// The ROI (ROI Number of the structure set) the reference is.
            public var referencedROINumber: Int
            /// Target Prescription Dose (300A,0026), Gy, whole course; for TARGET.
            public var targetPrescriptionDoseGy: Double?
            /// Delivery Maximum Dose (300A,0023), Gy.
            public var deliveryMaximumDoseGy: Double?

            public init(number: Int, uid: String, type: String = "TARGET", description: String? = nil, referencedROINumber: Int,
                        targetPrescriptionDoseGy: Double? = nil, deliveryMaximumDoseGy: Double? = nil) {
                self.number = number
                self.uid = uid
                self.type = type
                self.description = description
                self.referencedROINumber = referencedROINumber
                self.targetPrescriptionDoseGy = targetPrescriptionDoseGy
                self.deliveryMaximumDoseGy = deliveryMaximumDoseGy
            }
        }

        /// Multileaf collimator leaves moving along the IEC X axis (MLCX, C.8.8.14.3): `boundariesMM` has
        /// one more value than there are leaf pairs; positions are at the isocentre plane, mm.
        public struct MLC: Sendable {
            public var boundariesMM: [Double]
            /// Leaf bank A (negative X side) then bank B positions per pair, as in Leaf/Jaw Positions.
            public var bankA: [Double]
            public var bankB: [Double]
            public init(boundariesMM: [Double], bankA: [Double], bankB: [Double]) {
                precondition(bankA.count == bankB.count && boundariesMM.count == bankA.count + 1, "MLC: boundaries must be one more than leaf pairs")
                self.boundariesMM = boundariesMM
                self.bankA = bankA
                self.bankB = bankB
            }
        }

        /// A static treatment beam: two control points (start and end), same geometry (C.8.8.14.5).
        public struct Beam: Sendable {
            public var number: Int
            public var name: String
            public var description: String?
            public var machineName: String
            /// Nominal Beam Energy (300A,0114), MV.
            public var energyMV: Double
            /// IEC 61217 gantry, beam limiting device (collimator) and patient support (couch) angles, degrees.
            public var gantryAngle: Double
            public var collimatorAngle: Double
            public var couchAngle: Double
            /// Isocenter Position (300A,012C), patient coordinates, mm.
            public var isocenter: Vec3
            /// Source-Axis Distance (300A,00B4), mm.
            public var sourceAxisDistanceMM: Double
            /// Source to Surface Distance (300A,0130) on the central axis, mm, when the axis enters the patient.
            public var sourceToSurfaceDistanceMM: Double?
            /// ASYMX and ASYMY jaw positions at the isocentre plane (X1, X2, Y1, Y2), mm.
            public var jawX: (x1: Double, x2: Double)
            public var jawY: (y1: Double, y2: Double)
            public var mlc: MLC?
            /// Beam Meterset (300A,0086) per fraction, MU.
            public var metersetMU: Double
            /// Beam Dose (300A,0084) per fraction at the isocentre (the beam dose point), Gy. The beam dose
            /// point attributes (300A,0088-008A) are not written: recent editions retire them.
            public var beamDoseGy: Double
            /// Dose Rate Set (300A,0115), MU/min.
            public var doseRateMUPerMin: Double?

            public init(number: Int, name: String, description: String? = nil, machineName: String, energyMV: Double,
                        gantryAngle: Double, collimatorAngle: Double = 0, couchAngle: Double = 0, isocenter: Vec3,
                        sourceAxisDistanceMM: Double = 1000, sourceToSurfaceDistanceMM: Double? = nil,
                        jawX: (x1: Double, x2: Double), jawY: (y1: Double, y2: Double), mlc: MLC? = nil,
                        metersetMU: Double, beamDoseGy: Double, doseRateMUPerMin: Double? = nil) {
                self.number = number
                self.name = name
                self.description = description
                self.machineName = machineName
                self.energyMV = energyMV
                self.gantryAngle = gantryAngle
                self.collimatorAngle = collimatorAngle
                self.couchAngle = couchAngle
                self.isocenter = isocenter
                self.sourceAxisDistanceMM = sourceAxisDistanceMM
                self.sourceToSurfaceDistanceMM = sourceToSurfaceDistanceMM
                self.jawX = jawX
                self.jawY = jawY
                self.mlc = mlc
                self.metersetMU = metersetMU
                self.beamDoseGy = beamDoseGy
                self.doseRateMUPerMin = doseRateMUPerMin
            }
        }
    }

    /// An RT Plan (PS3.3 A.20) for static photon beams: RT General Plan (C.8.8.9), RT Prescription
    /// (C.8.8.10), RT Patient Setup (C.8.8.12), RT Fraction Scheme (C.8.8.13), RT Beams (C.8.8.14) and
    /// RT Approval (C.8.8.16), with the Frame of Reference of the case. One fraction group; each beam
    /// has two control points, the second carrying only what changes (Cumulative Meterset Weight,
    /// C.8.8.14.5: unchanged attributes are not repeated).
    public static func planFile(_ plan: PhotonPlan, context c: Context, seriesInstanceUID: String = UIDFactory.make()) -> DICOMFile {
        var ds = common(c, sopClass: SOPClass.rtPlan, sopInstance: plan.sopInstanceUID, series: seriesInstanceUID, modality: "RTPLAN", seriesNumber: 4)
        ds.set(.frameOfReferenceUID, .UI, c.frameOfReferenceUID)
        ds.set(Tag(0x0020_1040), .LO, "") // Position Reference Indicator (C.7.4.1, Type 2)
        ds.set(Tag(0x0008_1070), .PN, "") // Operators' Name (RT Series, C.8.8.1, Type 2)
        ds.set(.instanceNumber, .IS, number: 1)

        // RT General Plan (C.8.8.9). Geometry PATIENT: the plan refers to a structure set.
        ds.set(.rtPlanLabel, .SH, String(plan.label.prefix(16)))
        if let n = plan.name { ds.set(.rtPlanName, .LO, n) }
        if let d = plan.planDescription { ds.set(.rtPlanDescription, .ST, d) }
        ds.set(.rtPlanDate, .DA, c.studyDate)
        ds.set(.rtPlanTime, .TM, "120000")
        ds.set(.planIntent, .CS, plan.intent)
        ds.set(.rtPlanGeometry, .CS, "PATIENT")
        var rsRef = DataSet()
        rsRef.set(.referencedSOPClassUID, .UI, SOPClass.rtStructureSet)
        rsRef.set(.referencedSOPInstanceUID, .UI, plan.structureSetUID)
        ds.set(.referencedStructureSetSequence, items: [rsRef])

        // RT Prescription (C.8.8.10).
        if let p = plan.prescriptionDescription { ds.set(.prescriptionDescription, .ST, p) }
        ds.set(.doseReferenceSequence, items: plan.doseReferences.map { r in
            var i = DataSet()
            i.set(.doseReferenceNumber, .IS, number: Double(r.number))
            i.set(.doseReferenceUID, .UI, r.uid)
            i.set(.doseReferenceStructureType, .CS, "VOLUME")
            if let d = r.description { i.set(.doseReferenceDescription, .LO, d) }
            i.set(.doseReferenceType, .CS, r.type)
            if let m = r.deliveryMaximumDoseGy { i.set(.deliveryMaximumDose, .DS, number: m) }
            if let t = r.targetPrescriptionDoseGy { i.set(.targetPrescriptionDose, .DS, number: t) }
            i.set(.referencedROINumber, .IS, number: Double(r.referencedROINumber))
            return i
        })

        // RT Patient Setup (C.8.8.12): one setup, the position of the images.
        var setup = DataSet()
        setup.set(.patientPosition, .CS, c.patientPosition)
        setup.set(.patientSetupNumber, .IS, number: 1)
        ds.set(.patientSetupSequence, items: [setup])

        // RT Fraction Scheme (C.8.8.13).
        var group = DataSet()
        group.set(.fractionGroupNumber, .IS, number: 1)
        group.set(.numberOfFractionsPlanned, .IS, number: Double(plan.fractionsPlanned))
        group.set(.numberOfBeams, .IS, number: Double(plan.beams.count))
        group.set(.numberOfBrachyApplicationSetups, .IS, number: 0)
        group.set(.referencedBeamSequence, items: plan.beams.map { b in
            var i = DataSet()
            i.set(.beamDose, .DS, number: b.beamDoseGy)
            i.set(.beamMeterset, .DS, number: b.metersetMU)
            i.set(.referencedBeamNumber, .IS, number: Double(b.number))
            return i
        })
        ds.set(.fractionGroupSequence, items: [group])

        // RT Beams (C.8.8.14).
        ds.set(.beamSequence, items: plan.beams.map { beamItem($0) })

        // RT Approval (C.8.8.16).
        ds.set(.approvalStatus, .CS, plan.approvalStatus)
        return file(ds)
    }

    static func beamItem(_ b: PhotonPlan.Beam) -> DataSet {
        var i = DataSet()
        i.set(.treatmentMachineName, .SH, b.machineName)
        i.set(.primaryDosimeterUnit, .CS, "MU")
        i.set(.sourceAxisDistance, .DS, number: b.sourceAxisDistanceMM)
        var devices: [DataSet] = []
        for (type, pairs) in [("ASYMX", 1), ("ASYMY", 1)] {
            var d = DataSet()
            d.set(.rtBeamLimitingDeviceType, .CS, type)
            d.set(.numberOfLeafJawPairs, .IS, number: Double(pairs))
            devices.append(d)
        }
        if let m = b.mlc {
            var d = DataSet()
            d.set(.rtBeamLimitingDeviceType, .CS, "MLCX")
            d.set(.numberOfLeafJawPairs, .IS, number: Double(m.bankA.count))
            d.set(.leafPositionBoundaries, .DS, numbers: m.boundariesMM)
            devices.append(d)
        }
        i.set(.beamLimitingDeviceSequence, items: devices)
        i.set(.beamNumber, .IS, number: Double(b.number))
        i.set(.beamName, .LO, b.name)
        if let d = b.description { i.set(.beamDescription, .ST, d) }
        i.set(.beamType, .CS, "STATIC")
        i.set(.radiationType, .CS, "PHOTON")
        i.set(.treatmentDeliveryType, .CS, "TREATMENT")
        i.set(.numberOfWedges, .IS, number: 0)
        i.set(.numberOfCompensators, .IS, number: 0)
        i.set(.numberOfBoli, .IS, number: 0)
        i.set(.numberOfBlocks, .IS, number: 0)
        i.set(.finalCumulativeMetersetWeight, .DS, number: 1)
        i.set(.numberOfControlPoints, .IS, number: 2)

        var first = DataSet()
        first.set(.controlPointIndex, .IS, number: 0)
        first.set(.nominalBeamEnergy, .DS, number: b.energyMV)
        if let r = b.doseRateMUPerMin { first.set(.doseRateSet, .DS, number: r) }
        var positions: [DataSet] = []
        for (type, values) in [("ASYMX", [b.jawX.x1, b.jawX.x2]), ("ASYMY", [b.jawY.y1, b.jawY.y2])] {
            var p = DataSet()
            p.set(.rtBeamLimitingDeviceType, .CS, type)
            p.set(.leafJawPositions, .DS, numbers: values)
            positions.append(p)
        }
        if let m = b.mlc {
            var p = DataSet()
            p.set(.rtBeamLimitingDeviceType, .CS, "MLCX")
            p.set(.leafJawPositions, .DS, numbers: m.bankA + m.bankB)
            positions.append(p)
        }
        first.set(.beamLimitingDevicePositionSequence, items: positions)
        first.set(.gantryAngle, .DS, number: b.gantryAngle)
        first.set(.gantryRotationDirection, .CS, "NONE")
        first.set(.beamLimitingDeviceAngle, .DS, number: b.collimatorAngle)
        first.set(.beamLimitingDeviceRotationDirection, .CS, "NONE")
        first.set(.patientSupportAngle, .DS, number: b.couchAngle)
        first.set(.patientSupportRotationDirection, .CS, "NONE")
        first.set(.tableTopEccentricAngle, .DS, number: 0)
        first.set(.tableTopEccentricRotationDirection, .CS, "NONE")
        // Table top positions are Type 2C in the first control point: present, empty (not known).
        first.set(.tableTopVerticalPosition, .DS, "")
        first.set(.tableTopLongitudinalPosition, .DS, "")
        first.set(.tableTopLateralPosition, .DS, "")
        first.set(.isocenterPosition, .DS, numbers: b.isocenter.array)
        if let s = b.sourceToSurfaceDistanceMM { first.set(.sourceToSurfaceDistance, .DS, number: s) }
        first.set(.cumulativeMetersetWeight, .DS, number: 0)

        var last = DataSet()
        last.set(.controlPointIndex, .IS, number: 1)
        last.set(.cumulativeMetersetWeight, .DS, number: 1)
        i.set(.controlPointSequence, items: [first, last])
        i.set(.referencedPatientSetupNumber, .IS, number: 1)
        return i
    }
}
