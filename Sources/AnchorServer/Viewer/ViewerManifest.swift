import AnchorDosimetry
import AnchorQA
import AnchorRT
import Foundation

/// What the viewer needs before its first slice: the geometry of every view in patient coordinates
/// (from the engine; the page never derives geometry from DICOM attributes), the structures with their
/// colours, volumes and worst grades, the dose grid and the prescription. Keys are snake_case.
struct ViewerManifest: Encodable {
    struct View: Encodable {
        var width: Int
        var height: Int
        var count: Int
        /// Patient position (mm) of pixel (c, r) of slice s: `M · [c, r, s, 1]`, M as 3 rows of 4.
        var pixel_to_patient: [[Double]]
        /// The inverse: `[c, r, s] = N · [x, y, z, 1]`.
        var patient_to_pixel: [[Double]]
        /// mm per column, row, slice.
        var spacing_mm: [Double]
        /// Patient direction (L, R, A, P, S, I) at each screen edge.
        var edges: [String: String]
        /// The slice the viewer opens on (the middle of the prescription isodose or of the CT).
        var start_index: Int
    }
    struct Structure: Encodable {
        var number: Int
        var name: String
        var type: String?
        var color: [Int]
        /// Volume from the analysis (the DVH engine), cc.
        var volume_cc: Double?
        var worst_grade: String?
        /// Constraint results graded on this structure.
        var constraints: Int
        var has_contours: Bool
        var note: String?
        var centre_mm: [Double]?
    }
    struct Dose: Encodable {
        var max_gy: Double
        var units: String
        /// Gy per stored unit of the dose slices; 65535 means outside the dose grid.
        var scale_gy: Double
        var outside_code: Int
        var size: [Int]
        var spacing_mm: [Double]
        var summation_type: String?
    }
    struct Isodose: Encodable {
        var levels_percent: [Double]
        var levels_gy: [Double]
        var wash_min_percent: Double
    }
    struct CT: Encodable {
        var size: [Int]
        var origin_mm: [Double]
        var row_direction: [Double]
        var column_direction: [Double]
        var spacing_mm: [Double]
        var frame_offsets_mm: [Double]
    }

    var case_id: UUID
    var version: Int
    var format: Int
    var ct: CT
    var views: [String: View]
    var structures: [Structure]
    var dose: Dose?
    var prescription_gy: Double?
    var prescription_source: String?
    var isodose: Isodose
    var notes: [String]

    /// Builds the manifest of a decoded case with the analysis results stored for its version.
    init(caseID: UUID, version: Int, viewer v: ViewerCase, dvhJSON: String?, checkJSON: String?) {
        case_id = caseID
        self.version = version
        format = ViewerManifest.formatVersion
        let g = v.grid
        ct = CT(size: [g.columns, g.rows, g.frames], origin_mm: g.origin.array, row_direction: g.rowDirection.array,
                column_direction: g.columnDirection.array, spacing_mm: [g.spacingI, g.spacingJ, g.spacing.k], frame_offsets_mm: g.frameOffsets)

        // The analysis's numbers: volumes from the DVH document, grades from the check document.
        var volumes: [Int: Double] = [:], volumesByName: [String: Double] = [:]
        var rx: Double?, rxSource: String?
        if let doc = DVHReportDocument.decodeIfPresent(dvhJSON) {
            rx = doc.prescriptionGy
            rxSource = doc.prescriptionSource
            for s in doc.structures {
                guard let vol = s.volumeCC else { continue }
                if let n = s.number { volumes[n] = vol }
                volumesByName[s.name] = vol
            }
        }
        var worst: [String: Grade] = [:], counts: [String: Int] = [:]
        let check = QAResultDocument.decodeIfPresent(checkJSON)
        for r in check?.results ?? [] {
            guard let name = r.matchedStructure else { continue }
            counts[name, default: 0] += 1
            worst[name] = max(worst[name] ?? r.grade, r.grade)
        }
        if rx == nil, let p = v.planPrescriptionGy { rx = p; rxSource = "plan" }
        prescription_gy = rx
        prescription_source = rxSource

        structures = v.structures.map { s in
            Structure(number: s.number, name: s.name, type: s.type, color: [s.color.r, s.color.g, s.color.b],
                      volume_cc: volumes[s.number] ?? volumesByName[s.name], worst_grade: worst[s.name]?.rawValue,
                      constraints: counts[s.name] ?? 0, has_contours: s.geometry != nil, note: s.note, centre_mm: s.centre?.array)
        }
        // Structures the protocol derived (`Lungs = Lung_L | Lung_R`) were graded but are not in the
        // structure set: listed with their grade and labelled as derived, never drawn (negative numbers).
        var seen = Set(structures.map(\.name))
        for r in check?.results ?? [] {
            guard let expression = r.derivedFrom, let name = r.matchedStructure, !seen.contains(name) else { continue }
            seen.insert(name)
            structures.append(Structure(number: -(seen.count), name: name, type: nil, color: [150, 150, 150], volume_cc: nil,
                                        worst_grade: worst[name]?.rawValue, constraints: counts[name] ?? 0, has_contours: false,
                                        note: "derived: \(expression); graded, not drawn", centre_mm: nil))
        }
        if let d = v.dose {
            dose = Dose(max_gy: d.maxValue, units: d.units, scale_gy: v.doseScale, outside_code: Int(SliceEncoder.outsideDose),
                        size: [d.grid.columns, d.grid.rows, d.grid.frames], spacing_mm: [d.grid.spacingI, d.grid.spacingJ, d.grid.spacing.k],
                        summation_type: d.summationType)
        }
        // Isodose levels: the usual review set around the prescription (ICRU 50/62 95%-107%), or tenths of
        // the maximum when there is no prescription.
        let maxGy = v.dose?.maxValue ?? 0
        let percents: [Double] = [107, 100, 95, 80, 50, 30]
        if let rx {
            isodose = Isodose(levels_percent: percents, levels_gy: percents.map { ($0 * rx).rounded() / 100 }, wash_min_percent: 10)
        } else {
            isodose = Isodose(levels_percent: [], levels_gy: [0.9, 0.7, 0.5, 0.3].map { ($0 * maxGy * 100).rounded() / 100 }, wash_min_percent: 10)
        }

        // Open where the review starts: the centre of the (first) PTV, else the middle of the CT.
        let focus = v.structures.first { ($0.type ?? "").uppercased() == "PTV" && $0.centre != nil }?.centre
        var views: [String: View] = [:]
        for (plane, geo) in v.views {
            let c = geo.columnVector, r = geo.rowVector, s = geo.sliceVector, o = geo.origin
            let m = [[c.x, r.x, s.x, o.x], [c.y, r.y, s.y, o.y], [c.z, r.z, s.z, o.z]]
            func inverseRow(_ a: Vec3) -> [Double] { let k = 1 / a.dot(a); return [a.x * k, a.y * k, a.z * k, -a.dot(o) * k] }
            let edges = geo.edgeLabels
            var start = geo.count / 2
            if let f = focus { start = min(max(Int(geo.pixel(of: f).s.rounded()), 0), geo.count - 1) }
            views[plane.rawValue] = View(width: geo.width, height: geo.height, count: geo.count, pixel_to_patient: m,
                                         patient_to_pixel: [inverseRow(c), inverseRow(r), inverseRow(s)],
                                         spacing_mm: [c.length, r.length, s.length],
                                         edges: ["left": edges.left, "right": edges.right, "top": edges.top, "bottom": edges.bottom],
                                         start_index: start)
        }
        self.views = views
        notes = v.notes
    }

    /// Version of the slice formats; part of every ETag, so a change of encoding is never served from a
    /// browser cache.
    static let formatVersion = 1
}
