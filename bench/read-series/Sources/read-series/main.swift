// read-series: reading a CT series into a volume, measured (a benchmark, not a timed test).
//
//   read-series FOLDER [REPS]            one JSON line per repetition
//   read-series --stages FOLDER [REPS]   the same work, one stage at a time over all files (serially,
//                                        but for ImageVolume, which is parallel inside), with the
//                                        time of each stage (where the time goes)
//   read-series --what-if FOLDER [REPS]  ImageVolume(series:) against other ways to allocate and fill
//                                        the voxel array (same decode loop, results compared bytewise)
//   read-series --read-what-if FOLDER    read() into fresh memory, into reused memory, and mmap, for
//                                        the read side of the same question
//   read-series --uninit FOLDER [REPS]   a repetition with the voxel array left uninitialised before the
//   read-series --uninit-hugepages ...   parallel decode (and madvise(MADV_HUGEPAGE) on Linux, as numpy
//                                        does): projections of a change to ImageVolume, not the library
//
// A repetition lists FOLDER, reads every file with DICOMLoader.load (AnchorRT: read, parse, interpret,
// in parallel), groups them with Case.assemble, takes the image series and decodes it with
// ImageVolume(series:) to Float HU. `seconds` covers exactly that. The checks (slices, min/max stored
// value, sum of the voxels as Double) are computed after the clock stops and printed, so the work
// cannot be optimised away. Build with `swift build -c release --package-path bench/read-series`; run through
// bench/read-series/run.sh, which measures cat, dcmdump and pydicom on the same files in the same run.

import AnchorDICOM
import AnchorRT
import Foundation

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// User + system CPU seconds of this process so far (all threads).
func cpuSeconds() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) * 1e-6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) * 1e-6
}

func maxRSSMB() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_maxrss) / 1024 // KiB on Linux
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("read-series: \(message)\n".utf8))
    exit(1)
}

/// Regular files directly in `folder` (not hidden), with their total size.
func listFiles(_ folder: String) -> (paths: [String], bytes: Int) {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { fail("cannot list \(folder)") }
    var paths: [String] = []
    var total = 0
    for name in names.sorted() where !name.hasPrefix(".") {
        let p = folder + "/" + name
        var st = stat()
        if stat(p, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG {
            paths.append(p)
            total += Int(st.st_size)
        }
    }
    return (paths, total)
}

func f(_ x: Double, _ digits: Int = 6) -> String { String(format: "%.\(digits)f", x) }

func json(_ pairs: [(String, String)]) -> String {
    "{" + pairs.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
}

func q(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }

struct Checks {
    var slices: Int
    var rows: Int
    var columns: Int
    var minStored: Double
    var maxStored: Double
    var sum: Double

    init(_ v: ImageVolume) {
        slices = v.grid.frames
        rows = v.grid.rows
        columns = v.grid.columns
        minStored = v.minStoredValue
        maxStored = v.maxStoredValue
        var s = 0.0
        // Per-slice partial sums (Float voxels are exact in Double), then a Double total.
        let plane = v.grid.rows * v.grid.columns, frames = v.grid.frames
        v.voxels.withUnsafeBufferPointer { p in
            for k in 0..<frames {
                var t = 0.0
                for i in (k * plane)..<((k + 1) * plane) { t += Double(p[i]) }
                s += t
            }
        }
        sum = s
    }

    var fields: [(String, String)] {
        [("slices", "\(slices)"), ("rows", "\(rows)"), ("columns", "\(columns)"),
         ("min_stored", f(minStored, 1)), ("max_stored", f(maxStored, 1)), ("sum", f(sum, 1))]
    }
}

/// One repetition of the benchmark proper. With `variant` (what-if runs only, labelled as such in the
/// output), the volume is built by `buildVolume` instead of ImageVolume(series:), to project the effect
/// of a change to AnchorRT before it is made.
func repetition(_ folder: String, rep: Int, variant: Alloc? = nil) {
    let cpu0 = cpuSeconds()
    let t0 = now()
    let listing = listFiles(folder)
    let t1 = now()
    let result = DICOMLoader.load([folder])
    let t2 = now()
    let cases = Case.assemble(result.members)
    let t3 = now()
    guard let series = cases.first?.series.first else {
        fail("no image series in \(folder) (\(result.members.count) objects, \(result.failures.count) failures: \(result.failures.first.map { "\($0.file): \($0.message)" } ?? ""))")
    }
    var volume: ImageVolume
    if let variant {
        // Same geometry and min/max from the library; voxels replaced by the variant's.
        let (v, _) = buildVolume(series, variant)
        volume = ImageVolume.placeholder(series.grid, voxels: v, series: series)
    } else {
        do { volume = try ImageVolume(series: series) } catch { fail("ImageVolume: \(error)") }
    }
    let t4 = now()
    let cpu = cpuSeconds() - cpu0
    let checks = Checks(volume)
    var fields: [(String, String)] = [
        ("tool", q(variant.map { "anchor-what-if-\($0)" } ?? "anchor")), ("rep", "\(rep)"), ("seconds", f(t4 - t0)),
        ("list_s", f(t1 - t0)), ("load_s", f(t2 - t1)), ("assemble_s", f(t3 - t2)), ("volume_s", f(t4 - t3)),
        ("cpu_s", f(cpu)), ("cpus", "\(ProcessInfo.processInfo.activeProcessorCount)"),
        ("files", "\(listing.paths.count)"), ("bytes", "\(listing.bytes)"),
        ("members", "\(result.members.count)"), ("failures", "\(result.failures.count)"),
        ("series_in_case", "\(cases.first?.series.count ?? 0)"),
    ]
    fields += checks.fields
    fields.append(("max_rss_mb", f(maxRSSMB(), 1)))
    print(json(fields))
    fflush(nil)
}

/// The same work split into stages, each run over all files and timed on its own (serially; ImageVolume
/// decodes in parallel inside; run under `taskset -c 0` for a fully serial breakdown): reading the
/// bytes, parsing the data set, interpreting it as an RT object (ImageSlice), sorting into a series,
/// decoding pixels. Compare the sum with `seconds` of a normal repetition.
func stages(_ folder: String, rep: Int) {
    let t0 = now()
    let listing = listFiles(folder)
    let t1 = now()
    var buffers: [[UInt8]] = []
    buffers.reserveCapacity(listing.paths.count)
    for p in listing.paths {
        do { buffers.append(try readFileBytes(p)) } catch { fail("\(p): \(error)") }
    }
    let t2 = now()
    var files: [DICOMFile] = []
    files.reserveCapacity(buffers.count)
    for (p, b) in zip(listing.paths, buffers) {
        do { files.append(try DICOMFile(bytes: b, path: p)) } catch { fail("\(p): \(error)") }
    }
    buffers = []
    let t3 = now()
    var slices: [ImageSlice] = []
    for file in files {
        do {
            if case .image(let s) = try RTObject(file: file) { slices.append(s) }
        } catch { fail("\(file.path ?? "?"): \(error)") }
    }
    let t4 = now()
    let series: ImageSeries
    do { series = try ImageSeries(slices: slices) } catch { fail("ImageSeries: \(error)") }
    let t5 = now()
    let volume: ImageVolume
    do { volume = try ImageVolume(series: series) } catch { fail("ImageVolume: \(error)") }
    let t6 = now()
    // Raw pixel bytes touched once, without conversion: the floor for the decode stage.
    var rawSum = 0
    let t7 = now()
    for s in series.slices {
        guard let px = s.pixels, let raw = try? px.frameBytes(0) else { continue }
        raw.withUnsafeBytes { p in
            let q = p.bindMemory(to: Int16.self)
            var t = 0
            for v in q { t &+= Int(v) }
            rawSum &+= t
        }
    }
    let t8 = now()
    let checks = Checks(volume)
    var fields: [(String, String)] = [
        ("tool", q("anchor-stages")), ("rep", "\(rep)"),
        ("list_s", f(t1 - t0)), ("read_bytes_s", f(t2 - t1)), ("parse_s", f(t3 - t2)), ("interpret_s", f(t4 - t3)),
        ("sort_series_s", f(t5 - t4)), ("decode_volume_s", f(t6 - t5)), ("total_s", f(t6 - t0)),
        ("raw_pixel_pass_s", f(t8 - t7)), ("raw_sum", "\(rawSum)"),
        ("files", "\(listing.paths.count)"), ("bytes", "\(listing.bytes)"),
    ]
    fields += checks.fields
    print(json(fields))
    fflush(nil)
}


extension ImageVolume {
    /// An ImageVolume whose voxels were decoded outside the library (what-if runs): min/max of the
    /// stored values are recomputed from the slices' raw values so the checks stay comparable.
    static func placeholder(_ grid: Grid3D, voxels: [Float], series: ImageSeries) -> ImageVolume {
        var lo = Double.infinity, hi = -Double.infinity
        for s in series.slices {
            guard let px = s.pixels, let raw = try? px.frameBytes(0) else { continue }
            raw.withUnsafeBytes { r in
                var l: Int32 = .max, h: Int32 = .min
                if px.pixelRepresentation == 1 { for v in r.bindMemory(to: Int16.self) { l = min(l, Int32(v)); h = max(h, Int32(v)) } }
                else { for v in r.bindMemory(to: UInt16.self) { l = min(l, Int32(v)); h = max(h, Int32(v)) } }
                lo = min(lo, Double(l)); hi = max(hi, Double(h))
            }
        }
        var v = try! ImageVolume(series: ImageSeries(slices: [series.slices[0]]))
        v.grid = grid; v.voxels = voxels; v.minStoredValue = lo; v.maxStoredValue = hi
        return v
    }
}

// MARK: What-if: other ways to build the volume, measured against ImageVolume(series:)

/// The 16-bit native loop of AnchorRT's decodeSlice (internal there), copied so the variants below
/// decode exactly as the library does.
@inline(__always)
func decode16(_ raw: UnsafeRawBufferPointer, signed: Bool, n: Int, s: Float, b: Float, into out: UnsafeMutablePointer<Float>) -> (Int32, Int32) {
    var lo: Int32 = .max, hi: Int32 = .min
    if signed {
        let q = raw.bindMemory(to: Int16.self)
        for i in 0..<n { let v = Int32(q[i]); lo = min(lo, v); hi = max(hi, v); out[i] = Float(v) * s + b }
    } else {
        let q = raw.bindMemory(to: UInt16.self)
        for i in 0..<n { let v = Int32(q[i]); lo = min(lo, v); hi = max(hi, v); out[i] = Float(v) * s + b }
    }
    return (lo, hi)
}

enum Alloc { case zeroed, uninitialized, uninitializedHugePages, prefaulted }

/// Builds the voxels like ImageVolume(series:) (slices decoded in parallel), with the output array
/// allocated as `alloc` says. Returns the voxels and the time for allocation + decode (for
/// `.prefaulted`, the array is allocated and touched before the clock starts).
func buildVolume(_ series: ImageSeries, _ alloc: Alloc, parallel: Bool = true) -> ([Float], Double) {
    let slices = series.slices
    let plane = series.grid.rows * series.grid.columns
    let n = plane * slices.count
    var pre: [Float] = []
    if alloc == .prefaulted { pre = [Float](repeating: 0, count: n) }
    let t0 = now()
    func decodeAll(_ base: UnsafeMutablePointer<Float>) {
        nonisolated(unsafe) let out = base
        let work: @Sendable (Int) -> Void = { k in
            let sl = slices[k]
            guard let px = sl.pixels, let raw = try? px.frameBytes(0) else {
                (out + k * plane).initialize(repeating: 0, count: plane); return
            }
            raw.withUnsafeBytes { r in
                _ = decode16(r, signed: px.pixelRepresentation == 1, n: plane, s: Float(sl.rescaleSlope), b: Float(sl.rescaleIntercept), into: out + k * plane)
            }
        }
        if parallel { DispatchQueue.concurrentPerform(iterations: slices.count, execute: work) } else { for k in 0..<slices.count { work(k) } }
    }
    var voxels: [Float]
    switch alloc {
    case .zeroed:
        voxels = [Float](repeating: 0, count: n)
        voxels.withUnsafeMutableBufferPointer { decodeAll($0.baseAddress!) }
    case .prefaulted:
        voxels = pre
        pre = [] // no second reference: writing must not copy on write
        voxels.withUnsafeMutableBufferPointer { decodeAll($0.baseAddress!) }
    case .uninitialized, .uninitializedHugePages:
        voxels = [Float](unsafeUninitializedCapacity: n) { buf, count in
            #if os(Linux)
            if alloc == .uninitializedHugePages {
                // Ask for 2 MB pages on the 2 MB-aligned interior of the (mmap-backed) buffer.
                let page = 2 << 20
                let start = (Int(bitPattern: buf.baseAddress!) + page - 1) & ~(page - 1)
                let end = (Int(bitPattern: buf.baseAddress!) + n * 4) & ~(page - 1)
                if end > start { _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, 14 /* MADV_HUGEPAGE */) }
            }
            #endif
            decodeAll(buf.baseAddress!)
            count = n
        }
    }
    return (voxels, now() - t0)
}

func whatIf(_ folder: String, rep: Int) {
    let result = DICOMLoader.load([folder])
    guard let series = Case.assemble(result.members).first?.series.first else { fail("no image series in \(folder)") }
    var fields: [(String, String)] = [("tool", q("anchor-what-if")), ("rep", "\(rep)")]
    // Reference: the library as it is.
    let t0 = now()
    guard let reference = try? ImageVolume(series: series) else { fail("ImageVolume failed") }
    fields.append(("image_volume_s", f(now() - t0)))
    do {
        let t1 = now()
        let zeros = [Float](repeating: 0, count: reference.voxels.count)
        fields.append(("zeroed_alloc_only_s", f(now() - t1)))
        if zeros[zeros.count / 2] != 0 { fail("?") }
    }
    for (name, alloc, parallel) in [("zeroed", Alloc.zeroed, true), ("uninit", .uninitialized, true),
                                    ("uninit_hugepages", .uninitializedHugePages, true), ("prefaulted", .prefaulted, true),
                                    ("uninit_serial", .uninitialized, false), ("prefaulted_serial", .prefaulted, false)] {
        let (v, t) = buildVolume(series, alloc, parallel: parallel)
        let same = v.count == reference.voxels.count && v.withUnsafeBytes { a in reference.voxels.withUnsafeBytes { b in memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 } }
        if !same { fail("variant \(name) decoded different voxels") }
        fields.append((name + "_s", f(t)))
    }
    print(json(fields))
    fflush(nil)
}

/// What-if for the read side, in a fresh process: every file read in parallel into new [UInt8] as
/// DICOMLoader does (fresh memory: page faults), then the same files mapped with mmap and every pixel
/// byte read from the mapping (no copy, no anonymous memory), then read() again into reused memory.
func readWhatIf(_ folder: String, rep: Int) {
    let paths = listFiles(folder).paths
    var fields: [(String, String)] = [("tool", q("anchor-read-what-if")), ("rep", "\(rep)")]
    do {
        let t0 = now()
        var bufs = [[UInt8]](repeating: [], count: paths.count)
        bufs.withUnsafeMutableBufferPointer { b in
            nonisolated(unsafe) let out = b
            DispatchQueue.concurrentPerform(iterations: paths.count) { i in out[i] = (try? readFileBytes(paths[i])) ?? [] }
        }
        fields.append(("read_fresh_parallel_s", f(now() - t0)))
        let t1 = now()
        // Reuse: free and read again (malloc hands back the same, already faulted memory).
        bufs = []
        var again = [[UInt8]](repeating: [], count: paths.count)
        again.withUnsafeMutableBufferPointer { b in
            nonisolated(unsafe) let out = b
            DispatchQueue.concurrentPerform(iterations: paths.count) { i in out[i] = (try? readFileBytes(paths[i])) ?? [] }
        }
        fields.append(("read_reused_parallel_s", f(now() - t1)))
    }
    let sums = UnsafeMutableBufferPointer<Int>.allocate(capacity: paths.count)
    defer { sums.deallocate() }
    nonisolated(unsafe) let sumsOut = sums
    let t2 = now()
    DispatchQueue.concurrentPerform(iterations: paths.count) { i in
        let fd = open(paths[i], O_RDONLY)
        guard fd >= 0 else { return }
        var st = stat()
        fstat(fd, &st)
        let size = Int(st.st_size)
        guard let m = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), m != MAP_FAILED else { close(fd); return }
        close(fd)
        let q = UnsafeRawBufferPointer(start: m, count: size)
        var t = 0
        // Every 16-bit word, as a decode would read them.
        for k in stride(from: 0, to: size - 1, by: 2) { t &+= Int(q.loadUnaligned(fromByteOffset: k, as: Int16.self)) }
        sumsOut[i] = t
        munmap(m, size)
    }
    fields.append(("mmap_read_all_parallel_s", f(now() - t2)))
    fields.append(("mmap_checksum", "\(sums.reduce(0, &+))"))
    print(json(fields))
    fflush(nil)
}

var args = Array(CommandLine.arguments.dropFirst())
let mode = args.first.flatMap { $0.hasPrefix("--") ? $0 : nil }
if mode != nil { args.removeFirst() }
let variants: [String: Alloc] = ["--uninit": .uninitialized, "--uninit-hugepages": .uninitializedHugePages]
guard let folder = args.first, mode == nil || ["--stages", "--what-if", "--read-what-if"].contains(mode!) || variants[mode!] != nil else {
    fail("usage: read-series [--stages | --what-if | --read-what-if | --uninit | --uninit-hugepages] FOLDER [REPS]")
}
let reps = args.count > 1 ? (Int(args[1]) ?? 1) : 1
for rep in 1...max(1, reps) {
    switch mode {
    case "--stages": stages(folder, rep: rep)
    case "--what-if": whatIf(folder, rep: rep)
    case "--read-what-if": readWhatIf(folder, rep: rep)
    default: repetition(folder, rep: rep, variant: mode.flatMap { variants[$0] })
    }
}
