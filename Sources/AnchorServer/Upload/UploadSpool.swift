import Foundation
import MultipartKit
import Vapor

/// A multipart/form-data upload (RFC 7578) received part by part as the body arrives: file parts are
/// written to a private folder under the data folder, small fields kept in memory. The size limit is
/// enforced on the bytes received so far, so an oversized body is refused before it is all read, and
/// memory holds at most one chunk and one write buffer whatever the body's size.
final class UploadSpool: @unchecked Sendable {
    let directory: String
    private(set) var fields: [String: String] = [:]
    private(set) var files: [UploadedFile] = []

    /// Largest value of a non-file field, bytes.
    static let maxFieldBytes = 4096
    /// Bytes buffered before a write to disk.
    static let flushBytes = 1 << 20

    private init(directory: String) { self.directory = directory }

    /// Deletes the spooled files.
    func remove() { try? FileManager.default.removeItem(atPath: directory) }

    /// Reads the request body into a spool, or throws 413 (too large), 415 (not multipart) or 400.
    static func receive(_ req: Request) async throws -> UploadSpool {
        guard let type = req.headers.contentType, type.type == "multipart", type.subType == "form-data",
              let boundary = type.parameters["boundary"], !boundary.isEmpty else {
            throw Abort(.unsupportedMediaType, reason: "Send multipart/form-data with 'files', 'protocol', 'age_years', 'diagnosis', 'planned_start'.")
        }
        let config = req.application.anchorConfig
        if let declared = req.headers.first(name: .contentLength).flatMap(Int.init), declared > config.maxUploadBytes {
            throw Abort(.payloadTooLarge, reason: "The upload is larger than the limit of \(config.maxUploadBytes) bytes.")
        }
        let dir = (config.uploadsDirectory as NSString).appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let spool = UploadSpool(directory: dir)
        do {
            try await spool.read(req, boundary: boundary, config: config)
            return spool
        } catch {
            spool.remove()
            throw error
        }
    }

    private final class Part {
        var headers: [(String, String)] = []
        var buffer = ByteBuffer()
        var handle: FileHandle?
        var path: String?
        var size = 0
    }

    private func read(_ req: Request, boundary: String, config: ServerConfig) async throws {
        let parser = MultipartParser(boundary: boundary)
        var part = Part()
        var failure: Error?
        var received = 0
        var pendingWrites: [(FileHandle, ByteBuffer)] = []

        func fileName(_ headers: [(String, String)]) -> (name: String?, filename: String?) {
            let disposition = headers.first { $0.0.lowercased() == "content-disposition" }?.1 ?? ""
            return (UploadSpool.parameter("name", in: disposition), UploadSpool.parameter("filename", in: disposition))
        }
        parser.onHeader = { part.headers.append(($0, $1)) }
        parser.onBody = { chunk in
            guard failure == nil else { return }
            let (name, filename) = fileName(part.headers)
            if filename != nil && (name == "files" || name == "files[]") {
                if part.handle == nil {
                    guard self.files.count < config.maxFilesPerUpload else {
                        failure = Abort(.payloadTooLarge, reason: "The upload holds more than \(config.maxFilesPerUpload) files.")
                        return
                    }
                    let path = (self.directory as NSString).appendingPathComponent("part-\(self.files.count)")
                    FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
                    part.path = path
                    part.handle = FileHandle(forWritingAtPath: path)
                }
                part.size += chunk.readableBytes
                part.buffer.writeBuffer(&chunk)
                if part.buffer.readableBytes >= UploadSpool.flushBytes, let h = part.handle {
                    pendingWrites.append((h, part.buffer))
                    part.buffer = ByteBuffer()
                }
            } else {
                guard part.buffer.readableBytes + chunk.readableBytes <= UploadSpool.maxFieldBytes else {
                    failure = Abort(.payloadTooLarge, reason: "The field '\(name ?? "")' is longer than \(UploadSpool.maxFieldBytes) bytes.")
                    return
                }
                part.buffer.writeBuffer(&chunk)
            }
        }
        parser.onPartComplete = {
            guard failure == nil else { return }
            let (name, filename) = fileName(part.headers)
            if let h = part.handle, let path = part.path {
                if part.buffer.readableBytes > 0 { pendingWrites.append((h, part.buffer)) }
                pendingWrites.append((h, ByteBuffer()))  // an empty buffer closes the file
                let shown = (filename ?? "").isEmpty ? "file\(self.files.count + 1)" : UploadSpool.safeName(filename!)
                self.files.append(UploadedFile(name: shown, path: path, size: part.size))
            } else if let name, filename == nil {
                self.fields[name] = String(buffer: part.buffer)
            }
            part = Part()
        }

        for try await chunk in req.body {
            received += chunk.readableBytes
            if received > config.maxUploadBytes {
                throw Abort(.payloadTooLarge, reason: "The upload is larger than the limit of \(config.maxUploadBytes) bytes.")
            }
            do { try parser.execute(chunk) } catch {
                throw Abort(.badRequest, reason: "The multipart body could not be read.")
            }
            if let failure { throw failure }
            if !pendingWrites.isEmpty {
                let writes = pendingWrites
                pendingWrites = []
                try await req.application.threadPool.runIfActive {
                    for (h, b) in writes {
                        if b.readableBytes == 0 { try h.close() } else { try h.write(contentsOf: Data(b.readableBytesView)) }
                    }
                }
            }
        }
        // A part still open means the body ended early.
        if part.handle != nil { try? part.handle?.close() }
        for f in files where f.path != nil && !FileManager.default.fileExists(atPath: f.path!) {
            throw Abort(.badRequest, reason: "The multipart body ended early.")
        }
    }

    /// A parameter of a Content-Disposition header value (`form-data; name="files"; filename="CT1.dcm"`).
    static func parameter(_ key: String, in header: String) -> String? {
        for piece in header.split(separator: ";") {
            let kv = piece.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if kv.count == 2, kv[0].lowercased() == key {
                var v = kv[1]
                if v.hasPrefix("\""), v.hasSuffix("\""), v.count >= 2 { v = String(v.dropFirst().dropLast()) }
                return v
            }
        }
        return nil
    }

    /// The name a client gave a file, as shown in messages: its last path component, at most 200 characters.
    static func safeName(_ s: String) -> String {
        let base = s.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? s
        let printable = String(base.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init))
        return String(printable.prefix(200))
    }
}
