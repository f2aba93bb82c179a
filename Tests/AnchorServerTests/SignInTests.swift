@testable import AnchorServer
import Fluent
import Foundation
import NIOCore
import Testing
import VaporTesting

/// Sign-in throttling in the database, client addresses behind trusted proxies, sessions and tokens.
extension ServerTests {
    /// Concurrent wrong passwords are counted before any is checked: at most the free attempts are
    /// evaluated, and the right password right after is made to wait.
    @Test(arguments: Backend.available)
    func concurrentGuessesAreCountedBeforeTheyAreChecked(_ backend: Backend) async throws {
        try await TestServer.with(backend) { app, _ in
            let email = Network.email("submitter", "partner-p")
            // 40 at once, the right password among them (the 39th).
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for n in 0..<40 {
                    let password = n == 38 ? Network.password : "guess number \(n)"
                    group.addTask { try await app.call(.POST, "/api/v1/auth/login", token: nil, json: ["email": email, "password": password]).status }
                }
                var out: [HTTPStatus] = []
                for try await s in group { out.append(s) }
                return out
            }
            #expect(statuses.allSatisfy { $0 == .unauthorized || $0 == .tooManyRequests || $0 == .ok }, "\(statuses)")
            // Only the attempts that saw fewer than the free failures before them were checked at all.
            let checked = statuses.filter { $0 == .unauthorized || $0 == .ok }.count
            #expect(checked <= app.anchorConfig.signInFailuresPerAccount, "\(statuses)")
            #expect(statuses.filter { $0 == .tooManyRequests }.count >= 40 - app.anchorConfig.signInFailuresPerAccount)
            // Every attempt was written before any password was checked.
            #expect(try await LoginAttempt.query(on: app.db).filter(\.$key == SignInThrottle.accountKey(email)).count() == 40)
        }
    }

    /// Failures on made-up accounts from one address (a hospital's NAT) do not lock out the people
    /// behind it; the typed e-mail is not stored.
    @Test func guessesAtMadeUpAccountsDoNotLockOutColleagues() async throws {
        try await TestServer.with(.sqlite) { app, _ in
            for n in 0..<8 {
                let r = try await app.call(.POST, "/api/v1/auth/login", token: nil, json: ["email": "typed-secret-\(n)@nowhere.test", "password": "hunter2 typed here"])
                #expect(r.status == .unauthorized)
            }
            let r = try await app.call(.POST, "/api/v1/auth/login", token: nil, json: ["email": Network.email("reviewer", "anchor-a"), "password": Network.password])
            #expect(r.status == .ok)
            let events = try await AuditEvent.query(on: app.db).all()
            #expect(events.filter { $0.action == "login_failed" }.count == 8)
            for e in events { #expect(!(e.detail ?? "").contains("typed-secret") && !(e.userEmail ?? "").contains("typed-secret")) }
            #expect(try await LoginAttempt.query(on: app.db).all().allSatisfy { !$0.key.contains("typed-secret") })
        }
    }

    /// One's own success does not clear an address's failures, and the delay grows.
    @Test func aSuccessDoesNotResetTheAddressCount() async throws {
        try await TestServer.with(.sqlite, adjust: { $0.signInFailuresPerAddress = 4 }) { app, _ in
            for n in 0..<3 {
                _ = try await app.call(.POST, "/api/v1/auth/login", token: nil, json: ["email": "nobody\(n)@nowhere.test", "password": "wrong wrong wrong"])
            }
            let ok = try await app.call(.POST, "/api/v1/auth/login", token: nil, json: ["email": Network.email("reviewer", "anchor-a"), "password": Network.password])
            #expect(ok.status == .ok)
            _ = try await app.call(.POST, "/api/v1/auth/login", token: nil, json: ["email": "nobody9@nowhere.test", "password": "wrong wrong wrong"])
            let blocked = try await app.call(.POST, "/api/v1/auth/login", token: nil, json: ["email": Network.email("admin", "anchor-a"), "password": Network.password])
            #expect(blocked.status == .tooManyRequests)
            #expect(SignInThrottle.delay(failures: 4, free: 4) < SignInThrottle.delay(failures: 6, free: 4))
            #expect(SignInThrottle.delay(failures: 60, free: 4) == SignInThrottle.maxDelay)
        }
    }

    /// Two server instances on one database enforce one limit.
    @Test func theLimitIsSharedByInstancesOnOneDatabase() async throws {
        try await TestServer.with(.sqlite) { app, config in
            let email = Network.email("submitter", "partner-p")
            for _ in 0..<config.signInFailuresPerAccount {
                _ = try await app.call(.POST, "/api/v1/auth/login", token: nil, json: ["email": email, "password": "wrong wrong wrong"])
            }
            let other = try await Application.make(.testing)
            do {
                other.logger.logLevel = .error
                try await configure(other, config: config)
                let r = try await other.call(.POST, "/api/v1/auth/login", token: nil, json: ["email": email, "password": Network.password])
                #expect(r.status == .tooManyRequests)
            } catch {
                Issue.record("\(error)")
            }
            try await other.asyncShutdown()
        }
    }

    /// The client address is the peer unless the peer is a trusted proxy; then the right-most hop of
    /// X-Forwarded-For that is not a trusted proxy.
    @Test func trustedProxiesDecideTheClientAddress() async throws {
        try await TestServer.with(.sqlite, adjust: { $0.trustedProxies = ["10.0.0.0/8", "::1"] }) { app, _ in
            func request(_ peer: String, _ forwarded: String?) -> Request {
                var h = HTTPHeaders()
                if let forwarded { h.add(name: "X-Forwarded-For", value: forwarded) }
                return Request(application: app, method: .GET, url: URI(path: "/"), headers: h,
                               remoteAddress: try! SocketAddress(ipAddress: peer, port: 4000), on: app.eventLoopGroup.next())
            }
            #expect(ClientAddress.of(request("203.0.113.9", "1.2.3.4")) == "203.0.113.9")
            #expect(ClientAddress.of(request("10.1.2.3", "1.2.3.4")) == "1.2.3.4")
            #expect(ClientAddress.of(request("10.1.2.3", "6.6.6.6, 198.51.100.7, 10.9.9.9")) == "198.51.100.7")
            #expect(ClientAddress.of(request("::1", "198.51.100.8")) == "198.51.100.8")
            #expect(ClientAddress.of(request("10.1.2.3", "not-an-address")) == "10.1.2.3")
            #expect(ClientAddress.matches("192.168.1.77", ["192.168.0.0/16"]))
            #expect(!ClientAddress.matches("192.169.1.77", ["192.168.0.0/16"]))
        }
    }
}

/// Browser sessions and API tokens.
extension ServerTests {
    @Test func sessionsAreHardenedRenewedAndNotMadeForVisitors() async throws {
        try await TestServer.with(.sqlite) { app, _ in
            var loginCookie = "", csrf = ""
            try await app.testing().test(.GET, "/login", headers: ["Cookie": "anchor_session=planted-by-someone"], afterResponse: { res async in
                #expect(res.status == .ok)
                #expect(TestServer.sessionCookie(res) == nil)
                loginCookie = res.headers[.setCookie].first { $0.hasPrefix("anchor_login_csrf=") }?.split(separator: ";").first.map(String.init) ?? ""
                csrf = TestServer.csrf(in: res.body.string)
            })
            #expect(try await UserSession.query(on: app.db).count() == 0)
            let form = "email=\(Network.email("submitter", "partner-p").replacingOccurrences(of: "@", with: "%40"))&password=\(Network.password.replacingOccurrences(of: " ", with: "+"))&_csrf=\(csrf)"
            var setCookie = ""
            var first = ""
            try await app.testing().test(.POST, "/login", headers: ["Cookie": "\(loginCookie); anchor_session=planted-by-someone", "Content-Type": "application/x-www-form-urlencoded"],
                                         body: .init(string: form), afterResponse: { res async in
                first = TestServer.sessionCookie(res) ?? ""
                setCookie = res.headers[.setCookie].first { $0.hasPrefix("anchor_session=") } ?? ""
            })
            #expect(!first.isEmpty && first != "anchor_session=planted-by-someone")
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("Secure") && setCookie.contains("SameSite=Strict"), "\(setCookie)")
            // Signing in again from the same browser gives a new id and ends the old one.
            let second = try await TestServer.browserSignIn(app, Network.email("submitter", "partner-p"))
            #expect(second.cookie != first && !second.cookie.isEmpty)
            try await app.testing().test(.GET, "/", headers: ["Cookie": second.cookie], afterResponse: { res async in #expect(res.status == .ok) })
        }
    }

    @Test func sessionsExpireWhenIdleOrOldAndArePurged() async throws {
        try await TestServer.with(.sqlite) { app, config in
            let a = try await TestServer.browserSignIn(app, Network.email("submitter", "partner-p"))
            let b = try await TestServer.browserSignIn(app, Network.email("coordinator", "partner-p"))
            let sessions = try await UserSession.query(on: app.db).all()
            #expect(sessions.count == 2)
            for s in sessions {
                let user = try #require(try await User.find(s.$user.id, on: app.db))
                if user.email.hasPrefix("submitter") { s.lastSeenAt = Date().addingTimeInterval(-config.sessionIdleSeconds - 5) }
                else { s.createdAt = Date().addingTimeInterval(-config.sessionAbsoluteSeconds - 5) }
                try await s.save(on: app.db)
            }
            for cookie in [a.cookie, b.cookie] {
                try await app.testing().test(.GET, "/", headers: ["Cookie": cookie], afterResponse: { res async in
                    #expect(res.status == .seeOther || res.status == .found)
                    #expect(res.headers.first(name: .location) == "/login")
                })
            }
            #expect(try await UserSession.query(on: app.db).count() == 0)
            // Purging removes expired rows nobody came back for.
            _ = try await TestServer.browserSignIn(app, Network.email("submitter", "partner-p"))
            let s = try #require(try await UserSession.query(on: app.db).first())
            s.lastSeenAt = Date().addingTimeInterval(-config.sessionIdleSeconds - 5)
            try await s.save(on: app.db)
            try await Housekeeping.purge(app: app, config: config)
            #expect(try await UserSession.query(on: app.db).count() == 0)
        }
    }

    @Test func signingOutRevokesTokens() async throws {
        try await TestServer.with(.sqlite) { app, _ in
            let email = Network.email("submitter", "partner-p")
            let t1 = try await TestServer.token(app, email)
            let t2 = try await TestServer.token(app, email)
            let out = try await app.call(.POST, "/api/v1/auth/logout", token: t1)
            #expect(out.status == .noContent)
            #expect(try await app.call(.GET, "/api/v1/me", token: t1).status == .unauthorized)
            #expect(try await app.call(.GET, "/api/v1/me", token: t2).status == .ok)
            // Signing out in the browser ends every token and session of the person.
            let browser = try await TestServer.browserSignIn(app, email)
            try await app.testing().test(.POST, "/logout", headers: ["Cookie": browser.cookie, "Content-Type": "application/x-www-form-urlencoded"],
                                         body: .init(string: "_csrf=\(browser.csrf)"), afterResponse: { res async in
                #expect(res.status == .seeOther || res.status == .found)
            })
            #expect(try await app.call(.GET, "/api/v1/me", token: t2).status == .unauthorized)
            try await app.testing().test(.GET, "/", headers: ["Cookie": browser.cookie], afterResponse: { res async in
                #expect(res.headers.first(name: .location) == "/login")
            })
        }
    }

    @Test func disablingAPersonEndsEverything() async throws {
        try await TestServer.with(.sqlite) { app, _ in
            let email = Network.email("submitter", "partner-p")
            let token = try await TestServer.token(app, email)
            let browser = try await TestServer.browserSignIn(app, email)
            try await AdminTasks.disableUser(email: email, on: app.db)
            #expect(try await app.call(.GET, "/api/v1/me", token: token).status == .unauthorized)
            try await app.testing().test(.GET, "/", headers: ["Cookie": browser.cookie], afterResponse: { res async in
                #expect(res.headers.first(name: .location) == "/login")
            })
            let again = try await app.call(.POST, "/api/v1/auth/login", token: nil, json: ["email": email, "password": Network.password])
            #expect(again.status == .unauthorized)
        }
    }

    /// The API takes no form bodies, and cookie-authenticated calls must be JSON from this origin.
    @Test func theAPIRefusesFormsAndCrossSiteCookieCalls() async throws {
        try await TestServer.with(.sqlite) { app, config in
            let id = try await TestServer.upload(app, as: Network.email("submitter", "partner-p"))
            try await TestServer.drainJobs(app, config)
            let browser = try await TestServer.browserSignIn(app, Network.email("coordinator", "anchor-a"))
            let path = "/api/v1/cases/\(id)/messages"
            func send(_ headers: HTTPHeaders, _ body: String) async throws -> HTTPStatus {
                var status = HTTPStatus.internalServerError
                try await app.testing().test(.POST, path, headers: headers, body: .init(string: body), afterResponse: { res async in status = res.status })
                return status
            }
            let cookie = browser.cookie
            #expect(try await send(["Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded", "Host": "anchor.test"], "body=cross+site") == .unsupportedMediaType)
            #expect(try await send(["Cookie": cookie, "Content-Type": "text/plain", "Host": "anchor.test"], "{\"body\":\"x\"}") == .unsupportedMediaType)
            #expect(try await send(["Cookie": cookie, "Content-Type": "application/json", "Host": "anchor.test"], "{\"body\":\"no origin\"}") == .forbidden)
            #expect(try await send(["Cookie": cookie, "Content-Type": "application/json", "Host": "anchor.test", "Origin": "https://evil.test"], "{\"body\":\"evil\"}") == .forbidden)
            #expect(try await send(["Cookie": cookie, "Content-Type": "application/json", "Host": "anchor.test", "Origin": "https://anchor.test"], "{\"body\":\"same origin\"}") == .created)
            let token = try await TestServer.token(app, Network.email("coordinator", "anchor-a"))
            #expect(try await send(["Authorization": "Bearer \(token)", "Content-Type": "application/x-www-form-urlencoded"], "body=x") == .unsupportedMediaType)
            #expect(try await Message.query(on: app.db).count() == 1)
        }
    }
}
