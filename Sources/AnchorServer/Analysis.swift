import AnchorDICOM
import AnchorDosimetry
import AnchorQA
import AnchorRT
import Fluent
import Vapor

/// The bundled protocol library, loaded once.
enum ServerProtocols {
    static let library = ProtocolLibrary.bundled()
    static var ids: [String] { library.ids.sorted() }
    static func exists(_ id: String) -> Bool { library.find(id: id) != nil }
}

/// The analysis job: the DVHs and the protocol check of one case version, computed from its stored
/// files with the same engine as `anchor dvh` and `anchor check`, and stored with the version.
enum Analysis {
    struct Output: Sendable {
        var dvhJSON: String
        var checkJSON: String
        var reportHTML: String
        var dvhSVG: String
        var overall: String
    }

    static func run(versionID: UUID, app: Application) async throws {
        guard let version = try await CaseVersion.find(versionID, on: app.db),
              let c = try await ReviewCase.find(version.$reviewCase.id, on: app.db) else { return }
        let files = try await StoredFile.query(on: app.db).filter(\.$version.$id == versionID).all()
        let store = app.objectStore
        let named = files.map { (path: store.path(for: $0.sha256), name: $0.originalName) }
        let protocolID = c.protocolID, age = c.ageYears, prescription = c.prescriptionGy, fractions = c.fractions
        let limits = Preflight.Limits(app.anchorConfig)
        let dataDirectory = app.anchorConfig.dataDirectory
        let result: Result<Output, Error>
        do {
            result = .success(try await app.threadPool.runIfActive {
                try Preflight.checkStored(named, limits: limits)
                var out = try compute(paths: named.map(\.path), protocolID: protocolID, ageYears: age,
                                      prescriptionGy: prescription, fractions: fractions)
                out.dvhJSON = ServerPaths.rename(out.dvhJSON, named, dataDirectory: dataDirectory)
                out.checkJSON = ServerPaths.rename(out.checkJSON, named, dataDirectory: dataDirectory)
                out.reportHTML = ServerPaths.rename(out.reportHTML, named, dataDirectory: dataDirectory)
                return out
            })
        } catch {
            result = .failure(ServerPaths.Renamed(message: ServerPaths.rename("\(error)", named, dataDirectory: dataDirectory)))
        }
        try await app.db.transaction { tx in
            switch result {
            case .success(let out):
                version.dvhJSON = out.dvhJSON
                version.checkJSON = out.checkJSON
                version.reportHTML = out.reportHTML
                version.dvhSVG = out.dvhSVG
                version.worstGrade = out.overall
                version.failure = nil
                version.status = ReviewCase.Status.qaComplete.rawValue
            case .failure(let e):
                version.failure = "\(e)"
                version.status = ReviewCase.Status.qaFailed.rawValue
            }
            version.analysedAt = Date()
            try await version.save(on: tx)
            // Only the current version moves the case.
            guard c.currentVersion == version.number else { return }
            c.worstGrade = version.worstGrade
            if case .success = result {
                try await Workflow.transition(c, to: .qaComplete, by: nil, on: tx)
                try await Workflow.afterAnalysis(c, on: tx)
            } else {
                try await Workflow.transition(c, to: .qaFailed, by: nil, on: tx)
            }
        }
    }

    /// Marks a version (and its case, when current) as failed with `reason`.
    static func markFailed(versionID: UUID, reason: String, on db: Database) async throws {
        guard let version = try await CaseVersion.find(versionID, on: db),
              let c = try await ReviewCase.find(version.$reviewCase.id, on: db) else { return }
        try await db.transaction { tx in
            version.failure = reason
            version.status = ReviewCase.Status.qaFailed.rawValue
            version.analysedAt = Date()
            try await version.save(on: tx)
            guard c.currentVersion == version.number, c.status != ReviewCase.Status.qaFailed.rawValue else { return }
            try await Workflow.transition(c, to: .qaFailed, by: nil, on: tx)
        }
    }

    /// The engine's work for one case version (runs on the thread pool).
    static func compute(paths: [String], protocolID: String, ageYears: Double, prescriptionGy: Double? = nil,
                        fractions: Int? = nil) throws -> Output {
        let loaded = DICOMLoader.load(paths)
        if let f = loaded.failures.first { throw Abort(.unprocessableEntity, reason: "\(f.file): \(f.message)") }
        let cases = Case.assemble(loaded.members)
        guard cases.count == 1, let theCase = cases.first else {
            throw Abort(.unprocessableEntity, reason: "the files hold \(cases.count) patients; a case is one patient")
        }
        guard let p = ServerProtocols.library.find(id: protocolID) else { throw Abort(.unprocessableEntity, reason: "unknown protocol \(protocolID)") }
        // The prescription and fractions given with the submission win over the plan's and the protocol's;
        // Patient's Sex (kept by de-identification as a patient characteristic) feeds the late-effect estimates.
        let sex = LateEffectEvaluator.patientSex(loaded.members.map(\.file))
        let qa = try CaseQA.run(theCase, protocol: p, age: (ageYears, .submission), prescriptionGy: prescriptionGy, fractions: fractions,
                                sex: sex, generator: "Anchor server")
        return Output(dvhJSON: qa.dvh.serialized(pretty: false), checkJSON: qa.check.serialized(pretty: false),
                      reportHTML: qa.html, dvhSVG: qa.svg, overall: qa.overall.rawValue)
    }
}

/// Messages and documents name files by their upload name, never by where the server stores them.
enum ServerPaths {
    struct Renamed: Error, CustomStringConvertible { var message: String; var description: String { message } }

    static func rename(_ text: String, _ named: [(path: String, name: String)], dataDirectory: String) -> String {
        var out = text
        for (path, name) in named {
            out = out.replacingOccurrences(of: path, with: name)
            out = out.replacingOccurrences(of: path.replacingOccurrences(of: "/", with: "\\/"), with: name)
        }
        return scrub(out, dataDirectory: dataDirectory)
    }

    /// Removes any remaining mention of the data folder (absolute or as configured).
    static func scrub(_ text: String, dataDirectory: String) -> String {
        var out = text
        let absolute = URL(fileURLWithPath: dataDirectory).standardizedFileURL.path
        for prefix in Set([absolute, dataDirectory]) where prefix.count > 1 {
            out = out.replacingOccurrences(of: prefix, with: "[data]")
            out = out.replacingOccurrences(of: prefix.replacingOccurrences(of: "/", with: "\\/"), with: "[data]")
        }
        return out
    }
}
