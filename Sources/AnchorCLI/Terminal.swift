import Foundation

/// Progress on the terminal: one line on stderr, redrawn, only when stderr is a terminal (never when
/// piped or with --json).
final class ProgressLine: @unchecked Sendable {
    private let enabled: Bool
    private let label: String
    private let lock = NSLock()
    private var last = Date.distantPast

    init(_ label: String, enabled: Bool) {
        self.label = label
        self.enabled = enabled && isatty(STDERR_FILENO) == 1
    }

    func update(_ done: Int, _ total: Int) {
        guard enabled else { return }
        lock.lock(); defer { lock.unlock() }
        let now = Date()
        guard done == total || now.timeIntervalSince(last) > 0.1 else { return }
        last = now
        FileHandle.standardError.write("\r\(label) \(done)/\(total)\u{1B}[K".data(using: .utf8)!)
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write("\r\u{1B}[K".data(using: .utf8)!)
    }
}

func printError(_ s: String) {
    FileHandle.standardError.write((s + "\n").data(using: .utf8)!)
}

/// Exit codes from sysexits.h, as the command line promises.
enum ExitStatus {
    static let ok: Int32 = 0
    static let dataError: Int32 = 65    // EX_DATAERR: an input was not DICOM or was damaged
    static let noInput: Int32 = 66      // EX_NOINPUT: a path does not exist
    static let usage: Int32 = 64
}

/// Writes a line to standard output at once (unbuffered), so a long-running command's lines reach a
/// log file as they happen.
func printNow(_ s: String) {
    FileHandle.standardOutput.write((s + "\n").data(using: .utf8)!)
}
