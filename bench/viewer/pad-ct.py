#!/usr/bin/env python3
"""Pads the CT of an `anchor phantom` case to a clinical field of view, for the viewer's wait
measurements: the phantoms' CTs are cropped to the body (137 x 173 for the 4-year-old posterior
fossa), a planning CT is 512 x 512 with air and noise around the patient.

    pad-ct.py IN_DIR OUT_DIR [--size 512] [--noise 15] [--seed 3]

Every CT slice becomes size x size at the same pixel spacing, the body centred, the new pixels air
(-1000 HU) with Gaussian noise of --noise HU (standard deviation, as scanner air is never flat, so
gzip cannot squeeze it to nothing). Image Position (Patient) moves so every body voxel keeps its
patient coordinates, and the UIDs are kept, so the structure set and the dose still refer to it.
"""
import argparse
import os
import shutil

import numpy as np
import pydicom

ap = argparse.ArgumentParser()
ap.add_argument("src")
ap.add_argument("dst")
ap.add_argument("--size", type=int, default=512)
ap.add_argument("--noise", type=float, default=15)
ap.add_argument("--seed", type=int, default=3)
a = ap.parse_args()
rng = np.random.default_rng(a.seed)
os.makedirs(a.dst, exist_ok=True)
for name in sorted(os.listdir(a.src)):
    src = os.path.join(a.src, name)
    ds = pydicom.dcmread(src)
    if ds.Modality != "CT":
        shutil.copy(src, os.path.join(a.dst, name))
        continue
    px = ds.pixel_array.astype(np.int32)
    slope, icpt = float(ds.RescaleSlope), float(ds.RescaleIntercept)
    rows, cols = px.shape
    r0, c0 = (a.size - rows) // 2, (a.size - cols) // 2
    air = np.round((-1000 + rng.normal(0, a.noise, (a.size, a.size)) - icpt) / slope).astype(np.int32)
    air[r0:r0 + rows, c0:c0 + cols] = px
    ds.PixelData = np.clip(air, -32768, 32767).astype("<i2").tobytes()
    ds.Rows = ds.Columns = a.size
    ipp = [float(v) for v in ds.ImagePositionPatient]
    iop = [float(v) for v in ds.ImageOrientationPatient]
    dr, dc = float(ds.PixelSpacing[0]), float(ds.PixelSpacing[1])
    ds.ImagePositionPatient = [ipp[i] - c0 * dc * iop[i] - r0 * dr * iop[3 + i] for i in range(3)]
    ds.save_as(os.path.join(a.dst, name), enforce_file_format=True)
print(f"{a.dst}: CT padded to {a.size} x {a.size}")
