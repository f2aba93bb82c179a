// libFuzzer targets for the DICOM reader, the zip reader and the RT Dose / Structure Set model.
//
// Built normally it is a tool that replays saved inputs (files or folders) through the same code path
// and reports each outcome; built with
//   swift build --product anchor-fuzz --sanitize=fuzzer -Xswiftc -DFUZZING
// it is a libFuzzer binary: `ANCHOR_FUZZ_TARGET=zip .build/debug/anchor-fuzz CORPUS_DIR -max_total_time=60`.
//
// ANCHOR_FUZZ_TARGET (both builds) chooses the target:
// - `dicom` (the default): parse, decode pixel frames (the JPEG family too), write, re-read, and the RT model;
// - `zip`: the zip reader, then every entry it yields as `dicom`;
// - `rt`: the bytes read as a data set and interpreted as an RT Dose and as an RT Structure Set whatever
//   their SOP class, then the grid sampled, the contours walked, DVHs computed (a fuzzed structure set
//   on a fixed dose grid, a fuzzed dose grid under a fixed structure) and the two linked into a case.
import AnchorDICOM
import AnchorDosimetry
import AnchorRT
import Foundation

/// Limits low enough that one input cannot approach libFuzzer's RSS limit, the same in both builds so
/// that a replayed crash takes the path it took while fuzzing.
let fuzzLimits = ResourceLimits(maxPixelDataBytes: 64 << 20, maxDoseGridVoxels: 8 << 20, maxVolumeVoxels: 16 << 20,
                                maxContourPoints: 1 << 20, maxInflatedBytes: 64 << 20, inflateRatioFloorBytes: 4 << 20,
                                maxArchiveEntries: 2_000, maxArchiveExpandedBytes: 128 << 20)

enum FuzzTarget: String {
    case dicom, zip, rt

    static var selected: FuzzTarget {
        let name = ProcessInfo.processInfo.environment["ANCHOR_FUZZ_TARGET"] ?? "dicom"
        guard let t = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("anchor-fuzz: unknown ANCHOR_FUZZ_TARGET '\(name)' (dicom, zip or rt)\n".utf8))
            exit(2)
        }
        return t
    }

    func run(_ bytes: [UInt8]) -> String {
        switch self {
        case .dicom: return exerciseDICOM(bytes)
        case .zip: return exerciseZip(bytes)
        case .rt: return exerciseRT(bytes)
        }
    }
}

func describe(_ error: Error) -> String {
    switch error {
    case let e as DICOMError: return "error \(e.code.rawValue): \(e.message)"
    case let e as RTError: return "error \(e.code.rawValue): \(e.message)"
    default: return "error: \(error)"
    }
}

/// One input through everything a submitted file goes through: parse, decode pixel frames (native, RLE,
/// and the JPEG, JPEG-LS and JPEG 2000 decoders), write, re-read, and the RT model. Errors are fine;
/// crashes, hangs and runaway allocation are the bugs.
func exerciseDICOM(_ bytes: [UInt8]) -> String {
    do {
        let file = try DICOMFile(bytes: bytes, path: "fuzz-input", limits: fuzzLimits)
        var pixelOutcome = ""
        if let pixels = try? PixelData(file.dataSet, transferSyntax: file.transferSyntax, limits: fuzzLimits) {
            for f in 0..<min(pixels.frames, 4) {
                do { _ = try pixels.storedValues(frame: f) } catch { pixelOutcome = " (pixels: \(error))" }
            }
        }
        _ = try? RTObject(file: file, limits: fuzzLimits)
        let written = try DICOMWriter.encode(file)
        _ = try DICOMFile(bytes: written, path: "fuzz-input (rewritten)", limits: fuzzLimits)
        return "ok" + pixelOutcome
    } catch {
        return describe(error)
    }
}

/// The zip reader on the input, then each entry as a DICOM file.
func exerciseZip(_ bytes: [UInt8]) -> String {
    do {
        let entries = try ZipReader.entries(bytes, limits: fuzzLimits)
        for e in entries.prefix(8) { _ = exerciseDICOM(e.bytes) }
        return "ok: \(entries.count) entries"
    } catch {
        return describe(error)
    }
}

/// The RT Dose and Structure Set models on the input, whatever its SOP class, and what a case does with them.
func exerciseRT(_ bytes: [UInt8]) -> String {
    let file: DICOMFile
    do { file = try DICOMFile(bytes: bytes, path: "fuzz-input", limits: fuzzLimits) } catch { return describe(error) }
    var outcome: [String] = []
    var members: [Case.Member] = []
    do {
        let dose = try DoseGrid(file: file, limits: fuzzLimits)
        let g = dose.grid
        _ = g.bounds
        _ = g.uniformFrameSpacing
        // Sample the corners, the centre and points outside.
        let (lo, hi) = g.bounds
        let centre = Vec3((lo.x + hi.x) / 2, (lo.y + hi.y) / 2, (lo.z + hi.z) / 2)
        for p in [lo, hi, centre, lo - Vec3(1, 1, 1), hi + Vec3(1, 1, 1)] { _ = dose.dose(at: p) }
        _ = dose.maxValue
        for d in dose.storedDVHs { _ = d.data.count }
        // A fixed 20 mm cube at the grid's centre, when the grid is small enough to keep the run fast.
        if g.voxelCount <= 1 << 16, let calc = try? DVHCalculator(dose: dose, options: fuzzDVHOptions) {
            _ = calc.compute([fixedCube(at: centre)])
        }
        members.append(Case.Member(file: file, object: .dose(dose)))
        outcome.append("dose \(g.columns)x\(g.rows)x\(g.frames)")
    } catch {
        outcome.append("dose " + describe(error))
    }
    do {
        let ss = try StructureSet(file: file, limits: fuzzLimits)
        var points = 0
        for r in ss.rois { points += r.pointCount; _ = r.contours.map(\.geometricType) }
        _ = ss.referencedImageUIDs
        if points <= 1 << 14, let calc = try? DVHCalculator(dose: fixedDose, options: fuzzDVHOptions) {
            _ = calc.compute(ss.rois)
        }
        members.append(Case.Member(file: file, object: .structureSet(ss)))
        outcome.append("structure set \(ss.rois.count) ROIs, \(points) points")
    } catch {
        outcome.append("structure set " + describe(error))
    }
    _ = Case.assemble(members)
    return outcome.joined(separator: "; ")
}

/// Serial DVHs, so that a crash is reported on the fuzzer's own thread, sampled coarsely and binned at
/// 0.1 Gy so that one input costs milliseconds, not seconds, in the instrumented build.
let fuzzDVHOptions: DVHOptions = {
    var o = DVHOptions.default
    o.parallel = false
    o.targetSamplesPerStructure = 2_000
    o.maximumSubdivisionsPerVoxel = 2
    o.binWidthGy = 0.1
    return o
}()

/// A 41 x 41 x 21 dose grid of 2.5 mm around the origin with a linear dose, for fuzzed structure sets.
let fixedDose: DoseGrid = {
    let grid = Grid3D(columns: 41, rows: 41, origin: Vec3(-50, -50, -25), spacingI: 2.5, spacingJ: 2.5,
                      frameOffsets: (0..<21).map { Double($0) * 2.5 })
    let values = (0..<grid.voxelCount).map { Float($0 % 41) * 0.1 }
    return DoseGrid(grid: grid, values: values, sopInstanceUID: "2.25.1")
}()

/// A 20 mm cube of closed planar contours every 2 mm, centred on `c`.
func fixedCube(at c: Vec3) -> StructureSet.ROI {
    let contours = stride(from: -10.0, through: 10.0, by: 2.0).map { dz in
        StructureSet.Contour(geometricType: .closedPlanar, points: [
            Vec3(c.x - 10, c.y - 10, c.z + dz), Vec3(c.x + 10, c.y - 10, c.z + dz),
            Vec3(c.x + 10, c.y + 10, c.z + dz), Vec3(c.x - 10, c.y + 10, c.z + dz)])
    }
    return StructureSet.ROI(number: 1, name: "CUBE", contours: contours)
}

#if FUZZING
nonisolated(unsafe) var target = FuzzTarget.dicom

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    target = FuzzTarget.selected
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = target.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
#else
@main
struct Replay {
    static func main() {
        let target = FuzzTarget.selected
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
            print("\(p): \(target.run(bytes))")
        }
    }
}
#endif
