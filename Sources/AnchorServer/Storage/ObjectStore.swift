import AnchorDICOM
import Crypto
import Foundation

/// Files stored content-addressed: `objects/ab/cd/abcd...(SHA-256 hex)`, written to a temporary name
/// and renamed (POSIX rename is atomic), so a crash never leaves a partial file under a real name.
struct ObjectStore: Sendable {
    let root: String

    static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    func path(for hash: String) -> String {
        let a = hash.prefix(2), b = hash.dropFirst(2).prefix(2)
        return "\(root)/\(a)/\(b)/\(hash)"
    }

    /// Stores bytes, returning their hash; an existing object with the same hash is kept.
    @discardableResult
    func put(_ bytes: [UInt8]) throws -> String {
        let hash = ObjectStore.sha256(bytes)
        let target = path(for: hash)
        if FileManager.default.fileExists(atPath: target) { return hash }
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try writeAtomically(bytes, to: target)
        return hash
    }

    func get(_ hash: String) throws -> [UInt8] { try readFileBytes(path(for: hash)) }
}
