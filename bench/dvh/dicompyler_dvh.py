#!/usr/bin/env python3
"""DVHs of every contoured structure of an RT Structure Set with dicompyler-core, as a user would get
them: `dicompylercore.dvhcalc.get_dvh(rtss, rtdose, roi_number)` with its defaults (contours rasterised
on the dose grid's in-plane voxel centres, dose plane interpolated to each contour plane, 1 cGy bins,
each plane a slab of the structure's smallest plane spacing).

    dicompyler_dvh.py RS RD OUT.json

Both files are read once with pydicom and the datasets handed to get_dvh (which otherwise re-reads
both files for every structure). Writes per structure: volume (cc), mean (Gy) and the cumulative DVH
(volume_cc[i] receives at least dose_gy[i] = i / 100 Gy), and the seconds spent in each phase.
Needs dicompyler-core with pydicom 2.4 (its own venv; bench/dvh/run.sh makes it).
"""
import json
import sys
import time

t_start = time.perf_counter()
import numpy as np  # noqa: E402
import pydicom  # noqa: E402
from dicompylercore import dvhcalc  # noqa: E402
from dicompylercore import __version__ as dcore_version  # noqa: E402


def main():
    rs_path, rd_path, out_path = sys.argv[1:4]
    t_import = time.perf_counter()
    rs = pydicom.dcmread(rs_path)
    rd = pydicom.dcmread(rd_path)
    t_read = time.perf_counter()
    contoured = {int(c.ReferencedROINumber) for c in getattr(rs, "ROIContourSequence", [])
                 if len(getattr(c, "ContourSequence", [])) > 0}
    structures = []
    for roi in rs.StructureSetROISequence:
        number = int(roi.ROINumber)
        if number not in contoured:
            continue
        d = dvhcalc.get_dvh(rs, rd, number)
        counts = np.asarray(d.counts, dtype=np.float64)
        bins = np.asarray(d.bins, dtype=np.float64)[: len(counts)]
        structures.append({
            "name": str(roi.ROIName),
            "number": number,
            "volume_cc": float(d.volume),
            "mean_gy": float(d.mean) if d.volume > 0 else None,
            "dvh": {"dose_gy": [round(float(x), 4) for x in bins], "volume_cc": [round(float(v), 6) for v in counts]},
        })
    t_dvh = time.perf_counter()
    with open(out_path, "w") as fh:
        json.dump({"tool": "dicompyler-core " + dcore_version, "pydicom": pydicom.__version__,
                   "seconds": {"import": t_import - t_start, "read": t_read - t_import, "dvh": t_dvh - t_read},
                   "structures": structures}, fh)


if __name__ == "__main__":
    main()
