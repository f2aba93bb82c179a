import AnchorCLI
import AnchorServer
import ArgumentParser
import Foundation

/// `anchor demo`: a ready network with synthetic cases, served on localhost.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Create a demo network (an anchor centre, two partner centres, people in every role, synthetic paediatric cases) and serve it.",
        discussion: "Reuses the data folder when it already holds a network. The cases are phantoms, not patients."
    )

    @Option(help: "Data folder.")
    var data = "./anchor-data"
    @Option(help: "Port to listen on (127.0.0.1).")
    var port = 8080
    @Option(help: "Address to listen on.")
    var hostname = "127.0.0.1"

    func run() async throws {
        let config = ServerConfig(dataDirectory: data, hostname: hostname, port: port)
        try await Demo.run(config) { line in printNow(line) }
    }
}
