import Foundation

/// Progress on the terminal: one line on stderr, redrawn, only when stderr is a terminal (never when
/// piped or with --json).
package final class ProgressLine: @unchecked Sendable {
    private let enabled: Bool
    private let label: String
    private let lock = NSLock()
    private var last = Date.distantPast

    package init(_ label: String, enabled: Bool) {
        self.label = label
        self.enabled = enabled && isatty(STDERR_FILENO) == 1
    }

    package func update(_ done: Int, _ total: Int) {
        guard enabled else { return }
        lock.lock(); defer { lock.unlock() }
        let now = Date()
        guard done == total || now.timeIntervalSince(last) > 0.1 else { return }
        last = now
        FileHandle.standardError.write("\r\(label) \(done)/\(total)\u{1B}[K".data(using: .utf8)!)
    }

    package func finish() {
        guard enabled else { return }
        FileHandle.standardError.write("\r\u{1B}[K".data(using: .utf8)!)
    }
}

package func printError(_ s: String) {
    FileHandle.standardError.write((s + "\n").data(using: .utf8)!)
}

/// Exit codes from sysexits.h, as the command line promises.
package enum ExitStatus {
    package static let ok: Int32 = 0
    package static let dataError: Int32 = 65    // EX_DATAERR: an input was not DICOM or was damaged
    package static let noInput: Int32 = 66      // EX_NOINPUT: a path does not exist
    package static let usage: Int32 = 64
}

/// Writes a line to standard output at once (unbuffered), so a long-running command's lines reach a
/// log file as they happen.
package func printNow(_ s: String) {
    FileHandle.standardOutput.write((s + "\n").data(using: .utf8)!)
}
