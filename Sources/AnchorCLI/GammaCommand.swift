import ArgumentParser

/// `anchor gamma`: placeholder until its issue lands.
struct GammaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gamma", abstract: "Gamma dose comparison (not yet implemented).")
    func run() throws { throw ValidationError("anchor gamma is not implemented yet") }
}
