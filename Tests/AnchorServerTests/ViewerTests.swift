import AnchorDICOM
import AnchorDosimetry
import AnchorRT
@testable import AnchorServer
import Fluent
import Foundation
import NIOCore
import Testing
import VaporTesting

/// A case whose every value is known: CT HU = i + 20·j + 400·k - 1000 on a 20 x 16 x 9 grid (2 x 2.5 x
/// 3 mm, so a swapped axis shows), a rectangle, a square with a square hole, and a step (wide below
/// z = 0, narrow above) drawn on the CT planes z = -9 ... 9, and a dose linear in x, y and z (which
/// trilinear interpolation reproduces exactly).
enum ViewerPhantom {
    static let grid = Grid3D(columns: 20, rows: 16, origin: Vec3(-19, -18.75, -12), spacingI: 2, spacingJ: 2.5,
                             frameOffsets: (0..<9).map { Double($0) * 3 })
    static func hu(_ i: Int, _ j: Int, _ k: Int) -> Int { i + 20 * j + 400 * k - 1000 }
    static func doseGy(_ p: Vec3) -> Double { 30 + 0.5 * p.x + 0.25 * p.y + 0.1 * p.z }
    static let planes: [Double] = [-9, -6, -3, 0, 3, 6, 9]

    static func rectangle(_ hx: Double, _ hy: Double, _ z: Double) -> StructureSet.Contour {
        .init(geometricType: .closedPlanar, points: [Vec3(-hx, -hy, z), Vec3(hx, -hy, z), Vec3(hx, hy, z), Vec3(-hx, hy, z)])
    }

    static var structureSet: StructureSet {
        StructureSet(sopInstanceUID: "2.25.4242", label: "RS", frameOfReferenceUID: "2.25.77", rois: [
            .init(number: 1, name: "Box", color: (r: 10, g: 200, b: 30), interpretedType: "PTV", contours: planes.map { rectangle(8, 6, $0) }),
            .init(number: 2, name: "Annulus", color: (r: 200, g: 20, b: 200), interpretedType: "ORGAN",
                  contours: planes.flatMap { [rectangle(8, 8, $0), rectangle(4, 4, $0)] }),
            .init(number: 3, name: "Step", interpretedType: "ORGAN", contours: planes.map { rectangle($0 <= 0 ? 8 : 4, $0 <= 0 ? 8 : 4, $0) }),
        ])
    }

    static var dose: DoseGrid {
        let g = Grid3D(columns: 12, rows: 10, origin: Vec3(-22, -18, -12), spacingI: 4, spacingJ: 4, frameOffsets: (0..<7).map { Double($0) * 4 })
        var values = [Float](repeating: 0, count: g.voxelCount)
        for k in 0..<g.frames { for j in 0..<g.rows { for i in 0..<g.columns { values[g.index(i, j, k)] = Float(doseGy(g.position(i, j, k))) } } }
        return DoseGrid(grid: g, values: values, sopInstanceUID: "2.25.4343", frameOfReferenceUID: "2.25.77")
    }

    static func files() throws -> [(String, [UInt8])] {
        let ctx = RTWriter.Context(patientID: "VIEWER", patientName: "Viewer^Phantom", patientSex: "F", patientAge: "006Y", frameOfReferenceUID: "2.25.77")
        var hu = [Float](repeating: 0, count: grid.voxelCount)
        for k in 0..<grid.frames { for j in 0..<grid.rows { for i in 0..<grid.columns { hu[grid.index(i, j, k)] = Float(self.hu(i, j, k)) } } }
        let ct = RTWriter.ctSeries(grid: grid, hounsfield: hu, context: ctx)
        let series = try ImageSeries(slices: ct.map { try ImageSlice(file: $0) })
        var out = ct.enumerated().map { ("CT\($0.offset).dcm", $0.element) }
        out.append(("RS.dcm", RTWriter.structureSetFile(structureSet, context: ctx, referencedSeries: series)))
        out.append(("RD.dcm", RTWriter.doseFile(dose, context: ctx)))
        return try out.map { ($0.0, try DICOMWriter.encode($0.1)) }
    }
}

/// Shoelace area of a flat [x0, y0, x1, y1, ...] ring.
func ringArea(_ r: [Double]) -> Double {
    var a = 0.0
    let n = r.count / 2
    for p in 0..<n {
        let q = (p + 1) % n
        a += r[2 * p] * r[2 * q + 1] - r[2 * q] * r[2 * p + 1]
    }
    return abs(a) / 2
}

struct ViewerGeometryTests {
    /// The three views of `grid`, with their axes as patient directions.
    func axes(_ grid: Grid3D) -> [ViewPlane: (Vec3, Vec3, Vec3)] {
        ViewGeometry.views(of: grid).mapValues { ($0.columnVector.normalized, $0.rowVector.normalized, $0.sliceVector.normalized) }
    }

    @Test(arguments: [
        (Vec3(1, 0, 0), Vec3(0, 1, 0)),    // head first supine
        (Vec3(-1, 0, 0), Vec3(0, -1, 0)),  // head first prone
        (Vec3(0, -1, 0), Vec3(1, 0, 0)),   // decubitus
        (Vec3(0, 1, 0), Vec3(0, 0, -1)),   // a sagittal acquisition
        (Vec3(1, 0, 0), Vec3(0, 0, -1)),   // a coronal acquisition
    ])
    func viewsFollowTheRadiologicalConventionWhateverTheAcquisition(_ row: Vec3, _ column: Vec3) {
        let grid = Grid3D(columns: 7, rows: 5, origin: Vec3(3, -4, 10), rowDirection: row, columnDirection: column,
                          spacingI: 1.5, spacingJ: 2, frameOffsets: [0, 3, 6, 9])
        let a = axes(grid)
        func near(_ u: Vec3, _ v: Vec3) -> Bool { (u - v).length < 1e-9 }
        // Axial: patient's right on the left (+x to the right), anterior up (+y down), slices toward the head.
        #expect(near(a[.axial]!.0, Vec3(1, 0, 0)) && near(a[.axial]!.1, Vec3(0, 1, 0)) && near(a[.axial]!.2, Vec3(0, 0, 1)))
        // Coronal: right on the left, superior up.
        #expect(near(a[.coronal]!.0, Vec3(1, 0, 0)) && near(a[.coronal]!.1, Vec3(0, 0, -1)) && near(a[.coronal]!.2, Vec3(0, 1, 0)))
        // Sagittal: anterior on the left, superior up.
        #expect(near(a[.sagittal]!.0, Vec3(0, 1, 0)) && near(a[.sagittal]!.1, Vec3(0, 0, -1)) && near(a[.sagittal]!.2, Vec3(1, 0, 0)))
        for (_, v) in ViewGeometry.views(of: grid) {
            // Every view covers the grid: its corner voxels are the grid's corner voxel centres.
            let corners = [v.patient(0, 0, 0), v.patient(Double(v.width - 1), Double(v.height - 1), Double(v.count - 1))]
            let b = grid.bounds
            for p in corners { #expect(p.x >= b.min.x - 1e-9 && p.x <= b.max.x + 1e-9 && p.y >= b.min.y - 1e-9 && p.y <= b.max.y + 1e-9 && p.z >= b.min.z - 1e-9 && p.z <= b.max.z + 1e-9) }
            let q = v.pixel(of: v.patient(1.25, 2.5, 1))
            #expect(abs(q.c - 1.25) < 1e-9 && abs(q.r - 2.5) < 1e-9 && abs(q.s - 1) < 1e-9)
            #expect(v.width * v.height * v.count == grid.voxelCount)
        }
        let labels = ViewGeometry.views(of: grid)[.axial]!.edgeLabels
        #expect(labels.left == "R" && labels.right == "L" && labels.top == "A" && labels.bottom == "P")
    }

    @Test func unevenFramesAreResampledAtTheSmallestGapByLinearInterpolation() {
        let grid = Grid3D(columns: 2, rows: 2, origin: Vec3(0, 0, 0), spacingI: 1, spacingJ: 1, frameOffsets: [0, 2, 4, 7, 10])
        let v = ViewGeometry.views(of: grid)
        #expect(v[.axial]!.count == 6)
        #expect(abs(v[.axial]!.sliceVector.z - 2) < 1e-12)
        #expect(v[.coronal]!.height == 6)
        // HU = 400·k; at z = 6 (between frames 2 and 3, at 2/3) the CT reads 400·(2 + 2/3).
        let hu = (0..<grid.voxelCount).map { Int16(400 * ($0 / 4)) }
        let bytes = SliceEncoder.ct(hu, grid: grid, view: v[.axial]!, index: 3)
        let first = Int16(littleEndian: bytes.withUnsafeBytes { $0.load(as: Int16.self) })
        #expect(first == 1067)
        // The coronal view: superior at the top, so row 0 is z = 10 (frame 4) and row 2 is z = 6.
        let coronal = SliceEncoder.ct(hu, grid: grid, view: v[.coronal]!, index: 0)
        let values = coronal.withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        #expect(values[0] == 1600 && values[2 * 2] == 1067 && values[5 * 2] == 0)
    }

    @Test func structureSectionsMatchTheSlabModelInEveryView() throws {
        let grid = ViewerPhantom.grid
        let views = ViewGeometry.views(of: grid)
        let rois = ViewerPhantom.structureSet.rois
        let geo = try rois.map { try StructureGeometry(roi: $0, grid: grid) }
        // Axial, z = 0 (frame 4): the rectangle as drawn, in pixels (2 mm columns, 2.5 mm rows).
        let box = ContourSlicer.section(geo[0], view: views[.axial]!, index: 4)
        #expect(box.rings.count == 1 && box.lines.isEmpty)
        let xs = stride(from: 0, to: box.rings[0].count, by: 2).map { box.rings[0][$0] }
        let ys = stride(from: 1, to: box.rings[0].count, by: 2).map { box.rings[0][$0] }
        #expect(abs(xs.min()! - 5.5) < 1e-9 && abs(xs.max()! - 13.5) < 1e-9 && abs(ys.min()! - 5.1) < 1e-9 && abs(ys.max()! - 9.9) < 1e-9)
        // Outside the slabs (z = -12 and 12: the slabs reach 1.5 mm beyond the planes at ±9): nothing.
        #expect(ContourSlicer.section(geo[0], view: views[.axial]!, index: 0).isEmpty)
        #expect(ContourSlicer.section(geo[0], view: views[.axial]!, index: 8).isEmpty)
        // The hole: axial is two rings (even-odd); sagittal through x = -1 cuts two bars.
        #expect(ContourSlicer.section(geo[1], view: views[.axial]!, index: 4).rings.count == 2)
        let sagittalIndex = 9  // x = -19 + 2·9 = -1
        let bars = ContourSlicer.section(geo[1], view: views[.sagittal]!, index: sagittalIndex)
        #expect(bars.rings.count == 2 && bars.lines.isEmpty)
        // Each bar: 4 mm (y) by 21 mm (z from -10.5 to 10.5) = 84 mm², in 2.5 x 3 mm pixels.
        for r in bars.rings { #expect(abs(ringArea(r) - 84 / 7.5) < 1e-9) }
        // Sagittal through the box: y from -6 to 6, z from -10.5 to 10.5, superior up.
        let side = ContourSlicer.section(geo[0], view: views[.sagittal]!, index: sagittalIndex)
        #expect(side.rings.count == 1)
        let sx = stride(from: 0, to: side.rings[0].count, by: 2).map { side.rings[0][$0] }
        let sy = stride(from: 1, to: side.rings[0].count, by: 2).map { side.rings[0][$0] }
        #expect(abs(sx.min()! - 5.1) < 1e-9 && abs(sx.max()! - 9.9) < 1e-9 && abs(sy.min()! - 0.5) < 1e-9 && abs(sy.max()! - 7.5) < 1e-9)
        // The step: one outline whose area is 16 mm x 12 mm below plus 8 mm x 9 mm above.
        let step = ContourSlicer.section(geo[2], view: views[.coronal]!, index: 7)  // y = -18.75 + 2.5·7 = -1.25
        #expect(step.rings.count == 1 && step.lines.isEmpty)
        #expect(abs(ringArea(step.rings[0]) - (16 * 12 + 8 * 9) / 6.0) < 1e-9)  // 2 mm x 3 mm pixels
        // Outside the structure: nothing.
        #expect(ContourSlicer.section(geo[0], view: views[.sagittal]!, index: 0).isEmpty)
    }

    @Test func obliqueSlicesClipEachSlabToItsStrip() throws {
        // Contours on planes tilted 30 degrees about x from the CT's frames: the axial slice z = 0 cuts
        // each slab in a strip, and the strips together make the section of the tilted box.
        let grid = Grid3D(columns: 41, rows: 41, origin: Vec3(-20, -20, -20), spacingI: 1, spacingJ: 1, frameOffsets: (0..<41).map(Double.init))
        let c = cos(Double.pi / 6), s = sin(Double.pi / 6)
        let e2 = Vec3(0, c, s), n = Vec3(0, -s, c)
        let contours: [StructureSet.Contour] = stride(from: -6.0, through: 6.0, by: 2).map { w in
            let pts = [(-5.0, -5.0), (5, -5), (5, 5), (-5, 5)].map { Vec3($0.0, 0, 0) + e2 * $0.1 + n * w }
            return .init(geometricType: .closedPlanar, points: pts)
        }
        let geo = try StructureGeometry(roi: .init(number: 1, name: "Tilted", contours: contours), grid: grid)
        #expect(!geo.frame.aligned)
        let section = ContourSlicer.section(geo, view: ViewGeometry.views(of: grid)[.axial]!, index: 20)
        // The slab solid is the box |x| ≤ 5, |v| ≤ 5, |w| ≤ 7 in the tilted frame; z = 0 meets it where
        // v·sin + w·cos = 0 with y = v·cos - w·sin: a 10 mm x (10/cos) mm rectangle, clipped by |w| ≤ 7.
        let area = section.rings.reduce(0) { $0 + ringArea($1) }
        let expected = 10 * min(10 / c, 2 * 7 / s)
        #expect(abs(area - expected) < 1e-6, "\(area) vs \(expected)")
    }
}

extension ServerTests {
    /// GETs `path` with a token; returns status, headers and body bytes.
    func fetch(_ app: Application, _ path: String, token: String?, headers extra: HTTPHeaders = [:]) async throws -> (HTTPStatus, HTTPHeaders, [UInt8]) {
        var out: (HTTPStatus, HTTPHeaders, [UInt8]) = (.internalServerError, [:], [])
        var headers = extra
        if let token { headers.add(name: .authorization, value: "Bearer \(token)") }
        try await app.testing().test(.GET, path, headers: headers, afterResponse: { res async in
            out = (res.status, res.headers, Array(res.body.readableBytesView))
        })
        return out
    }

    @Test func viewerRoutesNeedASignInAndHideCasesOutOfSight() async throws {
        try await TestServer.with(.sqlite) { app, config in
            let id = try await TestServer.upload(app, as: Network.email("submitter", "partner-p"), files: try ViewerPhantom.files())
            try await TestServer.drainJobs(app, config)
            let base = "/api/v1/cases/\(id.uuidString)/viewer"
            let routes = ["\(base)/manifest", "\(base)/ct/axial/4", "\(base)/dose/sagittal/3", "\(base)/contours/coronal/7"]
            for r in routes {
                #expect(try await fetch(app, r, token: nil).0 == .unauthorized, "\(r)")
                #expect(try await fetch(app, r, token: "not-a-token").0 == .unauthorized, "\(r)")
            }
            // Another partner centre, and an anchor centre that does not review this partner: 404.
            for outsider in [Network.email("submitter", "partner-q"), Network.email("coordinator", "anchor-b")] {
                let t = try await TestServer.token(app, outsider)
                for r in routes { #expect(try await fetch(app, r, token: t).0 == .notFound, "\(outsider) \(r)") }
            }
            // The submitting centre and the reviewing anchor centre's coordinator: 200.
            for insider in [Network.email("submitter", "partner-p"), Network.email("coordinator", "anchor-a")] {
                let t = try await TestServer.token(app, insider)
                for r in routes { #expect(try await fetch(app, r, token: t).0 == .ok, "\(insider) \(r)") }
            }
            let t = try await TestServer.token(app, Network.email("submitter", "partner-p"))
            for bad in ["\(base)/ct/oblique/0", "\(base)/ct/axial/9", "\(base)/ct/axial/-1", "\(base)/dose/sagittal/20", "\(base)/manifest?version=7"] {
                #expect(try await fetch(app, bad, token: t).0 == .notFound, "\(bad)")
            }
            // Audited once per opening (the manifest), not per slice: two openings by the two insiders.
            let events = try await AuditEvent.query(on: app.db).filter(\.$caseID == id).filter(\.$action == "view_images").count()
            #expect(events == 2)
        }
    }

    @Test func viewerSlicesCarryTheEngineValues() async throws {
        try await TestServer.with(.sqlite) { app, config in
            let files = try ViewerPhantom.files()
            let id = try await TestServer.upload(app, as: Network.email("submitter", "partner-p"), files: files)
            try await TestServer.drainJobs(app, config)
            let t = try await TestServer.token(app, Network.email("submitter", "partner-p"))
            let base = "/api/v1/cases/\(id.uuidString)/viewer"

            let (status, _, body) = try await fetch(app, "\(base)/manifest", token: t)
            #expect(status == .ok)
            let m = try #require(String(decoding: body, as: UTF8.self).jsonObject)
            let views = try #require(m["views"] as? [String: [String: Any]])
            let g = ViewerPhantom.grid
            let expectedSizes: [String: [Int]] = ["axial": [20, 16, 9], "sagittal": [16, 9, 20], "coronal": [20, 9, 16]]
            for (name, size) in expectedSizes {
                let v = try #require(views[name])
                #expect([v["width"] as? Int, v["height"] as? Int, v["count"] as? Int] == size.map { Optional($0) }, "\(name)")
            }
            let axial = try #require(views["axial"]?["pixel_to_patient"] as? [[Double]])
            #expect(axial == [[2, 0, 0, -19], [0, 2.5, 0, -18.75], [0, 0, 3, -12]])
            let structures = try #require(m["structures"] as? [[String: Any]])
            #expect(structures.map { $0["name"] as? String } == ["Box", "Annulus", "Step"])
            #expect(structures[0]["color"] as? [Int] == [10, 200, 30])
            // Volumes from the analysis (the DVH engine): the box is 16 x 12 x 21 mm.
            #expect(abs((structures[0]["volume_cc"] as? Double ?? 0) - 4.032) < 0.01)
            let dose = try #require(m["dose"] as? [String: Any])
            let scale = try #require(dose["scale_gy"] as? Double)

            // CT: every pixel of one slice of each view is the voxel the view's convention puts there.
            func values(_ bytes: [UInt8]) -> [Int] { bytes.withUnsafeBytes { $0.bindMemory(to: Int16.self).map { Int(Int16(littleEndian: $0)) } } }
            let cases: [(String, Int, (Int, Int) -> Int)] = [
                ("axial", 4, { c, r in ViewerPhantom.hu(c, r, 4) }),
                ("sagittal", 9, { c, r in ViewerPhantom.hu(9, c, g.frames - 1 - r) }),
                ("coronal", 7, { c, r in ViewerPhantom.hu(c, 7, g.frames - 1 - r) }),
            ]
            for (name, index, expected) in cases {
                let (s, h, b) = try await fetch(app, "\(base)/ct/\(name)/\(index)?version=1", token: t)
                #expect(s == .ok)
                let w = expectedSizes[name]![0], hgt = expectedSizes[name]![1]
                #expect(b.count == w * hgt * 2)
                #expect(h.first(name: "X-Anchor-Shape") == "\(w) \(hgt)")
                #expect(h.first(name: .contentType) == "application/octet-stream")
                let v = values(b)
                var wrong = 0
                for r in 0..<hgt { for c in 0..<w where v[r * w + c] != expected(c, r) { wrong += 1 } }
                #expect(wrong == 0, "\(name): \(wrong) pixels differ")
            }

            // Dose: the linear dose at each pixel centre (within the file's quantisation), 65535 outside.
            let geometry = ViewGeometry.views(of: g)
            for (name, index) in [("axial", 4), ("sagittal", 9), ("coronal", 7)] {
                let (s, h, b) = try await fetch(app, "\(base)/dose/\(name)/\(index)?version=1", token: t)
                #expect(s == .ok)
                // The header and the manifest agree (the manifest to JSON's precision as Foundation reads it).
                #expect(abs((Double(h.first(name: "X-Anchor-Dose-Scale") ?? "") ?? 0) / scale - 1) < 1e-12)
                let codes = b.withUnsafeBytes { $0.bindMemory(to: UInt16.self).map { UInt16(littleEndian: $0) } }
                let view = try #require(geometry[ViewPlane(rawValue: name)!])
                #expect(codes.count == view.width * view.height)
                let doseBounds = ViewerPhantom.dose.grid.bounds
                var worst = 0.0, outside = 0
                for r in 0..<view.height {
                    for c in 0..<view.width {
                        let p = view.patient(Double(c), Double(r), Double(index))
                        let inside = p.x >= doseBounds.min.x && p.x <= doseBounds.max.x && p.y >= doseBounds.min.y && p.y <= doseBounds.max.y
                            && p.z >= doseBounds.min.z && p.z <= doseBounds.max.z
                        let code = codes[r * view.width + c]
                        if !inside { if code == 65535 { outside += 1 } else { worst = .infinity }; continue }
                        worst = max(worst, abs(Double(code) * scale - ViewerPhantom.doseGy(p)))
                    }
                }
                #expect(worst < 0.01, "\(name): dose off by \(worst) Gy")
                if name != "coronal" { #expect(outside > 0, "\(name): rows at y = ±18.75 mm are outside the dose grid") }
            }

            // Contours: the box on the axial slice z = 0, as drawn; nothing on z = -12.
            let (cs, _, cb) = try await fetch(app, "\(base)/contours/axial/4?version=1", token: t)
            #expect(cs == .ok)
            let doc = try #require(String(decoding: cb, as: UTF8.self).jsonObject)
            let found = try #require(doc["structures"] as? [[String: Any]])
            #expect(found.compactMap { $0["number"] as? Int } == [1, 2, 3])
            let ring = try #require((found[0]["rings"] as? [[Double]])?.first)
            #expect(Set(stride(from: 0, to: ring.count, by: 2).map { "\(ring[$0]),\(ring[$0 + 1])" }) == ["5.5,5.1", "13.5,5.1", "13.5,9.9", "5.5,9.9"])
            let (_, _, empty) = try await fetch(app, "\(base)/contours/axial/0?version=1", token: t)
            #expect((String(decoding: empty, as: UTF8.self).jsonObject?["structures"] as? [Any])?.isEmpty == true)

            // Caching: immutable when the version is named, revalidated otherwise; 304 on a matching ETag.
            let (_, named, _) = try await fetch(app, "\(base)/ct/axial/4?version=1", token: t)
            #expect(named.first(name: .cacheControl)?.contains("immutable") == true)
            let etag = try #require(named.first(name: .eTag))
            let (_, unnamed, _) = try await fetch(app, "\(base)/ct/axial/4", token: t)
            #expect(unnamed.first(name: .cacheControl) == "private, no-cache")
            let (notModified, _, nothing) = try await fetch(app, "\(base)/ct/axial/4?version=1", token: t, headers: ["If-None-Match": etag])
            #expect(notModified == .notModified && nothing.isEmpty)
            let (other, _, _) = try await fetch(app, "\(base)/ct/axial/5?version=1", token: t, headers: ["If-None-Match": etag])
            #expect(other == .ok)
            // An outsider's If-None-Match still answers 404.
            let outsider = try await TestServer.token(app, Network.email("submitter", "partner-q"))
            #expect(try await fetch(app, "\(base)/ct/axial/4?version=1", token: outsider, headers: ["If-None-Match": etag]).0 == .notFound)
        }
    }

    @Test func viewerSlicesAreGzippedOnTheWire() async throws {
        try await TestServer.with(.sqlite) { app, config in
            let id = try await TestServer.upload(app, as: Network.email("submitter", "partner-p"), files: try ViewerPhantom.files())
            try await TestServer.drainJobs(app, config)
            let t = try await TestServer.token(app, Network.email("submitter", "partner-p"))
            let port = Int.random(in: 41000..<49000)
            var encoding: String?, length = 0
            try await app.testing(method: .running(hostname: "127.0.0.1", port: port)).test(
                .GET, "/api/v1/cases/\(id.uuidString)/viewer/ct/axial/4?version=1",
                headers: ["Authorization": "Bearer \(t)", "Accept-Encoding": "gzip"], afterResponse: { res async in
                    encoding = res.headers.first(name: .contentEncoding)
                    length = res.body.readableBytes
                })
            #expect(encoding == "gzip")
            #expect(length > 0 && length < 20 * 16 * 2)
        }
    }
}
