import AnchorDICOM
@testable import AnchorServer
import Fluent
import Foundation
import Testing
import VaporTesting

/// Uploads are de-identified whatever they claim, checked afterwards, and refused when anything
/// identifying remains; the pseudonym is derived, never copied; a new version is the same patient.
extension ServerTests {
    static func uploadHeaders(_ token: String) -> HTTPHeaders {
        ["Authorization": "Bearer \(token)", "Content-Type": "multipart/form-data; boundary=anchor-test-boundary"]
    }

    /// Posts a case upload with a bearer token; returns status and body.
    static func post(_ app: Application, _ path: String = "/api/v1/cases", token: String, files: [(String, [UInt8])],
                     fields: [String: String] = TestServer.uploadFields) async throws -> (status: HTTPStatus, body: String) {
        var out: (HTTPStatus, String) = (.internalServerError, "")
        try await app.testing().test(.POST, path, headers: uploadHeaders(token), body: TestServer.multipart(files: files, fields: fields),
                                     afterResponse: { res async in out = (res.status, res.body.string) })
        return out
    }

    static func encode(_ objects: [(String, DICOMFile)]) throws -> [(String, [UInt8])] {
        try objects.map { ($0.0, try DICOMWriter.encode($0.1)) }
    }

    static func storedBytes(_ app: Application) async throws -> [[UInt8]] {
        try await StoredFile.query(on: app.db).all().map { try readFileBytes(app.objectStore.path(for: $0.sha256)) }
    }

    /// Every file says Patient Identity Removed YES and still holds the name, the hospital number, the
    /// birth date, the address, the institution and a private attribute: none of it is stored.
    @Test func theIdentityRemovedFlagIsNotTrusted() async throws {
        try await TestServer.with(.sqlite) { app, _ in
            var objects = try TestServer.caseObjects(patientID: "HOSP4471920", patientName: "Smithson^Maryanne")
            for i in objects.indices {
                var ds = objects[i].1.dataSet
                ds.set(Tag(0x0012_0062), .CS, "YES")
                ds.set(.patientBirthDate, .DA, "20190314")
                ds.set(Tag(0x0010_1040), .LO, "12 Acacia Avenue Leeds")
                ds.set(Tag(0x0008_0080), .LO, "Saint Elsewhere Hospital")
                ds.set(Tag(0x0009_0010), .LO, "ACME")
                ds.set(Tag(0x0009_1001), .LO, "SECRETVALUE")
                objects[i].1.dataSet = ds
            }
            let token = try await TestServer.token(app, Network.email("submitter", "partner-p"))
            let r = try await Self.post(app, token: token, files: try Self.encode(objects))
            #expect(r.status == .created, "\(r.body)")
            let stored = try await Self.storedBytes(app)
            #expect(stored.count == objects.count)
            var pseudonyms = Set<String>()
            for bytes in stored {
                let text = String(decoding: bytes, as: UTF8.self)
                for secret in ["Smithson", "Maryanne", "HOSP4471920", "20190314", "Acacia", "Elsewhere", "SECRETVALUE", "ACME"] {
                    #expect(!text.contains(secret), "\(secret) was stored")
                }
                let f = try DICOMFile(bytes: bytes)
                pseudonyms.insert(f.dataSet.string(.patientID) ?? "")
            }
            #expect(pseudonyms.count == 1)
            let pseudonym = try #require(pseudonyms.first)
            #expect(DeidentificationVerifier.isPseudonym(pseudonym) && pseudonym != "HOSP4471920")
            let c = try #require(try await ReviewCase.query(on: app.db).first())
            #expect(c.pseudonym == pseudonym)

            // The same patient sent without the flag gets the same (derived) pseudonym.
            let again = try await Self.post(app, token: token, files: try TestServer.caseFiles(patientID: "HOSP4471920"))
            #expect(again.status == .created, "\(again.body)")
            let id = try #require(again.body.jsonObject?["id"] as? String)
            #expect(try await ReviewCase.find(UUID(uuidString: id), on: app.db)?.pseudonym == pseudonym)
        }
    }

    /// Files that another tool de-identified already: their pseudonym is not taken over.
    @Test func aPseudonymInTheFilesIsNotCopied() async throws {
        try await TestServer.with(.sqlite) { app, _ in
            var objects = try TestServer.caseObjects(patientID: "ANON-0123456789", patientName: "ANON-0123456789")
            for i in objects.indices { objects[i].1.dataSet.set(Tag(0x0012_0062), .CS, "YES") }
            let token = try await TestServer.token(app, Network.email("submitter", "partner-p"))
            let r = try await Self.post(app, token: token, files: try Self.encode(objects))
            #expect(r.status == .created, "\(r.body)")
            let c = try #require(try await ReviewCase.query(on: app.db).first())
            #expect(c.pseudonym != nil && c.pseudonym != "ANON-0123456789")
        }
    }

    /// Free text outside Table E.1-1 that still identifies is cleaned before anything is stored (the
    /// Clean Descriptors option of PS3.15 Annex E, applied whatever the files claim): the case is accepted
    /// and no stored byte holds the text.
    @Test func identifyingFreeTextIsCleanedBeforeStorage() async throws {
        try await TestServer.with(.sqlite) { app, _ in
            var objects = try TestServer.caseObjects()
            let rs = try #require(objects.firstIndex { $0.0 == "RS.dcm" })
            var rois = objects[rs].1.dataSet.sequence(Tag(0x3006_0020))
            rois[2].set(Tag(0x3006_0026), .LO, "Mum Mary 07700900123")
            objects[rs].1.dataSet.set(Tag(0x3006_0020), items: rois)
            let rd = try #require(objects.firstIndex { $0.0 == "RD.dcm" })
            objects[rd].1.dataSet.set(Tag(0x3004_0006), .LO, "Dr Brown Ward 7 born 14/03/2020")
            for i in objects.indices { objects[i].1.dataSet.set(Tag(0x0012_0062), .CS, "YES") }
            let token = try await TestServer.token(app, Network.email("submitter", "partner-p"))
            let r = try await Self.post(app, token: token, files: try Self.encode(objects))
            #expect(r.status == .created, "\(r.body)")
            #expect(!r.body.contains("07700900123") && !r.body.contains("Brown"))
            let stored = try await Self.storedBytes(app)
            #expect(!stored.isEmpty)
            for bytes in stored {
                let text = String(decoding: bytes, as: UTF8.self)
                for marker in ["07700900123", "Mum Mary", "Dr Brown", "14/03/2020"] { #expect(!text.contains(marker), "\(marker) stored") }
            }
        }
    }

    /// The burned-in annotation check runs on flagged files too, and images that often carry burned-in
    /// text must say they do not.
    @Test func burnedInAnnotationIsCheckedEvenWhenFlagged() async throws {
        try await TestServer.with(.sqlite) { app, _ in
            let token = try await TestServer.token(app, Network.email("submitter", "partner-p"))
            var objects = try TestServer.caseObjects()
            for i in objects.indices { objects[i].1.dataSet.set(Tag(0x0012_0062), .CS, "YES") }
            objects[0].1.dataSet.set(Tag(0x0028_0301), .CS, "YES")
            let r = try await Self.post(app, token: token, files: try Self.encode(objects))
            #expect(r.status == .unprocessableEntity)
            #expect(r.body.contains("CT0.dcm") && r.body.contains("Burned In Annotation"), "\(r.body)")

            var portal = try TestServer.caseObjects()
            portal[0].1.dataSet.set(.modality, .CS, "RTIMAGE")
            let r2 = try await Self.post(app, token: token, files: try Self.encode(portal))
            #expect(r2.status == .unprocessableEntity)
            #expect(r2.body.contains("CT0.dcm") && r2.body.contains("(0028,0301)"), "\(r2.body)")
            #expect(try await ReviewCase.query(on: app.db).count() == 0)
        }
    }

    /// A new version of a case must be the same (pseudonymised) patient.
    @Test func aResubmissionOfAnotherPatientIsRefused() async throws {
        try await TestServer.with(.sqlite) { app, _ in
            let submitter = Network.email("submitter", "partner-p")
            let id = try await TestServer.upload(app, as: submitter)
            let c = try #require(try await ReviewCase.find(id, on: app.db))
            c.status = ReviewCase.Status.changesRequested.rawValue
            try await c.save(on: app.db)
            let token = try await TestServer.token(app, submitter)
            let other = try await Self.post(app, "/api/v1/cases/\(id)/versions", token: token, files: try TestServer.caseFiles(patientID: "SOMEONEELSE"), fields: [:])
            #expect(other.status == .unprocessableEntity, "\(other.body)")
            #expect(other.body.contains("another patient"))
            #expect(try await ReviewCase.find(id, on: app.db)?.currentVersion == 1)
            let same = try await Self.post(app, "/api/v1/cases/\(id)/versions", token: token, files: try TestServer.caseFiles(), fields: [:])
            #expect(same.status == .created, "\(same.body)")
            #expect(try await ReviewCase.find(id, on: app.db)?.currentVersion == 2)
        }
    }

    /// The diagnosis describes the disease and nothing else.
    @Test func theDiagnosisFieldIsChecked() async throws {
        try await TestServer.with(.sqlite) { app, _ in
            let token = try await TestServer.token(app, Network.email("submitter", "partner-p"))
            for bad in ["Medulloblastoma, born 14/03/2020", "Ependymoma Dr Smith", "Wilms 07700900123", String(repeating: "x", count: 300), "<script>"] {
                var fields = TestServer.uploadFields
                fields["diagnosis"] = bad
                let r = try await Self.post(app, token: token, files: try TestServer.caseFiles(), fields: fields)
                #expect(r.status == .badRequest, "\(bad): \(r.body)")
            }
            var fields = TestServer.uploadFields
            fields["diagnosis"] = "Medulloblastoma, posterior fossa (ICD-O 9470/3)"
            let ok = try await Self.post(app, token: token, files: try TestServer.caseFiles(), fields: fields)
            #expect(ok.status == .created, "\(ok.body)")
        }
    }
}
