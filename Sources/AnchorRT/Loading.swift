import AnchorDICOM
import Foundation

/// Reads files and folders (recursively) into RT objects, in parallel, keeping every failure with its
/// file, byte offset and tag. Files inside folders that are not DICOM at all (READMEs, CSV tables) are
/// listed as skipped; named files that are not DICOM are errors.
public struct LoadResult: Sendable {
    public struct Failure: Sendable {
        public var file: String
        public var code: String
        public var message: String
        public var offset: Int?
        public var tag: Tag?
    }
    public var members: [Case.Member] = []
    public var failures: [Failure] = []
    public var skipped: [String] = []
    public var missingPaths: [String] = []

    /// Files read, sorted by path.
    public var files: [DICOMFile] { members.map(\.file) }
}

public enum DICOMLoader {
    /// Expands paths: files as given, folders walked recursively (hidden entries skipped), sorted.
    public static func expand(_ paths: [String]) -> (files: [(path: String, named: Bool)], missing: [String]) {
        var out: [(String, Bool)] = []
        var missing: [String] = []
        let fm = FileManager.default
        for p in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir) else { missing.append(p); continue }
            if !isDir.boolValue { out.append((p, true)); continue }
            var found: [String] = []
            if let e = fm.enumerator(atPath: p) {
                while let rel = e.nextObject() as? String {
                    if (rel as NSString).lastPathComponent.hasPrefix(".") { e.skipDescendants(); continue }
                    let full = (p as NSString).appendingPathComponent(rel)
                    var d: ObjCBool = false
                    if fm.fileExists(atPath: full, isDirectory: &d), !d.boolValue { found.append(full) }
                }
            }
            out += found.sorted().map { ($0, false) }
        }
        return (out, missing)
    }

    /// Reads and interprets every file, each within `limits`. `progress` is called with (done, total)
    /// from any thread.
    public static func load(_ paths: [String], limits: ResourceLimits = .default, progress: (@Sendable (Int, Int) -> Void)? = nil) -> LoadResult {
        let (files, missing) = expand(paths)
        var result = LoadResult()
        result.missingPaths = missing
        enum Outcome { case member(Case.Member), failure(LoadResult.Failure), skipped(String) }
        var outcomes = [Outcome?](repeating: nil, count: files.count)
        let counter = Counter()
        outcomes.withUnsafeMutableBufferPointer { buf in
            nonisolated(unsafe) let out = buf
            DispatchQueue.concurrentPerform(iterations: files.count) { n in
                let (path, named) = files[n]
                do {
                    let file = try DICOMFile.read(path: path, limits: limits)
                    do {
                        out[n] = .member(Case.Member(file: file, object: try RTObject(file: file, limits: limits)))
                    } catch let e as RTError {
                        out[n] = .failure(.init(file: path, code: e.code.rawValue, message: e.message, offset: nil, tag: e.tag))
                    } catch let e as DICOMError {
                        out[n] = .failure(.init(file: path, code: e.code.rawValue, message: e.message, offset: e.offset, tag: e.tag))
                    }
                } catch let e as DICOMError {
                    if e.code == .notDICOM && !named {
                        out[n] = .skipped(path)
                    } else {
                        out[n] = .failure(.init(file: path, code: e.code.rawValue, message: e.message, offset: e.offset, tag: e.tag))
                    }
                } catch {
                    out[n] = .failure(.init(file: path, code: "error", message: "\(error)", offset: nil, tag: nil))
                }
                progress?(counter.increment(), files.count)
            }
        }
        for o in outcomes {
            switch o {
            case .member(let m): result.members.append(m)
            case .failure(let f): result.failures.append(f)
            case .skipped(let p): result.skipped.append(p)
            case nil: break
            }
        }
        return result
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() -> Int { lock.lock(); defer { lock.unlock() }; value += 1; return value }
}
