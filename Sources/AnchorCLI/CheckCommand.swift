import ArgumentParser

/// `anchor check`: placeholder until its issue lands.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Grade a case against a protocol (not yet implemented).")
    func run() throws { throw ValidationError("anchor check is not implemented yet") }
}
