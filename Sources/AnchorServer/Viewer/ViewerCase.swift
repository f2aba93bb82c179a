import AnchorDICOM
import AnchorDosimetry
import AnchorQA
import AnchorRT
import Foundation
import Vapor

/// One case version decoded for the viewer: the CT as Int16 Hounsfield units, its three views, the dose
/// grid and the structures in the DVH engine's model. Immutable once built, shared between requests.
final class ViewerCase: Sendable {
    struct Structure: Sendable {
        var number: Int
        var name: String
        var type: String?
        /// Display colour (ROI Display Color, PS3.3 C.8.8.6), or one from a fixed palette when absent.
        var color: (r: Int, g: Int, b: Int)
        /// The structure in the CT grid's frame; nil when it encloses no volume (points, open contours).
        var geometry: StructureGeometry?
        var note: String?
        /// Area-weighted centre of the contours, patient mm.
        var centre: Vec3?
    }

    let grid: Grid3D
    let hounsfield: [Int16]
    let views: [ViewPlane: ViewGeometry]
    let dose: DoseGrid?
    let doseScale: Double
    let structures: [Structure]
    let planPrescriptionGy: Double?
    let notes: [String]

    /// Approximate memory held, bytes.
    var byteSize: Int {
        hounsfield.count * 2 + (dose?.values.count ?? 0) * 4
            + structures.reduce(0) { $0 + ($1.geometry?.planes.reduce(0) { $0 + $1.u.count * 16 } ?? 0) }
    }

    /// Colours for ROIs without ROI Display Color (Okabe & Ito 2008, colour-blind safe).
    static let palette: [(Int, Int, Int)] = [(0, 114, 178), (213, 94, 0), (0, 158, 115), (204, 121, 167), (230, 159, 0), (86, 180, 233), (240, 228, 66)]

    /// Reads a case version's stored files (`DICOMLoader`, `Case.assemble`) and prepares it.
    init(paths: [String]) throws {
        let loaded = DICOMLoader.load(paths)
        let cases = Case.assemble(loaded.members)
        guard let theCase = cases.first else { throw Abort(.unprocessableEntity, reason: "The case holds no DICOM objects.") }
        var notes: [String] = loaded.failures.map { "\(($0.file as NSString).lastPathComponent): \($0.message)" }
        if cases.count > 1 { notes.append("the files hold \(cases.count) patients; the first is shown") }

        // Objects: the engine's own choice of dose and structure set (the ones the DVHs and grades use).
        var rs = theCase.structureSets.first
        var dose = theCase.doses.count == 1 ? theCase.doses.first : nil
        var plan = theCase.plans.count == 1 ? theCase.plans.first : nil
        if let inputs = try? DVHInputs.select(doses: theCase.doses, structureSets: theCase.structureSets, plans: theCase.plans) {
            rs = inputs.structureSet; dose = inputs.dose; plan = inputs.plan
        } else if theCase.doses.count > 1 {
            notes.append("\(theCase.doses.count) RT Doses and no rule to choose one: no dose shown")
        }
        // The image series: the one the structure set references, else the CT series with most slices.
        let images = theCase.series.filter { $0.slices.contains { $0.pixels != nil } }
        let referenced = rs.flatMap { s in images.first { s.referencedSeriesUIDs.contains($0.seriesInstanceUID) } }
        guard let series = referenced ?? images.filter({ ($0.modality ?? "CT") == "CT" }).max(by: { $0.slices.count < $1.slices.count })
                ?? images.max(by: { $0.slices.count < $1.slices.count }) else {
            throw Abort(.unprocessableEntity, reason: "The case has no image series to show.")
        }
        let volume = try ImageVolume(series: series)
        grid = volume.grid
        hounsfield = SliceEncoder.hounsfield(volume.voxels)
        views = ViewGeometry.views(of: grid)
        self.dose = dose
        doseScale = SliceEncoder.doseScale(maxGy: dose?.maxValue ?? 0)
        planPrescriptionGy = plan?.prescriptionGy

        var structures: [Structure] = []
        let options = DVHOptions.default
        for (n, roi) in (rs?.rois ?? []).enumerated() {
            let colour = roi.color ?? { let p = ViewerCase.palette[n % ViewerCase.palette.count]; return (p.0, p.1, p.2) }()
            var s = Structure(number: roi.number, name: roi.name, type: roi.interpretedType, color: colour)
            do {
                let geo = try StructureGeometry(roi: roi, grid: grid, options: options)
                s.geometry = geo
                s.centre = ViewerCase.centre(of: geo)
            } catch let e as DosimetryError {
                s.note = e.message
            } catch {
                s.note = "\(error)"
            }
            structures.append(s)
        }
        self.structures = structures
        self.notes = notes + series.problems
    }

    /// Area-weighted centre of the polygons of every plane (holes counted as area: a point to jump to,
    /// not a centre of mass).
    static func centre(of geo: StructureGeometry) -> Vec3? {
        var sum = Vec3.zero, total = 0.0
        for plane in geo.planes {
            for p in 0..<plane.polygonCount {
                let s = plane.polygonStarts[p], e = plane.polygonStarts[p + 1]
                var a = 0.0, cu = 0.0, cv = 0.0
                var j = e - 1
                for i in s..<e {
                    let cross = plane.u[j] * plane.v[i] - plane.u[i] * plane.v[j]
                    a += cross; cu += (plane.u[j] + plane.u[i]) * cross; cv += (plane.v[j] + plane.v[i]) * cross
                    j = i
                }
                guard abs(a) > 1e-12 else { continue }
                let weight = abs(a) / 2 * plane.thicknessMM
                sum = sum + geo.frame.point(u: cu / (3 * a), v: cv / (3 * a), w: plane.w) * weight
                total += weight
            }
        }
        return total > 0 ? sum * (1 / total) : nil
    }

    func view(_ name: String) -> ViewGeometry? { ViewPlane(rawValue: name).flatMap { views[$0] } }

    func ctSlice(_ view: ViewGeometry, _ index: Int) -> [UInt8] {
        SliceEncoder.ct(hounsfield, grid: grid, view: view, index: index)
    }

    func doseSlice(_ view: ViewGeometry, _ index: Int) -> [UInt8]? {
        dose.map { SliceEncoder.dose($0, view: view, index: index, scale: doseScale) }
    }

    /// The structures' sections on a slice as JSON: `{"view", "index", "structures": [{"number",
    /// "rings": [[c, r, ...]], "lines": [...]}]}`, coordinates in pixels to 0.01.
    func contoursJSON(_ view: ViewGeometry, _ index: Int) -> String {
        var parts: [String] = []
        for s in structures {
            guard let geo = s.geometry else { continue }
            let section = ContourSlicer.section(geo, view: view, index: index)
            guard !section.isEmpty else { continue }
            func list(_ paths: [[Double]]) -> String {
                "[" + paths.map { "[" + $0.map { ViewerCase.number($0) }.joined(separator: ",") + "]" }.joined(separator: ",") + "]"
            }
            parts.append("{\"number\":\(s.number),\"rings\":\(list(section.rings)),\"lines\":\(list(section.lines))}")
        }
        return "{\"view\":\"\(view.plane.rawValue)\",\"index\":\(index),\"structures\":[\(parts.joined(separator: ","))]}"
    }

    /// A coordinate to 0.01 pixel, without trailing zeros.
    static func number(_ v: Double) -> String {
        let r = (v * 100).rounded() / 100
        if r == r.rounded() { return String(Int(r)) }
        var s = String(format: "%.2f", r)
        while s.hasSuffix("0") { s.removeLast() }
        return s
    }
}
