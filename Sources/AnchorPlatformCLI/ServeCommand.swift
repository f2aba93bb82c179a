import AnchorCLI
import AnchorServer
import ArgumentParser
import Foundation

/// `anchor serve`: the platform.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the Anchor server: case upload with automatic QA, review, audit.",
        discussion: """
        Storage: SQLite in the data folder (anchor.sqlite) unless DATABASE_URL names a PostgreSQL \
        database; DICOM files content-addressed under DATA/objects. Analysis jobs run in the \
        background of every instance and survive restarts.
        """
    )

    @Option(help: "Data folder (database and stored files).")
    var data = "./anchor-data"
    @Option(help: "Address to listen on.")
    var hostname = "127.0.0.1"
    @Option(help: "Port to listen on.")
    var port = 8080
    @Flag(help: "Do not run analysis jobs in this instance.")
    var noJobs = false

    func run() async throws {
        let config = ServerConfig(dataDirectory: data, hostname: hostname, port: port, runsJobs: !noJobs)
        printNow("Anchor serving on http://\(hostname):\(port) (data: \(data), database: \(config.databaseURL == nil ? "SQLite" : "PostgreSQL"))")
        try await AnchorServerMain.serve(config)
    }
}

/// `anchor admin ...`: centres, people and links, on the same data folder as a running server.
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin",
        abstract: "Manage centres, people and which anchor centre reviews which partner.",
        subcommands: [CreateCentre.self, CreateUser.self, Link.self]
    )

    struct Common: ParsableArguments {
        @Option(help: "Data folder (as given to anchor serve).")
        var data = "./anchor-data"
        var config: ServerConfig { ServerConfig(dataDirectory: data, runsJobs: false) }
    }

    struct CreateCentre: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create-centre", abstract: "Create a centre.")
        @Option(help: "Centre name (unique).") var name: String
        @Option(help: "anchor or partner.") var kind: String
        @OptionGroup var common: Common
        func run() async throws {
            let name = self.name, kind = self.kind
            try await AdminCommand.perform { try await AdminTasks.createCentre(name: name, kind: kind, config: common.config) }
            print("created \(kind) centre '\(name)'")
        }
    }

    struct CreateUser: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create-user", abstract: "Create a person with a role at a centre.")
        @Option(help: "E-mail (the sign-in name).") var email: String
        @Option(help: "File holding the password (first line; at least 10 characters).") var passwordFile: String
        @Option(help: "Centre name.") var centre: String
        @Option(help: "submitter, reviewer, coordinator or admin.") var role: String
        @OptionGroup var common: Common
        func run() async throws {
            guard let text = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
                printError("error: cannot read the password file \(passwordFile)")
                throw ExitCode(ExitStatus.noInput)
            }
            let password = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let (email, centre, role) = (self.email, self.centre, self.role)
            try await AdminCommand.perform { try await AdminTasks.createUser(email: email, password: password, centre: centre, role: role, config: common.config) }
            print("created \(role) \(email) at '\(centre)'")
        }
    }

    struct Link: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "link", abstract: "Make an anchor centre the reviewer of a partner centre's cases.")
        @Option(help: "Partner centre name.") var partner: String
        @Option(help: "Anchor centre name.") var anchor: String
        @OptionGroup var common: Common
        func run() async throws {
            let (partner, anchor) = (self.partner, self.anchor)
            try await AdminCommand.perform { try await AdminTasks.link(partner: partner, anchor: anchor, config: common.config) }
            print("'\(anchor)' now reviews the cases of '\(partner)'")
        }
    }

    static func perform(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let e as AdminTasks.Failure {
            printError("error: \(e.description)")
            throw ExitCode(ExitStatus.dataError)
        }
    }
}
