import ArgumentParser
import Foundation

/// The `anchor` command line.
@available(macOS 10.15, macCatalyst 13, iOS 13, tvOS 13, watchOS 6, *)
public struct AnchorCommand: AsyncParsableCommand {
    /// The engine's commands: they need no server, database or web stack.
    static let engineCommands: [any ParsableCommand.Type] = [
        InspectCommand.self, DVHCommand.self, CheckCommand.self, ProtocolsCommand.self, DeidCommand.self,
        PhantomCommand.self, GammaCommand.self, ServicesCommand.self, EchoCommand.self, SendCommand.self,
        ReceiveCommand.self, ContoursCommand.self,
    ]

    /// Commands added by other modules (the platform's `serve`, `demo`, `admin`) before `runAsync()`.
    nonisolated(unsafe) private static var registered: [any ParsableCommand.Type] = []

    /// Adds commands from another module; call before `runAsync()`.
    public static func register(_ commands: [any ParsableCommand.Type]) {
        registered.append(contentsOf: commands)
    }

    public static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "anchor",
            abstract: "Anchor: DICOM-RT review for paediatric radiotherapy networks.",
            version: "0.1.0",
            subcommands: engineCommands + registered
        )
    }
    public init() {}
}

extension AnchorCommand {
    /// Runs the command line (the async entry point of swift-argument-parser, so `serve` and `demo` can
    /// await the server).
    public static func runAsync() async {
        await (AnchorCommand.self as any AsyncParsableCommand.Type).main()
    }
}
