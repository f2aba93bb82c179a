"""Writing the benchmark's DICOM objects with pydicom: CT Image (PS3.3 A.3), RT Structure Set (A.19)
and RT Dose (A.18), explicit VR little endian, axial head-first-supine geometry (x, y, z along the
patient's L, P, S; direction cosines 1 0 0 0 1 0).

Coordinates written as DS are rounded to 4 decimals first (`round_points`) and the exact values of
the analytic cases are computed from the rounded points, so files and truth describe the same polygons.
"""
import numpy as np
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"
RT_STRUCT = "1.2.840.10008.5.1.4.1.1.481.3"
RT_DOSE = "1.2.840.10008.5.1.4.1.1.481.2"
UID_ROOT = "1.2.826.0.1.3680043.8.498."  # pydicom's example root, fine for synthetic data


def uid():
    return generate_uid(prefix=UID_ROOT)


def round_points(points):
    """Points (n, 3) rounded to the 4 decimals they are written with."""
    return np.round(np.asarray(points, dtype=np.float64), 4)


class Study:
    """Patient, study and frame of reference shared by the objects of one case."""

    def __init__(self, name):
        self.name = name
        self.study_uid = uid()
        self.frame_uid = uid()
        self.ct_series_uid = uid()
        self.ct_instances = []  # SOP Instance UIDs of the CT slices, in slice order


def _base(study, sop_class, modality, series_uid, description):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyDate = "20240101"
    ds.StudyTime = "120000"
    ds.Modality = modality
    ds.Manufacturer = "Anchor DVH benchmark"
    ds.PatientName = "DVH^" + study.name
    ds.PatientID = "DVH-" + study.name.upper()
    ds.PatientBirthDate = ""
    ds.PatientSex = "O"
    ds.StudyInstanceUID = study.study_uid
    ds.StudyID = "1"
    ds.SeriesInstanceUID = series_uid
    ds.SeriesNumber = 1
    ds.SeriesDescription = description
    ds.FrameOfReferenceUID = study.frame_uid
    ds.PositionReferenceIndicator = ""
    ds.AccessionNumber = ""
    ds.ReferringPhysicianName = ""
    return ds


def write_ct_slice(path, study, k, image, pixel_mm, origin_xy, z, slice_mm):
    """One axial CT slice: image int16 HU (rows, columns), origin_xy the centre of pixel (0, 0), mm."""
    ds = _base(study, CT_IMAGE, "CT", study.ct_series_uid, "Heavy case CT")
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.InstanceNumber = k + 1
    ds.PatientPosition = "HFS"
    ds.ImagePositionPatient = [f"{origin_xy[0]:.4f}", f"{origin_xy[1]:.4f}", f"{z:.4f}"]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.SliceLocation = f"{z:.4f}"
    ds.SliceThickness = f"{slice_mm:.4f}"
    ds.PixelSpacing = [f"{pixel_mm:.10g}", f"{pixel_mm:.10g}"]
    ds.Rows, ds.Columns = image.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 16, 15
    ds.PixelRepresentation = 1
    ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = 0, 1, "HU"
    ds.KVP = 120
    ds.PixelData = image.astype("<i2").tobytes()
    study.ct_instances.append(ds.SOPInstanceUID)
    ds.save_as(path, enforce_file_format=True)


def write_rtstruct(path, study, rois, label):
    """rois: list of dicts with number, name, type, color, contours (list of (n, 3) point arrays).

    Contour points are written with 4 decimals; each contour refers to the CT slice at its z when the
    study has CT slices (`slice_z` maps a rounded z to the index of its slice)."""
    ds = _base(study, RT_STRUCT, "RTSTRUCT", uid(), label)
    ds.StructureSetLabel = label
    ds.StructureSetName = label
    ds.StructureSetDate = "20240101"
    ds.StructureSetTime = "120000"
    ds.InstanceNumber = 1
    ref = Dataset()
    ref.FrameOfReferenceUID = study.frame_uid
    if study.ct_instances:
        series = Dataset()
        series.SeriesInstanceUID = study.ct_series_uid
        images = []
        for sop in study.ct_instances:
            item = Dataset()
            item.ReferencedSOPClassUID = CT_IMAGE
            item.ReferencedSOPInstanceUID = sop
            images.append(item)
        series.ContourImageSequence = Sequence(images)
        st = Dataset()
        st.ReferencedSOPClassUID = "1.2.840.10008.3.1.2.3.1"  # Detached Study Management (retired), as TPSs write
        st.ReferencedSOPInstanceUID = study.study_uid
        st.RTReferencedSeriesSequence = Sequence([series])
        ref.RTReferencedStudySequence = Sequence([st])
    ds.ReferencedFrameOfReferenceSequence = Sequence([ref])
    roi_items, contour_items, obs_items = [], [], []
    for r in rois:
        s = Dataset()
        s.ROINumber = r["number"]
        s.ReferencedFrameOfReferenceUID = study.frame_uid
        s.ROIName = r["name"]
        s.ROIGenerationAlgorithm = "MANUAL"
        roi_items.append(s)
        rc = Dataset()
        rc.ROIDisplayColor = list(r.get("color", [255, 0, 0]))
        rc.ReferencedROINumber = r["number"]
        items = []
        for c in r["contours"]:
            pts = round_points(c)
            item = Dataset()
            if study.ct_instances and "slice_index" in r:
                img = Dataset()
                img.ReferencedSOPClassUID = CT_IMAGE
                img.ReferencedSOPInstanceUID = study.ct_instances[r["slice_index"](pts[0, 2])]
                item.ContourImageSequence = Sequence([img])
            item.ContourGeometricType = "CLOSED_PLANAR"
            item.NumberOfContourPoints = len(pts)
            # One backslash-joined string: pydicom parses it as DS values, and the text is exactly
            # the 4-decimal rounding the exact values are computed from.
            text = "\\".join(f"{v:.4f}" for v in pts.reshape(-1))
            item.add(DataElement(0x30060050, "DS", text))
            items.append(item)
        rc.ContourSequence = Sequence(items)
        contour_items.append(rc)
        o = Dataset()
        o.ObservationNumber = r["number"]
        o.ReferencedROINumber = r["number"]
        o.RTROIInterpretedType = r.get("type", "ORGAN")
        o.ROIInterpreter = ""
        obs_items.append(o)
    ds.StructureSetROISequence = Sequence(roi_items)
    ds.ROIContourSequence = Sequence(contour_items)
    ds.RTROIObservationsSequence = Sequence(obs_items)
    ds.save_as(path, enforce_file_format=True)


def write_rtdose(path, study, dose, spacing_xyz, origin_xyz, description):
    """dose: float array (nz, ny, nx) in Gy at voxel centres origin + (i, j, k) * spacing, stored as
    unsigned 32-bit values with DoseGridScaling (as Eclipse writes)."""
    nz, ny, nx = dose.shape
    ds = _base(study, RT_DOSE, "RTDOSE", uid(), description)
    ds.InstanceNumber = 1
    ds.ImagePositionPatient = [f"{v:.4f}" for v in origin_xyz]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing = [f"{spacing_xyz[1]:.4f}", f"{spacing_xyz[0]:.4f}"]  # row spacing (y), column spacing (x)
    ds.SliceThickness = f"{spacing_xyz[2]:.4f}"
    ds.GridFrameOffsetVector = [f"{k * spacing_xyz[2]:.4f}" for k in range(nz)]
    ds.NumberOfFrames = nz
    ds.FrameIncrementPointer = 0x3004000C
    ds.Rows, ds.Columns = ny, nx
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 32
    ds.HighBit = 31
    ds.PixelRepresentation = 0
    ds.DoseUnits, ds.DoseType, ds.DoseSummationType = "GY", "PHYSICAL", "PLAN"
    assert float(dose.min()) >= 0, "dose must be non-negative"
    scaling = float(f"{float(dose.max()) / 4.0e9:.8e}")
    ds.DoseGridScaling = f"{scaling:.8e}"
    ds.PixelData = np.round(dose.astype(np.float64) / scaling).astype("<u4").tobytes()
    ds.save_as(path, enforce_file_format=True)
    return scaling
