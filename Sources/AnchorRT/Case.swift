import AnchorDICOM

/// The objects of one patient, linked by their UIDs and frame of reference, with everything that is
/// missing or does not match (what a reviewer needs to know before trusting a DVH).
public struct Case: Sendable {
    public var patientID: String?
    public var studyInstanceUIDs: [String]
    public var series: [ImageSeries]
    public var structureSets: [StructureSet]
    public var plans: [Plan]
    public var doses: [DoseGrid]
    public var others: [String]
    public var problems: [String]

    /// One file's parsed identity, for grouping.
    public struct Member: Sendable {
        public var file: DICOMFile
        public var object: RTObject
        public init(file: DICOMFile, object: RTObject) { self.file = file; self.object = object }
    }

    /// Groups objects into cases by Patient ID (Study Instance UID when the ID is empty).
    public static func assemble(_ members: [Member]) -> [Case] {
        var groups: [String: [Member]] = [:]
        var order: [String] = []
        for m in members {
            let key = m.file.dataSet.string(.patientID) ?? m.file.dataSet.string(.studyInstanceUID) ?? "unknown"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(m)
        }
        return order.map { Case(members: groups[$0]!) }
    }

    public init(members: [Member]) {
        patientID = members.first?.file.dataSet.string(.patientID)
        studyInstanceUIDs = Array(Set(members.compactMap { $0.file.dataSet.string(.studyInstanceUID) })).sorted()
        var slicesBySeries: [String: [ImageSlice]] = [:]
        structureSets = []; plans = []; doses = []; others = []; series = []; problems = []
        for m in members {
            switch m.object {
            case .image(let s): slicesBySeries[s.seriesInstanceUID, default: []].append(s)
            case .structureSet(let s): structureSets.append(s)
            case .plan(let p): plans.append(p)
            case .dose(let d): doses.append(d)
            case .other(let c, let mod): others.append("\(m.file.path ?? "?"): \(mod ?? "?") \(c.flatMap(DataDictionary.uidName) ?? c ?? "")")
            }
        }
        for (uid, slices) in slicesBySeries.sorted(by: { $0.key < $1.key }) {
            do {
                let s = try ImageSeries(slices: slices)
                series.append(s)
                problems += s.problems.map { "image series \(uid): \($0)" }
            } catch {
                problems.append("image series \(uid) could not be stacked: \(error)")
            }
        }
        link()
    }

    /// Checks the references between the objects (PS3.3 C.8.8.5, C.8.8.3, C.8.8.9).
    mutating func link() {
        let seriesByUID = Dictionary(series.map { ($0.seriesInstanceUID, $0) }, uniquingKeysWith: { a, _ in a })
        let imageUIDs = Set(series.flatMap(\.sopInstanceUIDs))
        let imageFORs = Set(series.compactMap(\.frameOfReferenceUID))
        let rsUIDs = Set(structureSets.map(\.sopInstanceUID))
        let planUIDs = Set(plans.map(\.sopInstanceUID))
        if series.isEmpty { problems.append("missing: no image series (CT) in the case") }
        if structureSets.isEmpty { problems.append("missing: no RT Structure Set") }
        if plans.isEmpty { problems.append("missing: no RT Plan or RT Ion Plan") }
        if doses.isEmpty { problems.append("missing: no RT Dose") }
        for rs in structureSets {
            let name = rs.label ?? rs.sopInstanceUID
            for uid in rs.referencedSeriesUIDs where seriesByUID[uid] == nil && !series.isEmpty {
                problems.append("structure set \(name) references image series \(uid), which is not in the case")
            }
            let missing = rs.referencedImageUIDs.subtracting(imageUIDs)
            if !missing.isEmpty && !series.isEmpty {
                problems.append("structure set \(name) references \(missing.count) image(s) that are not in the case")
            }
            if let f = rs.frameOfReferenceUIDs.first, !imageFORs.isEmpty, !imageFORs.contains(f) {
                problems.append("structure set \(name) is on frame of reference \(f), the images on \(imageFORs.sorted().joined(separator: ", "))")
            }
            for roi in rs.rois where roi.contours.isEmpty {
                problems.append("structure set \(name): ROI \(roi.number) '\(roi.name)' has no contours")
            }
        }
        for p in plans {
            for uid in p.referencedStructureSetUIDs where !rsUIDs.contains(uid) {
                problems.append("plan \(p.label ?? p.sopInstanceUID) references structure set \(uid), which is not in the case")
            }
        }
        let knownFORs = imageFORs.union(structureSets.flatMap(\.frameOfReferenceUIDs))
        for d in doses {
            let name = d.file ?? d.sopInstanceUID
            for uid in d.referencedPlanUIDs where !planUIDs.contains(uid) {
                problems.append("dose \(name) references plan \(uid), which is not in the case")
            }
            if let f = d.frameOfReferenceUID, !knownFORs.isEmpty, !knownFORs.contains(f) {
                problems.append("dose \(name) is on frame of reference \(f), which no image series or structure set uses")
            }
            if !d.isGy { problems.append("dose \(name) is in \(d.units) units, not GY") }
        }
    }
}
