@testable import AnchorServer
import Foundation
import Testing
import VaporTesting

extension ServerTests {
    /// Signs in through the login form; returns the session cookie and the CSRF token of its forms.
    func signIn(_ app: Application, _ email: String) async throws -> (cookie: String, csrf: String) {
        try await TestServer.browserSignIn(app, email)
    }

    @Test func reviewPagesCarryTheLoop() async throws {
        try await TestServer.with(.sqlite) { app, config in
            let id = try await TestServer.upload(app, as: Network.email("submitter", "partner-p"))
            try await TestServer.drainJobs(app, config)
            let c = try #require(try await ReviewCase.find(id, on: app.db))
            let reviewerEmail = try #require(try await User.find(c.$reviewer.id, on: app.db)).email
            let reviewer = try await signIn(app, reviewerEmail)
            try await app.testing().test(.GET, "/cases/\(id)/review", headers: ["Cookie": reviewer.cookie], afterResponse: { res async in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("Record verdict"))
                #expect(res.body.string.contains("Thread"))
            })
            // A verdict through the form: unacceptable target delineation requests changes.
            let form = "_csrf=\(reviewer.csrf)&target=unacceptable_variation&oar=per_protocol&dose=per_protocol&comment=CTV+too+small"
            try await app.testing().test(.POST, "/cases/\(id)/review", headers: ["Cookie": reviewer.cookie, "Content-Type": "application/x-www-form-urlencoded"],
                                         body: .init(string: form), afterResponse: { res async in
                #expect(res.status == .seeOther || res.status == .found, "\(res.body.string)")
            })
            #expect(try await ReviewCase.find(id, on: app.db)?.status == "changes_requested")
            // The submitter sees it waiting, with the resubmission form, and answers in the thread.
            let submitter = try await signIn(app, Network.email("submitter", "partner-p"))
            try await app.testing().test(.GET, "/waiting", headers: ["Cookie": submitter.cookie], afterResponse: { res async in
                #expect(res.status == .ok && res.body.string.contains(id.uuidString))
            })
            try await app.testing().test(.GET, "/cases/\(id)/review", headers: ["Cookie": submitter.cookie], afterResponse: { res async in
                #expect(res.body.string.contains("Resubmit"))
                #expect(!res.body.string.contains("Record verdict"))
            })
            try await app.testing().test(.POST, "/cases/\(id)/messages", headers: ["Cookie": submitter.cookie, "Content-Type": "application/x-www-form-urlencoded"],
                                         body: .init(string: "_csrf=\(submitter.csrf)&body=Corrected+the+CTV"), afterResponse: { res async in
                #expect(res.status == .seeOther || res.status == .found)
            })
            #expect(try await Message.query(on: app.db).count() == 1)
            // A verdict form from the submitter is refused with the reason on the page.
            try await app.testing().test(.POST, "/cases/\(id)/review", headers: ["Cookie": submitter.cookie, "Content-Type": "application/x-www-form-urlencoded"],
                                         body: .init(string: "_csrf=\(submitter.csrf)&target=per_protocol&oar=per_protocol&dose=per_protocol"), afterResponse: { res async in
                #expect(res.status == .forbidden)
                #expect(res.body.string.contains("Only the assigned reviewer"))
            })
            let coordinator = try await signIn(app, Network.email("coordinator", "anchor-a"))
            try await app.testing().test(.GET, "/turnaround", headers: ["Cookie": coordinator.cookie], afterResponse: { res async in
                #expect(res.status == .ok && res.body.string.contains("Per centre"))
            })
            try await app.testing().test(.GET, "/turnaround", headers: ["Cookie": submitter.cookie], afterResponse: { res async in
                #expect(res.status == .forbidden)
            })
        }
    }
}
