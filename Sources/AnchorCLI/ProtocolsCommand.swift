import ArgumentParser

/// `anchor protocols`: placeholder until its issue lands.
struct ProtocolsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "protocols", abstract: "List the protocol library (not yet implemented).")
    func run() throws { throw ValidationError("anchor protocols is not implemented yet") }
}
