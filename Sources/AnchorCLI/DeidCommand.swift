import ArgumentParser

/// `anchor deid`: placeholder until its issue lands.
struct DeidCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "deid", abstract: "De-identify DICOM files (not yet implemented).")
    func run() throws { throw ValidationError("anchor deid is not implemented yet") }
}
