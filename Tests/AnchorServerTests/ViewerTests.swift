import AnchorDICOM
import AnchorDosimetry
import AnchorRT
import AnchorTestSupport
@testable import AnchorServer
import Fluent
import Foundation
import NIOCore
import Testing
import VaporTesting

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
            // The drawn structures, then any the protocol derived (listed, never drawn).
            let drawn = structures.filter { ($0["number"] as? Int ?? 0) > 0 }
            #expect(drawn.map { $0["name"] as? String } == ["Box", "Annulus", "Step"])
            for d in structures where (d["number"] as? Int ?? 0) < 0 {
                #expect(d["has_contours"] as? Bool == false && (d["note"] as? String)?.hasPrefix("derived: ") == true)
            }
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
