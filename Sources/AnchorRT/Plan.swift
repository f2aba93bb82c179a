import AnchorDICOM

/// An RT Plan or RT Ion Plan (PS3.3 C.8.8.9 RT General Plan, C.8.8.10 Prescription, C.8.8.13 Fraction
/// Scheme, C.8.8.14 RT Beams, C.8.8.25 RT Ion Beams).
public struct Plan: Sendable {
    public var file: String?
    public var sopInstanceUID: String
    public var isIon: Bool
    public var label: String?
    public var name: String?
    public var intent: String?
    public var geometry: String?
    public var doseReferences: [DoseReference]
    public var fractionGroups: [FractionGroup]
    public var beams: [Beam]
    public var referencedStructureSetUIDs: [String]

    public struct DoseReference: Sendable {
        public var number: Int?
        public var type: String?            // TARGET, ORGAN_AT_RISK
        public var structureType: String?   // POINT, VOLUME, COORDINATES, SITE
        public var description: String?
        public var referencedROINumber: Int?
        public var targetPrescriptionDoseGy: Double?
        public var deliveryMaximumDoseGy: Double?
    }

    public struct FractionGroup: Sendable {
        public var number: Int?
        public var fractionsPlanned: Int?
        public var beamCount: Int?
        /// (beam number, meterset, beam dose Gy) per referenced beam.
        public var beams: [(number: Int, meterset: Double?, doseGy: Double?)]
    }

    public struct ControlPoint: Sendable {
        public var index: Int
        public var gantryAngle: Double?
        public var gantryRotation: String?
        public var collimatorAngle: Double?
        public var couchAngle: Double?
        public var isocenter: Vec3?
        public var cumulativeMetersetWeight: Double?
        public var nominalEnergy: Double?
    }

    public struct Beam: Sendable {
        public var number: Int
        public var name: String?
        public var description: String?
        public var type: String?            // STATIC, DYNAMIC
        public var radiationType: String?   // PHOTON, ELECTRON, PROTON, ION ...
        public var deliveryType: String?
        public var machine: String?
        public var numberOfControlPoints: Int
        public var controlPoints: [ControlPoint]
        public var finalCumulativeMetersetWeight: Double?
        public var scanMode: String?
        /// Gantry angle, isocentre and energy of the first control point that gives them.
        public var gantryAngle: Double? { controlPoints.first(where: { $0.gantryAngle != nil })?.gantryAngle }
        public var isocenter: Vec3? { controlPoints.first(where: { $0.isocenter != nil })?.isocenter }
        public var nominalEnergy: Double? { controlPoints.first(where: { $0.nominalEnergy != nil })?.nominalEnergy }
        /// True when the gantry moves (an arc).
        public var isArc: Bool { controlPoints.contains { ($0.gantryRotation ?? "NONE") != "NONE" } }
    }

    public init(file: DICOMFile) throws {
        let ds = file.dataSet
        guard let sop = file.sopInstanceUID else { throw RTError(.missingAttribute, "plan has no SOP Instance UID", file: file.path, tag: .sopInstanceUID) }
        self.file = file.path
        sopInstanceUID = sop
        let ion = file.sopClassUID == SOPClass.rtIonPlan || ds.contains(.ionBeamSequence)
        isIon = ion
        label = ds.string(.rtPlanLabel)
        name = ds.string(.rtPlanName)
        intent = ds.string(.planIntent)
        geometry = ds.string(.rtPlanGeometry)
        doseReferences = ds.sequence(.doseReferenceSequence).map { d in
            DoseReference(number: d.int(.doseReferenceNumber), type: d.string(.doseReferenceType), structureType: d.string(.doseReferenceStructureType),
                          description: d.string(.doseReferenceDescription), referencedROINumber: d.int(.referencedROINumber),
                          targetPrescriptionDoseGy: d.double(.targetPrescriptionDose), deliveryMaximumDoseGy: d.double(.deliveryMaximumDose))
        }
        fractionGroups = ds.sequence(.fractionGroupSequence).map { g in
            FractionGroup(number: g.int(.fractionGroupNumber), fractionsPlanned: g.int(.numberOfFractionsPlanned), beamCount: g.int(.numberOfBeams),
                          beams: g.sequence(.referencedBeamSequence).compactMap { b in
                              guard let n = b.int(.referencedBeamNumber) else { return nil }
                              return (n, b.double(.beamMeterset), b.double(.beamDose))
                          })
        }
        let beamItems = ion ? ds.sequence(.ionBeamSequence) : ds.sequence(.beamSequence)
        beams = beamItems.map { b in
            var cps: [ControlPoint] = []
            var last = ControlPoint(index: 0)
            for (n, cp) in b.sequence(ion ? .ionControlPointSequence : .controlPointSequence).enumerated() {
                // Attributes not repeated in later control points keep their previous value (C.8.8.14.5).
                var p = ControlPoint(index: cp.int(.controlPointIndex) ?? n)
                p.gantryAngle = cp.double(.gantryAngle) ?? last.gantryAngle
                p.gantryRotation = cp.string(.gantryRotationDirection) ?? last.gantryRotation
                p.collimatorAngle = cp.double(.beamLimitingDeviceAngle) ?? last.collimatorAngle
                p.couchAngle = cp.double(.patientSupportAngle) ?? last.couchAngle
                p.isocenter = Vec3((try? cp.doubles(.isocenterPosition)) ?? []) ?? last.isocenter
                p.cumulativeMetersetWeight = cp.double(.cumulativeMetersetWeight)
                p.nominalEnergy = cp.double(.nominalBeamEnergy) ?? last.nominalEnergy
                cps.append(p)
                last = p
            }
            return Beam(number: b.int(.beamNumber) ?? 0, name: b.string(.beamName), description: b.string(.beamDescription),
                        type: b.string(.beamType), radiationType: b.string(.radiationType), deliveryType: b.string(.treatmentDeliveryType),
                        machine: b.string(.treatmentMachineName), numberOfControlPoints: b.int(.numberOfControlPoints) ?? cps.count,
                        controlPoints: cps, finalCumulativeMetersetWeight: b.double(.finalCumulativeMetersetWeight), scanMode: b.string(.scanMode))
        }
        referencedStructureSetUIDs = ds.sequence(.referencedStructureSetSequence).compactMap { $0.string(.referencedSOPInstanceUID) }
    }

    /// The prescription: the largest Target Prescription Dose of the TARGET dose references (C.8.8.10),
    /// nil when the plan gives none.
    public var prescriptionGy: Double? {
        let targets = doseReferences.filter { ($0.type ?? "TARGET") == "TARGET" }.compactMap(\.targetPrescriptionDoseGy)
        return targets.max()
    }

    /// Fractions planned in the first fraction group.
    public var fractionCount: Int? { fractionGroups.first?.fractionsPlanned }

    /// The radiation type of the beams ("PHOTON", "PROTON" ...), "MIXED" when they differ.
    public var radiationType: String? {
        let types = Set(beams.compactMap(\.radiationType))
        if types.count > 1 { return "MIXED" }
        return types.first
    }
}
