import Foundation

/// The protocol library shipped with Anchor: every `*.yaml` file under `Resources/Protocols`.
///
/// The files are reference sets for review support, not a substitute for the trial protocol documents;
/// each constraint names its source so the reviewer can check it.
public struct ProtocolLibrary: Sendable {
    public var protocols: [TreatmentProtocol]
    /// Files of the library that could not be read (a library bug; the tests keep this empty).
    public var errors: [QAError]

    public init(protocols: [TreatmentProtocol], errors: [QAError] = []) {
        self.protocols = protocols
        self.errors = errors
    }

    /// The folder of the bundled protocol files.
    public static var bundledFolder: URL? {
        Bundle.module.url(forResource: "Protocols", withExtension: nil)
    }

    /// The library shipped in the package's resources, sorted by id.
    public static func bundled() -> ProtocolLibrary {
        guard let dir = bundledFolder else {
            return ProtocolLibrary(protocols: [], errors: [QAError(.unreadableProtocol, "the protocol library is missing from the package resources")])
        }
        return load(folder: dir.path)
    }

    /// Every `*.yaml` / `*.yml` file in a folder (not recursive), sorted by id.
    public static func load(folder: String) -> ProtocolLibrary {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        var protocols: [TreatmentProtocol] = []
        var errors: [QAError] = []
        for n in names {
            do { protocols.append(try ProtocolParser.load(path: (folder as NSString).appendingPathComponent(n))) }
            catch let e as QAError { errors.append(e) }
            catch { errors.append(QAError(.unreadableProtocol, "\(error)", file: n)) }
        }
        return ProtocolLibrary(protocols: protocols.sorted { $0.id < $1.id }, errors: errors)
    }

    public var ids: [String] { protocols.map(\.id) }

    public func find(id: String) -> TreatmentProtocol? { protocols.first { $0.id == id } }

    /// A protocol from an id of this library or a file path. A string naming an existing file, or
    /// ending in `.yaml`/`.yml`, is a path; anything else is an id, and an unknown id is an error that
    /// lists the valid ones.
    public func resolve(_ idOrPath: String) throws -> TreatmentProtocol {
        let isFile = FileManager.default.fileExists(atPath: idOrPath)
        if isFile || idOrPath.hasSuffix(".yaml") || idOrPath.hasSuffix(".yml") || idOrPath.contains("/") {
            return try ProtocolParser.load(path: idOrPath)
        }
        if let p = find(id: idOrPath) { return p }
        throw QAError(.unknownProtocol, "unknown protocol '\(idOrPath)'; valid ids: \(ids.joined(separator: ", "))")
    }
}
