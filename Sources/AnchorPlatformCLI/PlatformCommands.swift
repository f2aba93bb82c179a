import AnchorCLI
import ArgumentParser

/// The commands that run or administer the platform (`serve`, `demo`, `admin`). They live apart from
/// the engine's commands so that the engine and its command line build without the web stack
/// (`ANCHOR_ENGINE_ONLY=1 swift build`).
public enum PlatformCommands {
    /// Registers the platform's commands with the `anchor` command line.
    public static func register() {
        AnchorCommand.register([ServeCommand.self, DemoCommand.self, AdminCommand.self])
    }
}
