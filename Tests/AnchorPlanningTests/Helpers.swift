@testable import AnchorPlanning
import AnchorTestSupport
import Foundation

/// A copy of the shipped data files in a temporary folder, to edit for a test.
struct DataFolder {
    let path: String

    init() throws {
        path = Fixtures.temporaryDirectory()
        let source = try require_folder()
        for n in PlanningData.fileNames {
            try FileManager.default.copyItem(atPath: source.appendingPathComponent(n).path, toPath: (path as NSString).appendingPathComponent(n))
        }
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    func read(_ name: String) throws -> String { try String(contentsOfFile: file(name), encoding: .utf8) }

    func write(_ name: String, _ text: String) throws { try text.write(toFile: file(name), atomically: true, encoding: .utf8) }

    /// Replaces text in a file; the text must be there.
    func replace(_ name: String, _ old: String, _ new: String) throws {
        let t = try read(name)
        guard t.contains(old) else { throw TestFailure("\(name) does not contain \(old)") }
        try write(name, t.replacingOccurrences(of: old, with: new))
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

func require_folder() throws -> URL {
    guard let u = PlanningData.bundledFolder else { throw TestFailure("the shipped planning data are missing") }
    return u
}

/// Loads a data folder and returns the error it gives.
func loadError(_ dir: String) -> PlanningError? {
    do { _ = try PlanningData.load(directory: dir); return nil } catch let e as PlanningError { return e } catch { return nil }
}

func scenario(_ json: String, _ name: String = "test.json") throws -> Scenario {
    try Scenario.parse(json: Data(json.utf8), file: name)
}
