@testable import AnchorServer
import Fluent
import FluentSQL
import Foundation
import Testing
import VaporTesting

/// People (password policy, change, admin tasks), the audit log, and what every response carries.
extension ServerTests {
    @Test func thePasswordPolicyRefusesShortAndCommonPasswords() async throws {
        try await TestServer.with(.sqlite) { app, _ in
            for bad in ["1234567890", "short", "password1234", "Password2026", "qwertyuiop123", "aaaaaaaaaaaaaaa", "abcdefghijklmnop", "newadmin-2026-x"] {
                await #expect(throws: AdminTasks.Failure.self, "\(bad)") {
                    try await AdminTasks.createUser(email: "newadmin@anchor-a.test", password: bad, centre: "anchor-a", role: "admin", on: app.db)
                }
            }
            #expect(!PasswordPolicy.common.isEmpty)
            try await AdminTasks.createUser(email: "newadmin@anchor-a.test", password: "lantern orbit meadow 41", centre: "anchor-a", role: "admin", on: app.db)
            await #expect(throws: AdminTasks.Failure.self) { try await AdminTasks.setPassword(email: "newadmin@anchor-a.test", password: "1234567890", on: app.db) }
            let token = try await TestServer.token(app, Network.email("submitter", "partner-p"))
            try await AdminTasks.setPassword(email: Network.email("submitter", "partner-p"), password: "granite tulip harbour 7", on: app.db)
            #expect(try await app.call(.GET, "/api/v1/me", token: token).status == .unauthorized)
            let r = try await app.call(.POST, "/api/v1/auth/login", token: nil, json: ["email": Network.email("submitter", "partner-p"), "password": "granite tulip harbour 7"])
            #expect(r.status == .ok)
        }
    }

    @Test func thePasswordIsChangedInTheBrowser() async throws {
        try await TestServer.with(.sqlite) { app, _ in
            let email = Network.email("reviewer", "anchor-a")
            let token = try await TestServer.token(app, email)
            let b = try await TestServer.browserSignIn(app, email)
            func change(_ current: String, _ new: String) async throws -> (HTTPStatus, String, String?) {
                var out: (HTTPStatus, String, String?) = (.internalServerError, "", nil)
                let form = "_csrf=\(b.csrf)&current=\(current.replacingOccurrences(of: " ", with: "+"))&new=\(new.replacingOccurrences(of: " ", with: "+"))&confirm=\(new.replacingOccurrences(of: " ", with: "+"))"
                try await app.testing().test(.POST, "/account/password", headers: ["Cookie": b.cookie, "Content-Type": "application/x-www-form-urlencoded"],
                                             body: .init(string: form), afterResponse: { res async in out = (res.status, res.body.string, TestServer.sessionCookie(res)) })
                return out
            }
            #expect(try await change("not my password", "velvet compass river 9").0 == .forbidden)
            #expect(try await change(Network.password, "1234567890").0 == .badRequest)
            let done = try await change(Network.password, "velvet compass river 9")
            #expect(done.0 == .ok && done.1.contains("was changed"))
            #expect(done.2 != nil && done.2 != b.cookie)
            #expect(try await app.call(.GET, "/api/v1/me", token: token).status == .unauthorized)
            let r = try await app.call(.POST, "/api/v1/auth/login", token: nil, json: ["email": email, "password": "velvet compass river 9"])
            #expect(r.status == .ok)
        }
    }

    /// Slices of the viewer are audited (once per person, case and minute), so is the waiting list;
    /// the audit's limit is clamped.
    @Test func everyReadOfCaseDataIsAudited() async throws {
        try await TestServer.with(.sqlite) { app, config in
            let submitter = Network.email("submitter", "partner-p")
            let id = try await TestServer.upload(app, as: submitter)
            try await TestServer.drainJobs(app, config)
            let token = try await TestServer.token(app, submitter)
            for i in 0..<5 {
                let r = try await app.call(.GET, "/api/v1/cases/\(id)/viewer/ct/axial/\(i)?version=1", token: token)
                #expect(r.status == .ok)
            }
            #expect(try await AuditEvent.query(on: app.db).filter(\.$action == "view_slices").filter(\.$caseID == id).count() == 1)
            _ = try await app.call(.GET, "/api/v1/waiting", token: token)
            #expect(try await AuditEvent.query(on: app.db).filter(\.$action == "list_waiting").count() == 1)
            let admin = try await TestServer.token(app, Network.email("admin", "partner-p"))
            let all = try await app.call(.GET, "/api/v1/audit", token: admin)
            #expect((all.body.jsonArray?.count ?? 0) > 1)
            let clamped = try await app.call(.GET, "/api/v1/audit?limit=-1", token: admin)
            #expect(clamped.body.jsonArray?.count == 1, "\(clamped.body.prefix(200))")
        }
    }

    /// When the audit log cannot be written, case data is not shown.
    @Test func theAuditFailsClosed() async throws {
        try await TestServer.with(.sqlite) { app, _ in
            let submitter = Network.email("submitter", "partner-p")
            let id = try await TestServer.upload(app, as: submitter)
            let token = try await TestServer.token(app, submitter)
            try await (app.db as! any SQLDatabase).raw("DROP TABLE audit_events").run()
            let r = try await app.call(.GET, "/api/v1/cases/\(id)", token: token)
            #expect(r.status == .serviceUnavailable)
            #expect(!r.body.contains("posterior-fossa") && !r.body.contains("Ependymoma"))
        }
    }

    /// Security headers on pages, API answers and errors alike.
    @Test func everyResponseCarriesTheSecurityHeaders() async throws {
        try await TestServer.with(.sqlite) { app, _ in
            for (method, path, body) in [(HTTPMethod.GET, "/login", ""), (.GET, "/no-such-page", ""), (.GET, "/api/v1/me", ""),
                                         (.POST, "/api/v1/auth/login", "{not json"), (.GET, "/health", "")] {
                try await app.testing().test(method, path, headers: ["Content-Type": "application/json"], body: .init(string: body), afterResponse: { res async in
                    let csp = res.headers.first(name: "Content-Security-Policy") ?? ""
                    #expect(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "\(path): \(csp)")
                    #expect(res.headers.first(name: "X-Content-Type-Options") == "nosniff", "\(path)")
                    #expect(res.headers.first(name: "X-Frame-Options") == "DENY", "\(path)")
                    #expect(res.headers.first(name: "Referrer-Policy") != nil, "\(path)")
                    #expect(res.headers.first(name: "Strict-Transport-Security") == nil, "\(path)")
                })
            }
        }
    }

    /// HSTS when the request came over TLS through a trusted proxy.
    @Test func hstsWhenATrustedProxySaysTLS() async throws {
        try await TestServer.with(.sqlite, adjust: { $0.trustedProxies = ["127.0.0.1", "::1"]; $0.port = Int.random(in: 41_000...49_000) }) { app, _ in
            try await app.testing(method: .running(port: app.anchorConfig.port)).test(.GET, "/health", headers: ["X-Forwarded-Proto": "https"], afterResponse: { res async in
                #expect(res.headers.first(name: "Strict-Transport-Security")?.contains("max-age=") == true)
            })
        }
    }

    @Test func postgresTLSIsVerifiedAwayFromLoopback() {
        #expect(PostgresTLS.mode(for: "postgres://u:p@db.example.org/anchor") == .verifyFull)
        #expect(PostgresTLS.mode(for: "postgres://u:p@localhost.evil.example/anchor") == .verifyFull)
        #expect(PostgresTLS.mode(for: "postgres://u:p@localhost/anchor") == .disable)
        #expect(PostgresTLS.mode(for: "postgres://u:p@127.0.0.1:5432/anchor") == .disable)
        #expect(PostgresTLS.mode(for: "postgres://u:p@db.example.org/anchor?sslmode=disable") == .disable)
        #expect(PostgresTLS.mode(for: "postgres://u:p@127.0.0.1/anchor?sslmode=verify-full") == .verifyFull)
    }

    @Test func aDataFolderWithTheDemosPeopleIsRecognised() async throws {
        try await TestServer.with(.sqlite) { app, _ in
            #expect(try await Demo.holdsDemoPeople(app.db) == false)
            try await AdminTasks.createUser(email: Demo.people[0].email, password: Demo.password, centre: "anchor-a", role: "admin", on: app.db)
            #expect(try await Demo.holdsDemoPeople(app.db) == true)
        }
    }
}
