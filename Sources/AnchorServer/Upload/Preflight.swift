import AnchorDICOM
import Foundation

/// Size checks on a parsed DICOM object before anything is allocated from its declared sizes: the
/// pixel data must be as long as Rows × Columns × Number of Frames × Samples per Pixel × Bits
/// Allocated / 8 says (PS3.5 8.1.1, PS3.3 C.7.6.3), and not larger than the configured limit; an RT
/// Dose needs one Grid Frame Offset per frame (PS3.3 C.8.8.3.2); every contour as many coordinates as
/// Number of Contour Points says (PS3.3 C.8.8.6), and the structure set no more points than the limit.
/// A file that fails is refused at upload, and checked again before the analysis and the viewer read
/// stored files, so a file that once got in cannot take the server down either.
enum Preflight {
    struct Limits: Sendable {
        var maxPixels: Int
        var maxContourPoints: Int
        init(_ c: ServerConfig) {
            maxPixels = c.maxPixelsPerObject
            maxContourPoints = c.maxContourPoints
        }
    }

    /// Why `file` (shown as `name`) cannot be processed safely, or nil.
    static func problem(_ file: DICOMFile, name: String, limits: Limits) -> String? {
        let ds = file.dataSet
        if let pixel = ds[.pixelData] ?? ds[.floatPixelData] ?? ds[.doubleFloatPixelData] {
            let rows = ds.int(.rows) ?? 0, columns = ds.int(.columns) ?? 0
            let frames = ds.int(.numberOfFrames) ?? 1, samples = ds.int(.samplesPerPixel) ?? 1
            let bits = pixel.tag == .floatPixelData ? 32 : pixel.tag == .doubleFloatPixelData ? 64 : (ds.int(.bitsAllocated) ?? 0)
            guard rows > 0, columns > 0, frames > 0, samples > 0, samples <= 4, bits > 0, bits <= 64 else {
                return "\(name): image size Rows \(rows), Columns \(columns), Number of Frames \(frames), Samples per Pixel \(samples), Bits Allocated \(bits) is not valid"
            }
            let (p1, o1) = rows.multipliedReportingOverflow(by: columns)
            let (p2, o2) = p1.multipliedReportingOverflow(by: frames)
            let (pixels, o3) = p2.multipliedReportingOverflow(by: samples)
            guard !o1, !o2, !o3, pixels <= limits.maxPixels else {
                return "\(name): \(rows) × \(columns) × \(frames) frames is more than the limit of \(limits.maxPixels) pixels per object"
            }
            if case .bytes(let b) = pixel.value {
                let needed = (pixels * bits + 7) / 8
                if b.count < needed {
                    return "\(name): Pixel Data holds \(b.count) bytes, but Rows × Columns × Frames × Samples × Bits Allocated need \(needed)"
                }
            }
            if file.modality?.uppercased() == "RTDOSE" || ds.contains(Tag(0x3004_000C)) {
                let offsets = ds.strings(Tag(0x3004_000C)).filter { !$0.isEmpty }.count
                if frames > 1 && offsets != frames {
                    return "\(name): Grid Frame Offset Vector has \(offsets) values for \(frames) frames"
                }
            }
        }
        var points = 0
        for roi in ds.sequence(Tag(0x3006_0039)) {
            for contour in roi.sequence(Tag(0x3006_0040)) {
                let declared = contour.int(Tag(0x3006_0046)) ?? 0
                let values = contour[Tag(0x3006_0050)]?.bytes.map { b in b.isEmpty ? 0 : b.reduce(1) { $1 == 0x5C ? $0 + 1 : $0 } } ?? 0
                guard declared >= 0, values == declared * 3 else {
                    return "\(name): a contour says \(declared) points but holds \(values) coordinates"
                }
                points += declared
                if points > limits.maxContourPoints {
                    return "\(name): more than \(limits.maxContourPoints) contour points"
                }
            }
        }
        return nil
    }

    /// Reads and checks stored files before the engine loads them (analysis, viewer).
    static func checkStored(_ files: [(path: String, name: String)], limits: Limits) throws {
        for f in files {
            let parsed: DICOMFile
            do { parsed = try DICOMFile(bytes: try readFileBytes(f.path), path: f.name) } catch let e as DICOMError {
                throw PreflightFailure(message: "\(f.name): \(e.message)")
            }
            if let p = problem(parsed, name: f.name, limits: limits) { throw PreflightFailure(message: p) }
        }
    }
}

/// A stored file that fails the checks; the message names the file by its upload name.
struct PreflightFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
