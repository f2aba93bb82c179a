import AnchorTestSupport
import Foundation

/// Python with pydicom and pylibjpeg (pylibjpeg-libjpeg, pylibjpeg-openjpeg) for the decoder
/// comparisons: `ANCHOR_PYTHON` when it imports them all; nil otherwise (the tests then skip).
enum CodecPeers {
    static let python: String? = {
        guard let p = ProcessInfo.processInfo.environment["ANCHOR_PYTHON"], FileManager.default.isExecutableFile(atPath: p),
              let r = try? ProcessRunner.run(p, ["-c", "import pydicom, numpy, pylibjpeg, libjpeg, openjpeg"]), r.status == 0
        else { return nil }
        return p
    }()

    static let missing = "ANCHOR_PYTHON is not a Python with pydicom, numpy, pylibjpeg, pylibjpeg-libjpeg and pylibjpeg-openjpeg: skipped (.ci/run installs them)"

    /// Lists every file with a compressed transfer syntax in pydicom's own test data (the files shipped
    /// inside the pydicom package and the `pydicom-data` package, when installed), decodes each with
    /// pydicom's default pixel handlers (pylibjpeg for the JPEG family), and writes each array's values as
    /// little-endian float64 to OUT/N.f64, with an index OUT/index.json. Multi-frame files are compared on
    /// their first `frameLimit` frames (one file holds 120 colour frames: 880 MB as float64).
    static let dumpScript = """
    import sys, os, glob, json, warnings
    import numpy as np
    import pydicom
    import pydicom.data
    warnings.simplefilter("ignore")
    out = sys.argv[1]
    FRAMES = int(sys.argv[2])
    roots = [os.path.join(os.path.dirname(pydicom.data.__file__), "test_files")]
    try:
        import data_store
        roots.append(os.path.join(os.path.dirname(data_store.__file__), "data"))
    except ImportError:
        pass
    compressed = {"1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.57",
                  "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81",
                  "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91"}
    paths = sorted({p for r in roots for p in glob.glob(os.path.join(r, "**", "*"), recursive=True) if os.path.isfile(p)})
    index = []
    for p in paths:
        try:
            ds = pydicom.dcmread(p)
            ts = str(ds.file_meta.TransferSyntaxUID)
        except Exception:
            continue
        if ts not in compressed or "PixelData" not in ds:
            continue
        rec = {"path": p, "ts": ts, "name": os.path.basename(p)}
        try:
            arr = ds.pixel_array
            if int(ds.get("NumberOfFrames", 1) or 1) > FRAMES:
                arr = arr[:FRAMES]
            f = os.path.join(out, "%d.f64" % len(index))
            np.ascontiguousarray(arr, dtype="<f8").tofile(f)
            rec.update(ok=True, values=f, count=int(arr.size))
        except Exception as e:
            rec.update(ok=False, error="%s: %s" % (type(e).__name__, e))
        index.append(rec)
    pkgs = {}
    for m in ("pydicom", "pylibjpeg", "libjpeg", "openjpeg"):
        try:
            pkgs[m] = __import__(m).__version__
        except Exception:
            pkgs[m] = "?"
    json.dump({"files": index, "versions": pkgs, "roots": roots}, open(os.path.join(out, "index.json"), "w"))
    """

    struct Record: Decodable {
        let path: String
        let ts: String
        let name: String
        let ok: Bool
        let values: String?
        let count: Int?
        let error: String?
    }

    struct Index: Decodable {
        let files: [Record]
        let versions: [String: String]
        let roots: [String]
    }

    static let frameLimit = 8

    /// Runs the dump once per test process.
    static let dump: (dir: String, index: Index)? = {
        guard let python else { return nil }
        let dir = Fixtures.temporaryDirectory("anchor-codec-peers")
        let script = dir + "/dump.py"
        guard (try? dumpScript.write(toFile: script, atomically: true, encoding: .utf8)) != nil,
              let r = try? ProcessRunner.run(python, [script, dir, String(frameLimit)]), r.status == 0,
              let data = FileManager.default.contents(atPath: dir + "/index.json"),
              let index = try? JSONDecoder().decode(Index.self, from: data)
        else { return nil }
        return (dir, index)
    }()

    /// pydicom's values for one file (float64, little endian, as this machine stores them).
    static func values(_ r: Record) -> [Double] {
        guard let f = r.values, let data = FileManager.default.contents(atPath: f) else { return [] }
        return [Double](unsafeUninitializedCapacity: data.count / 8) { buffer, count in
            _ = data.copyBytes(to: buffer)
            count = data.count / 8
        }
    }
}
