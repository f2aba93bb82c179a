import AnchorDICOM
import Crypto
import Foundation

/// Writes the harness's synthetic case as files in a folder.
enum TestCaseWriter {
    static func write(to dir: String, slices: Int) throws -> [String] {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var names: [String] = []
        for (name, bytes) in try TestServer.caseFiles(slices: slices) {
            try Data(bytes).write(to: URL(fileURLWithPath: dir + "/" + name))
            names.append(name)
        }
        return names
    }
}

enum SHA256Hex {
    static func of(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }
}
