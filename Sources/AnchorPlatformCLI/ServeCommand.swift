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
    @Option(name: .customLong("trusted-proxy"), help: "A proxy (address or CIDR block) whose X-Forwarded-For is believed; repeat for several.")
    var trustedProxies: [String] = []
    @Flag(help: "Serve plain HTTP without Secure cookies (only on a loopback address; anywhere else put the server behind TLS).")
    var plainHttp = false
    @Flag(help: "Serve a data folder that holds the demo's people.")
    var allowDemoData = false
    @Option(help: "Largest upload, megabytes.")
    var maxUploadMb = 1024
    @Option(help: "Claims of an analysis job before it is given up and its case marked qa_failed.")
    var jobAttempts = 3

    func validate() throws {
        if plainHttp && !ServerConfig.isLoopback(hostname) {
            throw ValidationError("--plain-http is for a loopback address only (127.0.0.1, ::1, localhost); put the server behind TLS to listen on \(hostname)")
        }
        for p in trustedProxies where !AnchorServerMain.isAddressOrBlock(p) {
            throw ValidationError("--trusted-proxy \(p) is neither an IP address nor a CIDR block")
        }
        guard maxUploadMb > 0, jobAttempts > 0 else { throw ValidationError("--max-upload-mb and --job-attempts must be positive") }
    }

    func run() async throws {
        var config = ServerConfig(dataDirectory: data, hostname: hostname, port: port, runsJobs: !noJobs, jobMaxAttempts: jobAttempts)
        config.trustedProxies = trustedProxies
        config.plainHTTP = plainHttp
        config.allowDemoData = allowDemoData
        config.maxUploadBytes = maxUploadMb << 20
        config.maxExpandedBytes = max(config.maxExpandedBytes, config.maxUploadBytes)
        printNow("Anchor serving on http://\(hostname):\(port) (data: \(data), database: \(config.databaseURL == nil ? "SQLite" : "PostgreSQL"))")
        do {
            try await AnchorServerMain.serve(config)
        } catch let e as AdminTasks.Failure {
            printError("error: \(e.description)")
            throw ExitCode(ExitStatus.dataError)
        }
    }
}

/// `anchor admin ...`: centres, people and links, on the same data folder as a running server.
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin",
        abstract: "Manage centres, people and which anchor centre reviews which partner.",
        subcommands: [CreateCentre.self, CreateUser.self, Link.self, SetPassword.self, DisableUser.self]
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
        @Option(help: "File holding the password (first line; at least 12 characters, not a common password).") var passwordFile: String
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

    struct SetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-password",
            abstract: "Set a person's password and end their sessions and API tokens.")
        @Option(help: "E-mail of the person.") var email: String
        @Option(help: "File holding the new password (first line; at least 12 characters, not a common password).") var passwordFile: String
        @OptionGroup var common: Common
        func run() async throws {
            guard let text = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
                printError("error: cannot read the password file \(passwordFile)")
                throw ExitCode(ExitStatus.noInput)
            }
            let password = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let email = self.email
            try await AdminCommand.perform { try await AdminTasks.setPassword(email: email, password: password, config: common.config) }
            print("password of \(email) set; their sessions and API tokens ended")
        }
    }

    struct DisableUser: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "disable-user",
            abstract: "Disable a person: no sign-in, and their sessions and API tokens end at once.")
        @Option(help: "E-mail of the person.") var email: String
        @OptionGroup var common: Common
        func run() async throws {
            let email = self.email
            try await AdminCommand.perform { try await AdminTasks.disableUser(email: email, config: common.config) }
            print("\(email) disabled; their sessions and API tokens ended")
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
