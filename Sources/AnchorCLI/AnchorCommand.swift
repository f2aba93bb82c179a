import ArgumentParser

/// The `anchor` command line.
@available(macOS 10.15, macCatalyst 13, iOS 13, tvOS 13, watchOS 6, *)
public struct AnchorCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "anchor",
        abstract: "Anchor: DICOM-RT review for paediatric radiotherapy networks.",
        version: "0.1.0",
        subcommands: [InspectCommand.self, DVHCommand.self, CheckCommand.self, ProtocolsCommand.self, DeidCommand.self, PhantomCommand.self, GammaCommand.self, ServeCommand.self, DemoCommand.self, AdminCommand.self]
    )
    public init() {}
}

extension AnchorCommand {
    /// Runs the command line (the async entry point of swift-argument-parser, so `serve` and `demo` can
    /// await the server).
    public static func runAsync() async {
        await (AnchorCommand.self as any AsyncParsableCommand.Type).main()
    }
}
