import Foundation

/// Runs the built `anchor` executable, as a person would, with stdout and stderr captured through
/// pipes (a child that inherits the test's stderr would keep `swift test` waiting).
public enum AnchorCLI {
    /// The `anchor` binary beside the test bundle (`.build/debug/anchor`), or `ANCHOR_BINARY`.
    public static var executable: String {
        if let env = ProcessInfo.processInfo.environment["ANCHOR_BINARY"] { return env }
        let productsDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let beside = productsDir.appendingPathComponent("anchor").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return Fixtures.repoRoot.appendingPathComponent(".build/debug/anchor").path
    }

    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs `anchor ARGS...` to completion.
    public static func run(_ arguments: [String], currentDirectory: String? = nil, environment: [String: String]? = nil) throws -> Result {
        try ProcessRunner.run(executable, arguments, currentDirectory: currentDirectory, environment: environment)
    }
}

/// Runs a program to completion with stdout and stderr on pipes, both read while it runs (a child that
/// inherits the test's stderr keeps `swift test` waiting; an unread full pipe blocks the child).
public enum ProcessRunner {
    public static func run(_ executable: String, _ arguments: [String], currentDirectory: String? = nil,
                           environment: [String: String]? = nil) throws -> AnchorCLI.Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        if let d = currentDirectory { p.currentDirectoryURL = URL(fileURLWithPath: d) }
        if let e = environment { p.environment = ProcessInfo.processInfo.environment.merging(e) { $1 } }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data(), errData = Data()
        group.enter()
        DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.wait()
        p.waitUntilExit()
        return AnchorCLI.Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }
}
