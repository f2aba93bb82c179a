#!/usr/bin/env python3
"""Writes a synthetic CT series for the read-series benchmark.

    make-ct-series.py [FOLDER] [--slices 300] [--size 512] [--bits-stored 16] [--seed 2]

Default: 300 slices of 512x512, 16-bit signed stored values, explicit VR little endian, CT Image
Storage, into /tmp/anchor-bench-ct. The header is what a planning CT carries (patient, study, series,
frame of reference, Image Plane and Image Pixel modules, rescale to HU, windowing, acquisition
parameters, a short code sequence). The pixels are a body-like phantom: air, a couch, an elliptical
body of fat and soft tissue, lungs in the chest slices, a spine, ribs and pelvis-like bone, plus
Gaussian noise and a circular field of view padded with -2000 outside (as GE scanners write), so
nothing compresses to zeros and min/max/sum checks mean something.

File names are random (seeded) and unrelated to slice order, so a reader has to sort by position.
Needs pydicom and numpy (bench/read-series/run.sh makes a venv under /tmp with both).
"""
import argparse
import os
import sys

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

UID_ROOT = "1.2.826.0.1.3680043.8.498."  # pydicom's example root, fine for synthetic data


def phantom(k, n_slices, size, rng, pixel_mm):
    """HU image of slice k (0 = feet end) as float32."""
    z = k / max(1, n_slices - 1)  # 0 .. 1 from pelvis to shoulders
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    c = (size - 1) / 2.0
    x = (xx - c) * pixel_mm  # mm from the centre
    y = (yy - c) * pixel_mm
    hu = np.full((size, size), -1000.0, dtype=np.float32)  # air

    # Couch: a slab below the body.
    couch = (y > 150) & (y < 165) & (np.abs(x) < 230)
    hu[couch] = 200.0

    # Body: ellipse whose width varies along z (pelvis wide, waist narrower, chest wide).
    a = 170 + 25 * np.cos(2 * np.pi * z)  # half-width mm
    b = 115 + 10 * np.sin(np.pi * z)  # half-height mm
    r = (x / a) ** 2 + ((y - 10) / b) ** 2
    body = r <= 1.0
    hu[body] = -100.0  # fat
    inner = (x / (a - 15)) ** 2 + ((y - 10) / (b - 15)) ** 2 <= 1.0
    hu[inner] = 40.0  # soft tissue

    # Lungs in the upper 45 %.
    if z > 0.55:
        s = min(1.0, (z - 0.55) / 0.15)
        for side in (-1, 1):
            lung = ((x - side * 0.45 * a) / (0.32 * a * s + 1)) ** 2 + ((y + 5) / (0.7 * b * s + 1)) ** 2 <= 1.0
            hu[lung & inner] = -820.0
        # Heart between the lungs.
        heart = ((x + 20) / 55) ** 2 + ((y + 15) / 50) ** 2 <= 1.0
        hu[heart & inner & (z < 0.85)] = 45.0
        # Ribs: small bone blobs on a ring.
        for t in np.linspace(0, 2 * np.pi, 14, endpoint=False):
            rx, ry = (a - 22) * np.cos(t), 10 + (b - 22) * np.sin(t)
            hu[((x - rx) ** 2 + (y - ry) ** 2) <= 36] = 900.0

    # Liver / kidneys in the middle.
    if 0.3 < z <= 0.6:
        liver = ((x + 0.35 * a) / (0.4 * a)) ** 2 + ((y + 5) / (0.55 * b)) ** 2 <= 1.0
        hu[liver & inner] = 60.0

    # Pelvis: two iliac blobs in the lower 25 %.
    if z < 0.25:
        for side in (-1, 1):
            ring = ((x - side * 0.5 * a) / 45) ** 2 + ((y - 20) / 30) ** 2
            hu[(ring <= 1.0) & (ring >= 0.45)] = 1100.0
            hu[ring < 0.45] = 300.0

    # Spine: vertebral body (cortical shell, cancellous core) and canal.
    vb = (x / 22) ** 2 + ((y - (b - 40)) / 18) ** 2
    hu[vb <= 1.0] = 1200.0
    hu[vb <= 0.6] = 250.0
    canal = (x / 8) ** 2 + ((y - (b - 12)) / 8) ** 2 <= 1.0
    hu[canal] = 20.0

    hu += rng.normal(0.0, 12.0, size=(size, size)).astype(np.float32)

    # Circular field of view: outside it the scanner writes padding.
    fov = (x ** 2 + y ** 2) <= (c * pixel_mm) ** 2
    return hu, fov


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", nargs="?", default="/tmp/anchor-bench-ct")
    ap.add_argument("--slices", type=int, default=300)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--bits-stored", type=int, default=16, choices=[12, 16],
                    help="16: signed, intercept -1024, padding -2000 (GE-like); 12: unsigned, intercept -1024 (Siemens-like)")
    ap.add_argument("--seed", type=int, default=2)
    ap.add_argument("--spacing", type=float, default=2.0, help="slice spacing, mm")
    args = ap.parse_args()

    os.makedirs(args.folder, exist_ok=True)
    for f in os.listdir(args.folder):
        if f.endswith(".dcm"):
            os.remove(os.path.join(args.folder, f))

    rng = np.random.default_rng(args.seed)
    size, n = args.size, args.slices
    pixel_mm = 500.0 / size  # 500 mm field of view
    signed = args.bits_stored == 16
    intercept, slope = -1024.0, 1.0

    study_uid = UID_ROOT + "1." + str(args.seed)
    series_uid = UID_ROOT + "2." + str(args.seed)
    for_uid = UID_ROOT + "3." + str(args.seed)
    names = [f"CT.{rng.integers(1 << 62):x}.dcm" for _ in range(n)]  # random names: unrelated to slice order
    order = rng.permutation(n)

    for k in range(n):
        sop_uid = f"{UID_ROOT}4.{args.seed}.{k + 1}"
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CTImageStorage
        meta.MediaStorageSOPInstanceUID = sop_uid
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        meta.ImplementationClassUID = UID_ROOT + "99"
        meta.ImplementationVersionName = "ANCHOR_BENCH"

        ds = Dataset()
        ds.file_meta = meta
        ds.SpecificCharacterSet = "ISO_IR 100"
        ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
        ds.SOPClassUID = CTImageStorage
        ds.SOPInstanceUID = sop_uid
        ds.StudyDate = ds.SeriesDate = ds.AcquisitionDate = ds.ContentDate = "20240315"
        ds.StudyTime = ds.SeriesTime = "101500"
        ds.AcquisitionTime = ds.ContentTime = f"1016{k % 60:02d}.{k:06d}"
        ds.AccessionNumber = "BENCH0001"
        ds.Modality = "CT"
        ds.Manufacturer = "Anchor synthetic"
        ds.InstitutionName = "Benchmark Hospital"
        ds.ReferringPhysicianName = "Doe^Jane"
        ds.StationName = "CTSIM1"
        ds.StudyDescription = "RT planning CT"
        ds.SeriesDescription = "Thorax-Abdomen-Pelvis 2.0mm"
        ds.ManufacturerModelName = "Phantom 3000"
        proc = Dataset()
        proc.CodeValue = "RT-CT"
        proc.CodingSchemeDesignator = "99LOCAL"
        proc.CodeMeaning = "Radiotherapy planning CT"
        ds.ProcedureCodeSequence = Sequence([proc])
        ds.PatientName = "Bench^Phantom"
        ds.PatientID = "BENCH-001"
        ds.PatientBirthDate = "19600101"
        ds.PatientSex = "O"
        ds.PatientAge = "064Y"
        ds.BodyPartExamined = "CHEST"
        ds.ScanOptions = "HELICAL MODE"
        ds.SliceThickness = f"{args.spacing:.1f}"
        ds.KVP = "120"
        ds.DataCollectionDiameter = "500"
        ds.SoftwareVersions = "1.0"
        ds.ReconstructionDiameter = "500"
        ds.GantryDetectorTilt = "0"
        ds.TableHeight = "150"
        ds.RotationDirection = "CW"
        ds.ExposureTime = "1000"
        ds.XRayTubeCurrent = "250"
        ds.Exposure = "250"
        ds.ConvolutionKernel = "STANDARD"
        ds.PatientPosition = "HFS"
        ds.StudyInstanceUID = study_uid
        ds.SeriesInstanceUID = series_uid
        ds.StudyID = "1"
        ds.SeriesNumber = 2
        ds.AcquisitionNumber = 1
        ds.InstanceNumber = k + 1
        z = -300.0 + k * args.spacing
        ds.ImagePositionPatient = [f"{-(size - 1) / 2 * pixel_mm:.6f}", f"{-(size - 1) / 2 * pixel_mm:.6f}", f"{z:.6f}"]
        ds.ImageOrientationPatient = ["1", "0", "0", "0", "1", "0"]
        ds.FrameOfReferenceUID = for_uid
        ds.PositionReferenceIndicator = ""
        ds.SliceLocation = f"{z:.6f}"
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.Rows = size
        ds.Columns = size
        ds.PixelSpacing = [f"{pixel_mm:.6f}", f"{pixel_mm:.6f}"]
        ds.BitsAllocated = 16
        ds.BitsStored = args.bits_stored
        ds.HighBit = args.bits_stored - 1
        ds.PixelRepresentation = 1 if signed else 0
        if signed:
            ds.PixelPaddingValue = -2000  # SS because Pixel Representation is 1
        ds.WindowCenter = ["40", "-600"]
        ds.WindowWidth = ["400", "1600"]
        ds.RescaleIntercept = f"{intercept:g}"
        ds.RescaleSlope = f"{slope:g}"
        ds.RescaleType = "HU"

        hu, fov = phantom(k, n, size, rng, pixel_mm)
        stored = np.rint((hu - intercept) / slope)
        if signed:
            stored = np.clip(stored, -32768, 32767).astype(np.int16)
            stored[~fov] = -2000
        else:
            stored = np.clip(stored, 0, (1 << args.bits_stored) - 1).astype(np.uint16)
            stored[~fov] = 0
        ds.PixelData = stored.tobytes()
        ds["PixelData"].VR = "OW"

        path = os.path.join(args.folder, names[order[k]])
        ds.save_as(path, enforce_file_format=True)  # explicit VR LE from the meta Transfer Syntax UID

    total = sum(os.path.getsize(os.path.join(args.folder, f)) for f in os.listdir(args.folder))
    print(f"wrote {n} slices of {size}x{size} ({args.bits_stored} bits stored) to {args.folder}: {total / 1e6:.1f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
