"""Minimal RT Dose files (PS3.3 A.18) with pydicom, and reading them back as pymedphys axes + arrays."""
import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

RT_DOSE = "1.2.840.10008.5.1.4.1.1.481.2"


def write(path, dose, spacing, origin, frame_of_reference, description):
    """dose: float array (nz, ny, nx) in Gy; spacing and origin in (z, y, x) order, mm, axes along +x, +y, +z."""
    nz, ny, nx = dose.shape
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = RT_DOSE
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = RT_DOSE
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "RTDOSE"
    ds.PatientName = "Gamma^Bench"
    ds.PatientID = "GAMMA-BENCH"
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.SeriesDescription = description
    ds.FrameOfReferenceUID = frame_of_reference
    ds.ImagePositionPatient = [float(origin[2]), float(origin[1]), float(origin[0])]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing = [float(spacing[1]), float(spacing[2])]
    ds.SliceThickness = float(spacing[0])
    ds.GridFrameOffsetVector = [float(k * spacing[0]) for k in range(nz)]
    ds.NumberOfFrames = nz
    ds.FrameIncrementPointer = 0x3004000C
    ds.Rows, ds.Columns = ny, nx
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 32
    ds.HighBit = 31
    ds.PixelRepresentation = 0
    ds.DoseUnits, ds.DoseType, ds.DoseSummationType = "GY", "PHYSICAL", "PLAN"
    scaling = float(f"{float(dose.max()) / 4.0e9:.8e}")
    ds.DoseGridScaling = scaling
    ds.PixelData = np.round(np.maximum(dose.astype(np.float64), 0) / scaling).astype("<u4").tobytes()
    ds.save_as(path, enforce_file_format=True)


def read(path):
    """(axes (z, y, x) in mm, dose array (nz, ny, nx) in Gy as float64) of an axial RT Dose."""
    ds = pydicom.dcmread(path)
    dose = ds.pixel_array.astype(np.float64) * float(ds.DoseGridScaling)
    if dose.ndim == 2:
        dose = dose[None]
    x0, y0, z0 = (float(v) for v in ds.ImagePositionPatient)
    dy, dx = (float(v) for v in ds.PixelSpacing)
    offsets = np.array([float(v) for v in ds.GridFrameOffsetVector])
    nz, ny, nx = dose.shape
    return (z0 + offsets, y0 + np.arange(ny) * dy, x0 + np.arange(nx) * dx), dose
