import Foundation

/// Where the tests find their data: the repository root, `Tests/Fixtures`, and the shared real-world
/// files under `../shared/data` (absent on a plain clone: tests that need them are skipped).
public enum Fixtures {
    /// The package root, found from this file's path.
    public static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static let fixturesDir = repoRoot.appendingPathComponent("Tests/Fixtures")

    /// `../shared/data` beside the repository, or `ANCHOR_SHARED_DATA` when set.
    public static let sharedData: URL = {
        if let env = ProcessInfo.processInfo.environment["ANCHOR_SHARED_DATA"] { return URL(fileURLWithPath: env) }
        return repoRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
    }()

    public static var hasSharedData: Bool {
        FileManager.default.fileExists(atPath: sharedData.appendingPathComponent("README.md").path)
    }

    /// The message shown when shared data tests are skipped.
    public static let sharedDataMissing = "../shared/data is absent: skipping tests on real files"

    public static func shared(_ relative: String) -> String { sharedData.appendingPathComponent(relative).path }

    /// Every regular file under a folder, sorted.
    public static func files(under dir: String) -> [String] {
        guard let e = FileManager.default.enumerator(atPath: dir) else { return [] }
        var out: [String] = []
        while let p = e.nextObject() as? String {
            var isDir: ObjCBool = false
            let full = dir + "/" + p
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue { out.append(full) }
        }
        return out.sorted()
    }

    /// A fresh temporary folder.
    public static func temporaryDirectory(_ label: String = "anchor-test") -> String {
        let dir = NSTemporaryDirectory() + "\(label)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}

/// Approximate equality with a meaning: |a - b| <= absolute, or relative to the larger magnitude.
public func approximatelyEqual(_ a: Double, _ b: Double, absolute: Double = 0, relative: Double = 0) -> Bool {
    if a == b { return true }
    let d = abs(a - b)
    return d <= absolute || d <= relative * max(abs(a), abs(b))
}
