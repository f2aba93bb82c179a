import ArgumentParser

/// `anchor dvh`: placeholder until the DVH engine lands.
struct DVHCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dvh", abstract: "Dose-volume histograms and metrics (not yet implemented).")
    func run() throws { throw ValidationError("anchor dvh is not implemented yet") }
}
