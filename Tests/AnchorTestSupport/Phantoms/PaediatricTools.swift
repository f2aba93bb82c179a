import Foundation

/// Other readers of DICOM, used when they are installed: dcmtk's `dcmdump` on PATH, and pydicom in
/// the Python named by `ANCHOR_PYTHON` (a venv's `bin/python`).
public enum PaediatricTools {
    /// `dcmdump`'s path, when it is on PATH.
    public static let dcmdump: String? = {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let p = "\(dir)/dcmdump"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }()

    /// The Python of `ANCHOR_PYTHON` when it imports pydicom and numpy.
    public static let python: String? = {
        guard let p = ProcessInfo.processInfo.environment["ANCHOR_PYTHON"], FileManager.default.isExecutableFile(atPath: p),
              let r = try? run(p, ["-c", "import pydicom, numpy"]), r.status == 0 else { return nil }
        return p
    }()

    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs a program to completion with stdout and stderr on pipes.
    public static func run(_ executable: String, _ arguments: [String]) throws -> Result {
        let r = try ProcessRunner.run(executable, arguments)
        return Result(status: r.status, stdout: r.stdout, stderr: r.stderr)
    }

    /// A pydicom check of every `*.dcm` in the folders: strict value validation (values that break
    /// their VR's rules raise), every element decoded, pixel data decoded, any warning counted.
    /// Prints one line per problem and `pydicom read N files, M problems`; exits 1 on any problem.
    public static let pydicomCheck = """
    import sys, os, glob, warnings
    import pydicom
    from pydicom import config
    config.settings.reading_validation_mode = config.RAISE
    bad = 0; n = 0
    for d in sys.argv[1:]:
        for f in sorted(glob.glob(os.path.join(d, "*.dcm"))):
            n += 1
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    ds = pydicom.dcmread(f)
                    ds.walk(lambda d_, e: e.value)
                    if "PixelData" in ds:
                        a = ds.pixel_array
                        if ds.Modality == "RTDOSE" and a.shape[0] != int(ds.NumberOfFrames):
                            raise ValueError(f"pixel array {a.shape} for {ds.NumberOfFrames} frames")
                except Exception as e:
                    print(f"{f}: {type(e).__name__}: {str(e).splitlines()[0]}"); bad += 1; continue
                for w in caught:
                    print(f"{f}: warning {w.category.__name__}: {w.message}"); bad += 1
    print(f"pydicom read {n} files, {bad} problems")
    sys.exit(1 if bad else 0)
    """
}
