// libFuzzer target for the DICOM reader and the RT object model.
//
// Built normally it is a tool that replays saved inputs (files or folders) through the same code path
// and reports each outcome; built with
//   swift build --product anchor-fuzz --sanitize=fuzzer -Xswiftc -DFUZZING
// it is a libFuzzer binary: `.build/debug/anchor-fuzz CORPUS_DIR -max_total_time=60`.
import AnchorDICOM
import AnchorRT
import Foundation

/// One input through everything a submitted file goes through: parse, decode pixel frames (native, RLE,
/// and the JPEG, JPEG-LS and JPEG 2000 decoders), write, re-read, and the RT model. Errors are fine;
/// crashes, hangs and runaway allocation are the bugs.
func exercise(_ bytes: [UInt8]) -> String {
    do {
        let file = try DICOMFile(bytes: bytes, path: "fuzz-input")
        var pixelOutcome = ""
        if let pixels = try? PixelData(file.dataSet, transferSyntax: file.transferSyntax) {
            for f in 0..<min(pixels.frames, 4) {
                do { _ = try pixels.storedValues(frame: f) } catch { pixelOutcome = " (pixels: \(error))" }
            }
        }
        _ = try? RTObject(file: file)
        let written = try DICOMWriter.encode(file)
        _ = try DICOMFile(bytes: written, path: "fuzz-input (rewritten)")
        return "ok" + pixelOutcome
    } catch let e as DICOMError {
        return "error \(e.code.rawValue): \(e.message)"
    } catch {
        return "error: \(error)"
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = exercise(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
#else
@main
struct Replay {
    static func main() {
        var paths: [String] = []
        for arg in CommandLine.arguments.dropFirst() {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: arg, isDirectory: &isDir), isDir.boolValue {
                let e = FileManager.default.enumerator(atPath: arg)
                while let p = e?.nextObject() as? String {
                    var d: ObjCBool = false
                    let full = arg + "/" + p
                    if FileManager.default.fileExists(atPath: full, isDirectory: &d), !d.boolValue { paths.append(full) }
                }
            } else {
                paths.append(arg)
            }
        }
        for p in paths.sorted() {
            guard let bytes = try? readFileBytes(p) else { print("\(p): unreadable"); continue }
            print("\(p): \(exercise(bytes))")
        }
    }
}
#endif
