import ArgumentParser

/// `anchor phantom`: placeholder until its issue lands.
struct PhantomCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "phantom", abstract: "Write a synthetic paediatric DICOM-RT case (not yet implemented).")
    func run() throws { throw ValidationError("anchor phantom is not implemented yet") }
}
