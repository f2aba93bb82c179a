import AnchorCLI
import AnchorServer
import ArgumentParser
import Foundation

/// `anchor demo`: a ready network with synthetic cases, served on localhost.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Create a demo network (an anchor centre, two partner centres, people in every role, synthetic paediatric cases) and serve it.",
        discussion: """
        Reuses the data folder when it already holds a network. The cases are phantoms, not patients. \
        The demo's folder is its own (./anchor-demo), and `anchor serve` refuses to serve a folder that \
        holds the demo's people, whose password this command prints.
        """
    )

    @Option(help: "Data folder.")
    var data = "./anchor-demo"
    @Option(help: "Port to listen on (127.0.0.1).")
    var port = 8080
    @Option(help: "Address to listen on.")
    var hostname = "127.0.0.1"

    func run() async throws {
        var config = ServerConfig(dataDirectory: data, hostname: hostname, port: port)
        // Plain HTTP is for a demo on this machine only.
        config.plainHTTP = ServerConfig.isLoopback(hostname)
        try await Demo.run(config) { line in printNow(line) }
    }
}
