import ArgumentParser

/// The `anchor` command line.
public struct AnchorCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "anchor",
        abstract: "Anchor: DICOM-RT review for paediatric radiotherapy networks.",
        version: "0.1.0",
        subcommands: [InspectCommand.self, DVHCommand.self, CheckCommand.self, ProtocolsCommand.self, DeidCommand.self, PhantomCommand.self, GammaCommand.self, ServeCommand.self, DemoCommand.self, AdminCommand.self]
    )
    public init() {}
}
