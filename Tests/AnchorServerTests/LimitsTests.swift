import AnchorDICOM
@testable import AnchorServer
import Fluent
import Foundation
import Testing
import VaporTesting

/// Hostile sizes: refused before anything is allocated from them, and the server keeps answering.
extension ServerTests {
    /// The 844-byte kind of RT Dose: Rows = Columns = 65535, 40 frames, 16 bytes of pixel data.
    static func doseBomb() throws -> [(String, DICOMFile)] {
        var objects = try TestServer.caseObjects()
        let rd = try #require(objects.firstIndex { $0.0 == "RD.dcm" })
        var ds = objects[rd].1.dataSet
        ds.set(.rows, .US, bytes: [0xFF, 0xFF])
        ds.set(.columns, .US, bytes: [0xFF, 0xFF])
        ds.set(.numberOfFrames, .IS, "40")
        ds.set(Tag(0x3004_000C), .DS, (0..<40).map { String($0 * 3) })
        ds.set(.pixelData, .OW, bytes: [UInt8](repeating: 1, count: 16))
        objects[rd].1.dataSet = ds
        return objects
    }

    @Test func aDoseBombIsRefusedAndTheServerKeepsAnswering() async throws {
        try await TestServer.with(.sqlite) { app, _ in
            let token = try await TestServer.token(app, Network.email("submitter", "partner-p"))
            let r = try await Self.post(app, token: token, files: try Self.encode(try Self.doseBomb()))
            #expect(r.status == .unprocessableEntity, "\(r.body)")
            #expect(r.body.contains("RD.dcm"), "\(r.body)")
            #expect(try await ReviewCase.query(on: app.db).count() == 0)
            let me = try await app.call(.GET, "/api/v1/me", token: token)
            #expect(me.status == .ok)
        }
    }

    /// A file that got into the store before the checks existed: its analysis fails with the file's
    /// upload name (no server path), the viewer refuses it, and the process lives on.
    @Test func aStoredBombFailsItsAnalysisAndViewerWithoutTakingTheServerDown() async throws {
        try await TestServer.with(.sqlite) { app, config in
            let submitter = Network.email("submitter", "partner-p")
            let id = try await TestServer.upload(app, as: submitter)
            let rd = try #require(try await StoredFile.query(on: app.db).filter(\.$originalName == "RD.dcm").first())
            let bomb = try Self.doseBomb().first { $0.0 == "RD.dcm" }!.1
            try Data(try DICOMWriter.encode(bomb)).write(to: URL(fileURLWithPath: app.objectStore.path(for: rd.sha256)))
            try await TestServer.drainJobs(app, config)
            let c = try #require(try await ReviewCase.find(id, on: app.db))
            #expect(c.status == "qa_failed")
            let token = try await TestServer.token(app, submitter)
            let qa = try await app.call(.GET, "/api/v1/cases/\(id)/qa", token: token)
            #expect(qa.body.contains("RD.dcm"), "\(qa.body)")
            #expect(!qa.body.contains(config.dataDirectory) && !qa.body.contains("/objects/"), "\(qa.body)")
            let viewer = try await app.call(.GET, "/api/v1/cases/\(id)/viewer/manifest", token: token)
            #expect(viewer.status == .unprocessableEntity)
            #expect(!viewer.body.contains(config.dataDirectory))
        }
    }

    /// The QA documents name files by their upload names, never by where the server keeps them.
    @Test func theQADocumentsShowNoServerPaths() async throws {
        try await TestServer.with(.sqlite) { app, config in
            let submitter = Network.email("submitter", "partner-p")
            let id = try await TestServer.upload(app, as: submitter)
            try await TestServer.drainJobs(app, config)
            let token = try await TestServer.token(app, submitter)
            for path in ["/qa", "/report", "/versions"] {
                let r = try await app.call(.GET, "/api/v1/cases/\(id)\(path)", token: token)
                #expect(r.status == .ok)
                #expect(!r.body.contains(config.dataDirectory) && !r.body.contains("/objects/"), "\(path)")
            }
        }
    }

    /// A job whose every claim ended with the process (it never finished) is given up after the
    /// configured number of attempts, and its case shows why.
    @Test func aJobThatNeverFinishesIsGivenUp() async throws {
        try await TestServer.with(.sqlite) { app, config in
            let id = try await TestServer.upload(app, as: Network.email("submitter", "partner-p"))
            let job = try #require(try await Job.query(on: app.db).first())
            // Claimed three times by processes that died: running, lease long past.
            job.state = Job.State.running.rawValue
            job.attempts = config.jobMaxAttempts
            job.lockedAt = Date().addingTimeInterval(-2 * config.jobLeaseSeconds)
            job.lockedBy = "dead-instance"
            try await job.save(on: app.db)
            #expect(try await JobWorker.runOne(app: app, config: config) == false)
            let after = try #require(try await Job.find(job.id, on: app.db))
            #expect(after.state == "failed")
            let c = try #require(try await ReviewCase.find(id, on: app.db))
            #expect(c.status == "qa_failed")
            let v = try #require(try await CaseVersion.query(on: app.db).first())
            #expect(v.failure?.contains("\(config.jobMaxAttempts) attempts") == true, "\(v.failure ?? "")")
        }
    }

    /// One attempt short of the limit, the job is claimed again (the counter goes up at the claim) and finishes.
    @Test func aJobBelowTheLimitIsClaimedAgainAndCounted() async throws {
        try await TestServer.with(.sqlite, adjust: { $0.jobMaxAttempts = 2 }) { app, config in
            let id = try await TestServer.upload(app, as: Network.email("submitter", "partner-p"))
            let job = try #require(try await Job.query(on: app.db).first())
            job.state = Job.State.running.rawValue
            job.attempts = 1
            job.lockedAt = Date().addingTimeInterval(-2 * config.jobLeaseSeconds)
            try await job.save(on: app.db)
            try await TestServer.drainJobs(app, config)
            let after = try #require(try await Job.find(job.id, on: app.db))
            #expect(after.attempts == 2 && after.state == "done")
            #expect(try await ReviewCase.find(id, on: app.db)?.status == "in_review")
        }
    }

    /// A zip whose entries expand past the per-upload limit is refused before it is expanded.
    @Test func aZipBombIsRefused() async throws {
        try await TestServer.with(.sqlite, adjust: { $0.maxExpandedBytes = 4 << 20 }) { app, _ in
            // 2000 central directory entries pointing at one 64 kB entry: 128 MB declared from 64 kB.
            let data = [UInt8](repeating: 0x41, count: 64 << 10)
            let one = StoredZip.make([("a.dcm", data)])
            let localEnd = 30 + 5 + data.count
            let central = Array(one[localEnd..<(one.count - 22)])
            var zip = Array(one[..<localEnd])
            let cdOffset = zip.count
            for _ in 0..<2000 { zip += central }
            func u16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
            func u32(_ v: Int) -> [UInt8] { u16(v & 0xFFFF) + u16(v >> 16) }
            zip += u32(0x0605_4B50) + u16(0) + u16(0) + u16(2000) + u16(2000) + u32(central.count * 2000) + u32(cdOffset) + u16(0)
            let token = try await TestServer.token(app, Network.email("submitter", "partner-p"))
            let r = try await Self.post(app, token: token, files: [("case.zip", zip)])
            #expect(r.status == .payloadTooLarge || r.status == .unprocessableEntity, "\(r.status) \(r.body)")
            #expect(try await ReviewCase.query(on: app.db).count() == 0)
            // Entries sharing one block are refused however small their declared total.
            #expect(ZipPrecheck.problem(zip, maxExpandedBytes: 1 << 40)?.contains("share the same data") == true)
            #expect(ZipPrecheck.problem(StoredZip.make(try TestServer.caseFiles()), maxExpandedBytes: 1 << 30) == nil)
        }
    }

    /// Sign-in and JSON calls take kilobytes; uploads are limited while they arrive and leave nothing
    /// behind; an anonymous upload is refused before its body is read.
    @Test func bodiesAreLimited() async throws {
        try await TestServer.with(.sqlite, adjust: { $0.maxUploadBytes = 200_000; $0.port = Int.random(in: 41_000...49_000) }) { app, config in
            // Over a real connection: the limit applies while the body is read.
            let big = "{\"email\":\"" + String(repeating: "a", count: 1 << 20) + "\",\"password\":\"x\"}"
            try await app.testing(method: .running(port: config.port)).test(.POST, "/api/v1/auth/login", headers: ["Content-Type": "application/json"],
                                                                           body: .init(string: big), afterResponse: { res async in
                #expect(res.status == .payloadTooLarge)
            })
            let token = try await TestServer.token(app, Network.email("submitter", "partner-p"))
            let r = try await Self.post(app, token: token, files: try TestServer.caseFiles(slices: 12))
            #expect(r.status == .payloadTooLarge, "\(r.status)")
            let left = (try? FileManager.default.contentsOfDirectory(atPath: config.uploadsDirectory)) ?? []
            #expect(left.isEmpty, "\(left)")
            try await app.testing().test(.POST, "/api/v1/cases", headers: ["Content-Type": "multipart/form-data; boundary=anchor-test-boundary"],
                                         body: TestServer.multipart(files: try TestServer.caseFiles(), fields: TestServer.uploadFields),
                                         afterResponse: { res async in #expect(res.status == .unauthorized) })
            // A case within the limit still goes through.
            let ok = try await Self.post(app, token: token, files: try TestServer.caseFiles())
            #expect(ok.status == .created, "\(ok.body)")
        }
    }
}
