import AnchorDICOM
import AnchorPhantoms
import Fluent
import Vapor

/// `anchor demo`: a data folder with a small network (one anchor centre, two partner centres, people in
/// every role) and synthetic paediatric cases, some with deliberate deviations, then the server.
public enum Demo {
    public static let password = "anchor-demo-2026"

    public struct Person: Sendable { public var email: String; public var role: String; public var centre: String }

    public static let people: [Person] = [
        Person(email: "admin@anchor.demo", role: "admin", centre: "Anchor Children's Hospital"),
        Person(email: "coordinator@anchor.demo", role: "coordinator", centre: "Anchor Children's Hospital"),
        Person(email: "reviewer1@anchor.demo", role: "reviewer", centre: "Anchor Children's Hospital"),
        Person(email: "reviewer2@anchor.demo", role: "reviewer", centre: "Anchor Children's Hospital"),
        Person(email: "physicist@north.demo", role: "submitter", centre: "North Partner Centre"),
        Person(email: "coordinator@north.demo", role: "coordinator", centre: "North Partner Centre"),
        Person(email: "physicist@south.demo", role: "submitter", centre: "South Partner Centre"),
    ]

    /// (site, age, variant, protocol, diagnosis, submitter, planned start in days from today)
    static let cases: [(String, Int, String, String, String, String, Int)] = [
        ("posterior-fossa", 4, "acceptable", "posterior-fossa", "Ependymoma, posterior fossa", "physicist@north.demo", 9),
        ("posterior-fossa", 7, "cochlea-overdose", "posterior-fossa", "Medulloblastoma boost", "physicist@north.demo", 2),
        ("abdomen", 3, "acceptable", "wilms-flank", "Wilms tumour, left flank", "physicist@south.demo", 12),
        ("abdomen", 5, "vertebra-gradient", "wilms-flank", "Wilms tumour, right flank", "physicist@south.demo", 5),
        ("mediastinum", 15, "ptv-underdose", "hodgkin-lymphoma", "Hodgkin lymphoma, mediastinum", "physicist@north.demo", 7),
    ]

    /// True when the database holds any of the demo's people.
    public static func holdsDemoPeople(_ db: Database) async throws -> Bool {
        try await User.query(on: db).filter(\.$email ~~ people.map(\.email)).count() > 0
    }

    /// Creates the network and the cases when the data folder's database is empty; returns the number of
    /// cases submitted.
    @discardableResult
    public static func prepare(app: Application, log: @Sendable (String) -> Void) async throws -> Int {
        if try await Centre.query(on: app.db).count() > 0 {
            log("The data folder already holds a network; serving it as it is.")
            return 0
        }
        try await AdminTasks.createCentre(name: "Anchor Children's Hospital", kind: "anchor", on: app.db)
        try await AdminTasks.createCentre(name: "North Partner Centre", kind: "partner", on: app.db)
        try await AdminTasks.createCentre(name: "South Partner Centre", kind: "partner", on: app.db)
        try await AdminTasks.link(partner: "North Partner Centre", anchor: "Anchor Children's Hospital", on: app.db)
        try await AdminTasks.link(partner: "South Partner Centre", anchor: "Anchor Children's Hospital", on: app.db)
        for p in people { try await AdminTasks.createUser(email: p.email, password: password, centre: p.centre, role: p.role, on: app.db) }
        let day = DateFormatter()
        day.dateFormat = "yyyy-MM-dd"
        day.timeZone = TimeZone(identifier: "UTC")
        for (n, c) in cases.enumerated() {
            log("Generating case \(n + 1)/\(cases.count): \(c.0), \(c.1) years, \(c.2)")
            let spec = try PhantomSpec(site: c.0, ageYears: c.1, variant: c.2, seed: UInt64(n + 1))
            let phantom = try await app.threadPool.runIfActive { PhantomGenerator.generate(spec) }
            let uploads = try phantom.files.map { UploadedFile(name: $0.name, bytes: try DICOMWriter.encode($0.file)) }
            guard let user = try await User.query(on: app.db).filter(\.$email == c.5).first() else { continue }
            let start = day.string(from: Date().addingTimeInterval(Double(c.6) * 86400))
            do {
                _ = try await Ingest.submit(uploads, submission: CaseSubmission(protocolID: c.3, ageYears: Double(c.1), diagnosis: c.4, plannedStart: start),
                                            by: user, app: app, db: app.db)
            } catch {
                log("  case \(n + 1) was not accepted: \(error)")
            }
        }
        return cases.count
    }

    /// Prepares the data folder and serves it until interrupted.
    public static func run(_ config: ServerConfig, log: @escaping @Sendable (String) -> Void) async throws {
        var env = Environment(name: "production", arguments: ["anchor"])
        try LoggingSystem.bootstrap(from: &env)
        let app = try await Application.make(env)
        app.logger.logLevel = .warning
        do {
            try await configure(app, config: config)
            try await prepare(app: app, log: log)
            log("")
            log("Anchor demo on http://\(config.hostname):\(config.port)  (data: \(config.dataDirectory))")
            log("Sign in with any of these (password: \(password)):")
            for p in people { log("  \(p.email.padding(toLength: 26, withPad: " ", startingAt: 0)) \(p.role.padding(toLength: 12, withPad: " ", startingAt: 0)) \(p.centre)") }
            log("The cases' QA is computed in the background; reload the case list in a few seconds. Ctrl-C stops.")
            try await app.execute()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}
