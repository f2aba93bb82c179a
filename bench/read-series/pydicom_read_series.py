#!/usr/bin/env python3
"""pydicom side of the read-series benchmark.

    pydicom_read_series.py FOLDER [REPS]

Per repetition: lists FOLDER, reads every file with pydicom.dcmread, sorts the slices by Image Position
(Patient) along the slice normal (Image Orientation row x column), and stacks
`pixel_array * slope + intercept` into one float32 numpy volume (slices, rows, columns). The time covers
exactly that; the checks (slices, min/max stored value, sum of voxels as float64) are computed after
the clock stops, and printed so the work cannot be skipped. One JSON line per repetition, like the
Swift benchmark (bench/read-series).
"""
import json
import os
import sys
import time

import numpy as np
import pydicom


def read_volume(folder):
    names = sorted(os.listdir(folder))
    paths = [os.path.join(folder, n) for n in names if not n.startswith(".")]
    datasets = [pydicom.dcmread(p) for p in paths]
    iop = np.array(datasets[0].ImageOrientationPatient, dtype=np.float64)
    normal = np.cross(iop[:3], iop[3:])
    datasets.sort(key=lambda d: float(np.dot(normal, np.array(d.ImagePositionPatient, dtype=np.float64))))
    rows, cols = int(datasets[0].Rows), int(datasets[0].Columns)
    volume = np.empty((len(datasets), rows, cols), dtype=np.float32)
    lo, hi = np.inf, -np.inf
    for k, d in enumerate(datasets):
        px = d.pixel_array
        lo = min(lo, float(px.min()))
        hi = max(hi, float(px.max()))
        slope = float(getattr(d, "RescaleSlope", 1) or 1)
        intercept = float(getattr(d, "RescaleIntercept", 0) or 0)
        volume[k] = px * np.float32(slope) + np.float32(intercept)
    return paths, volume, lo, hi


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "/tmp/anchor-bench-ct"
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    for rep in range(1, reps + 1):
        t0 = time.perf_counter()
        paths, volume, lo, hi = read_volume(folder)
        seconds = time.perf_counter() - t0
        total = sum(os.path.getsize(p) for p in paths)
        print(json.dumps({
            "tool": "pydicom", "version": pydicom.__version__, "rep": rep, "seconds": round(seconds, 6),
            "files": len(paths), "bytes": total, "slices": int(volume.shape[0]),
            "rows": int(volume.shape[1]), "columns": int(volume.shape[2]),
            "min_stored": lo, "max_stored": hi, "sum": float(volume.sum(dtype=np.float64)),
        }), flush=True)
        del volume


if __name__ == "__main__":
    main()
