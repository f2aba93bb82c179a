import AnchorDICOM

/// An RT Structure Set (PS3.3 C.8.8.5 Structure Set, C.8.8.6 ROI Contour, C.8.8.8 RT ROI Observations).
public struct StructureSet: Sendable {
    public var file: String?
    public var sopInstanceUID: String
    public var seriesInstanceUID: String?
    public var label: String?
    public var name: String?
    /// Frame(s) of reference the structure set refers to (Referenced Frame of Reference Sequence).
    public var frameOfReferenceUIDs: [String]
    /// Image series referenced through RT Referenced Study/Series Sequence.
    public var referencedSeriesUIDs: [String]
    /// Images listed in the referenced series' Contour Image Sequence (C.8.8.5.2).
    public var seriesImageUIDs: [String] = []
    public var rois: [ROI]

    /// One ROI: its definition, contours and observation.
    public struct ROI: Sendable {
        public var number: Int
        public var name: String
        public var frameOfReferenceUID: String?
        public var generationAlgorithm: String?
        /// Display colour (0-255 each), when given.
        public var color: (r: Int, g: Int, b: Int)?
        /// RT ROI Interpreted Type (PTV, CTV, GTV, ORGAN, EXTERNAL, ...), from the observations.
        public var interpretedType: String?
        public var observationLabel: String?
        public var contours: [Contour]
        public var pointCount: Int { contours.reduce(0) { $0 + $1.points.count } }

        public init(number: Int, name: String, frameOfReferenceUID: String? = nil, generationAlgorithm: String? = nil,
                    color: (r: Int, g: Int, b: Int)? = nil, interpretedType: String? = nil, observationLabel: String? = nil,
                    contours: [Contour]) {
            self.number = number
            self.name = name
            self.frameOfReferenceUID = frameOfReferenceUID
            self.generationAlgorithm = generationAlgorithm
            self.color = color
            self.interpretedType = interpretedType
            self.observationLabel = observationLabel
            self.contours = contours
        }
    }

    /// One contour (PS3.3 C.8.8.6.1): points in patient coordinates, mm.
    public struct Contour: Sendable {
        public enum GeometricType: String, Sendable { case point = "POINT", openPlanar = "OPEN_PLANAR", openNonplanar = "OPEN_NONPLANAR", closedPlanar = "CLOSED_PLANAR", closedPlanarXOR = "CLOSEDPLANAR_XOR", unknown = "" }
        public var geometricType: GeometricType
        public var points: [Vec3]
        /// SOP Instance UIDs of the images this contour was drawn on (Contour Image Sequence).
        public var referencedSOPInstanceUIDs: [String]
        public init(geometricType: GeometricType, points: [Vec3], referencedSOPInstanceUIDs: [String] = []) {
            self.geometricType = geometricType
            self.points = points
            self.referencedSOPInstanceUIDs = referencedSOPInstanceUIDs
        }
    }

    public init(sopInstanceUID: String, label: String? = nil, frameOfReferenceUID: String? = nil,
                referencedSeriesUIDs: [String] = [], rois: [ROI]) {
        self.sopInstanceUID = sopInstanceUID
        self.label = label
        self.name = label
        self.frameOfReferenceUIDs = frameOfReferenceUID.map { [$0] } ?? []
        self.referencedSeriesUIDs = referencedSeriesUIDs
        self.rois = rois
    }

    /// Reads a structure set. The number of contour points is counted from the Contour Data bytes
    /// before any is decoded and refused above `limits.maxContourPoints`.
    public init(file: DICOMFile, limits: ResourceLimits = .default) throws {
        let ds = file.dataSet
        let path = file.path
        guard let sop = file.sopInstanceUID else { throw RTError(.missingAttribute, "structure set has no SOP Instance UID", file: path, tag: .sopInstanceUID) }
        self.file = path
        sopInstanceUID = sop
        seriesInstanceUID = ds.string(.seriesInstanceUID)
        label = ds.string(.structureSetLabel)
        name = ds.string(.structureSetName)
        var fors: [String] = []
        var series: [String] = []
        for f in ds.sequence(.referencedFrameOfReferenceSequence) {
            if let uid = f.string(.frameOfReferenceUID) { fors.append(uid) }
            for study in f.sequence(.rtReferencedStudySequence) {
                for s in study.sequence(.rtReferencedSeriesSequence) {
                    if let uid = s.string(.seriesInstanceUID) { series.append(uid) }
                    seriesImageUIDs += s.sequence(.contourImageSequence).compactMap { $0.string(.referencedSOPInstanceUID) }
                }
            }
        }
        frameOfReferenceUIDs = fors
        referencedSeriesUIDs = series

        var observations: [Int: (type: String?, label: String?)] = [:]
        for o in ds.sequence(.rtROIObservationsSequence) {
            if let n = o.int(.referencedROINumber) { observations[n] = (o.string(.rtROIInterpretedType), o.string(.roiObservationLabel)) }
        }
        var contoursByROI: [Int: (color: (Int, Int, Int)?, contours: [Contour])] = [:]
        var totalPoints = 0
        for rc in ds.sequence(.roiContourSequence) {
            guard let n = rc.int(.referencedROINumber) else { continue }
            let c = (try? rc.ints(.roiDisplayColor)) ?? []
            let color: (Int, Int, Int)? = c.count >= 3 ? (c[0], c[1], c[2]) : nil
            var contours: [Contour] = []
            for item in rc.sequence(.contourSequence) {
                let type = Contour.GeometricType(rawValue: item.string(.contourGeometricType) ?? "") ?? .unknown
                // Contour Data is x\\y\\z per point (PS3.3 C.8.8.6.1): its backslashes count the values
                // before any is parsed, so a huge contour is refused without decoding it.
                if let raw = item[.contourData]?.bytes {
                    var separators = 0
                    for b in raw where b == 0x5C { separators += 1 }
                    totalPoints += (separators + 1) / 3
                    guard totalPoints <= limits.maxContourPoints else {
                        throw RTError(.limitExceeded, "ROI \(n): contour data bring the structure set to more than \(limits.maxContourPoints) points, the limit", file: path, tag: .contourData)
                    }
                }
                let v: [Double]
                do { v = try item.decimals(.contourData) } catch {
                    throw RTError(.missingAttribute, "ROI \(n): contour data unreadable: \(error)", file: path, tag: .contourData)
                }
                var pts: [Vec3] = []
                pts.reserveCapacity(v.count / 3)
                var i = 0
                while i + 2 < v.count { pts.append(Vec3(v[i], v[i + 1], v[i + 2])); i += 3 }
                let refs = item.sequence(.contourImageSequence).compactMap { $0.string(.referencedSOPInstanceUID) }
                contours.append(Contour(geometricType: type, points: pts, referencedSOPInstanceUIDs: refs))
            }
            var entry = contoursByROI[n] ?? (color, [])
            entry.contours += contours
            if entry.color == nil { entry.color = color }
            contoursByROI[n] = entry
        }
        rois = ds.sequence(.structureSetROISequence).compactMap { r in
            guard let n = r.int(.roiNumber) else { return nil }
            let obs = observations[n]
            let c = contoursByROI[n]
            return ROI(number: n, name: r.string(.roiName) ?? "ROI \(n)", frameOfReferenceUID: r.string(.referencedFrameOfReferenceUID),
                       generationAlgorithm: r.string(.roiGenerationAlgorithm), color: c?.color.map { (r: $0.0, g: $0.1, b: $0.2) },
                       interpretedType: obs?.type, observationLabel: obs?.label, contours: c?.contours ?? [])
        }
    }

    /// Every image SOP Instance UID referenced by a contour or by the Contour Image Sequence of the
    /// referenced series.
    public var referencedImageUIDs: Set<String> {
        var s = Set(seriesImageUIDs)
        for r in rois { for c in r.contours { s.formUnion(c.referencedSOPInstanceUIDs) } }
        return s
    }

    public func roi(named name: String) -> ROI? { rois.first { $0.name == name } }
}
