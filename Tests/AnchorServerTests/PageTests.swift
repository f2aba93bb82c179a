@testable import AnchorServer
import Foundation
import Testing
import VaporTesting

extension ServerTests {
    @Test func pagesNeedASignInAndFormsNeedTheirCSRFToken() async throws {
        try await TestServer.with(.sqlite) { app, config in
            try await app.testing().test(.GET, "/", afterResponse: { res async in
                #expect(res.status == .seeOther || res.status == .found)
                #expect(res.headers.first(name: .location) == "/login")
            })
            var cookie = ""
            var csrf = ""
            try await app.testing().test(.GET, "/login", afterResponse: { res async in
                #expect(res.status == .ok, "\(res.body.string)")
                cookie = res.headers[.setCookie].first { $0.hasPrefix("anchor_login_csrf=") }?.split(separator: ";").first.map(String.init) ?? ""
                let html = res.body.string
                if let r = html.range(of: #"name="_csrf" value=""#), let end = html[r.upperBound...].firstIndex(of: "\"") { csrf = String(html[r.upperBound..<end]) }
            })
            #expect(!csrf.isEmpty && !cookie.isEmpty)
            let form = "email=\(Network.email("submitter", "partner-p").replacingOccurrences(of: "@", with: "%40"))&password=\(Network.password.replacingOccurrences(of: " ", with: "+"))"
            // Without the token: refused.
            try await app.testing().test(.POST, "/login", headers: ["Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"],
                                         body: .init(string: form), afterResponse: { res async in
                #expect(res.status == .forbidden)
            })
            try await app.testing().test(.POST, "/login", headers: ["Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"],
                                         body: .init(string: form + "&_csrf=\(csrf)"), afterResponse: { res async in
                #expect(res.status == .seeOther || res.status == .found)
                cookie = TestServer.sessionCookie(res) ?? ""
            })
            let id = try await TestServer.upload(app, as: Network.email("submitter", "partner-p"))
            try await TestServer.drainJobs(app, config)
            try await app.testing().test(.GET, "/", headers: ["Cookie": cookie], afterResponse: { res async in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("/cases/\(id.uuidString)"))
                #expect(res.body.string.contains("posterior-fossa"))
            })
            try await app.testing().test(.GET, "/cases/\(id.uuidString)", headers: ["Cookie": cookie], afterResponse: { res async in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("<svg"))
                #expect(res.body.string.contains("Constraints"))
            })
            try await app.testing().test(.GET, "/upload", headers: ["Cookie": cookie], afterResponse: { res async in
                #expect(res.status == .ok && res.body.string.contains("multipart/form-data"))
            })
            // The page weight stays small: CSS and the upload script.
            for asset in ["/anchor.css", "/upload.js"] {
                try await app.testing().test(.GET, asset, afterResponse: { res async in
                    #expect(res.status == .ok)
                    #expect(res.body.readableBytes < 8_000)
                })
            }
        }
    }

    /// The OpenAPI document lists exactly the API routes the server has.
    @Test func openAPIDocumentMatchesTheRoutes() async throws {
        try await TestServer.with(.sqlite) { app, _ in
            let url = Bundle.module.resourceURL
            _ = url
            let text = try String(contentsOf: try #require(AnchorServerResources.openAPIURL), encoding: .utf8)
            var documented = Set<String>()
            var currentPath: String?
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix("  /") && line.hasSuffix(":") { currentPath = String(line.dropFirst(2).dropLast()); continue }
                if !line.hasPrefix("    ") && !line.hasPrefix("  /") && !line.isEmpty && !line.hasPrefix("   ") { currentPath = nil }
                if let p = currentPath, line.hasPrefix("    "), !line.hasPrefix("     ") {
                    let m = line.trimmingCharacters(in: .whitespaces).dropLast()
                    if ["get", "post", "put", "delete", "patch"].contains(String(m)) { documented.insert("\(m.uppercased()) \(p)") }
                }
            }
            var served = Set<String>()
            for r in app.routes.all {
                let path = "/" + r.path.map { c -> String in
                    switch c {
                    case .constant(let s): return s
                    case .parameter(let s): return "{\(s)}"
                    default: return "*"
                    }
                }.joined(separator: "/")
                if path.hasPrefix("/api/v1") { served.insert("\(r.method.rawValue) \(path)") }
            }
            #expect(documented == served, "documented only: \(documented.subtracting(served).sorted()); served only: \(served.subtracting(documented).sorted())")
        }
    }
}
