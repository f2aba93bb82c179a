#!/usr/bin/env python3
"""Writes Tests/Fixtures/deflated-explicit-le.dcm: a small data set in Deflated Explicit VR Little
Endian (PS3.5 A.5), made by pydicom so that Anchor's pure-Swift inflater is tested against zlib's
deflate. Run with a python that has pydicom 3 (e.g. the venv of make-pydicom-fixtures.py)."""
import os, sys
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import DeflatedExplicitVRLittleEndian, RTPlanStorage

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out = os.path.join(root, "Tests", "Fixtures", "deflated-explicit-le.dcm")
meta = FileMetaDataset()
meta.MediaStorageSOPClassUID = RTPlanStorage
meta.MediaStorageSOPInstanceUID = "2.25.1234567890"
meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
ds = Dataset()
ds.file_meta = meta
ds.SpecificCharacterSet = "ISO_IR 192"
ds.SOPClassUID = RTPlanStorage
ds.SOPInstanceUID = "2.25.1234567890"
ds.Modality = "RTPLAN"
ds.PatientName = "Ørsted^Hans Christian"
ds.PatientID = "DEFLATE01"
ds.RTPlanLabel = "DEFLATED"
ds.StudyDescription = "repetitive text " * 50
beams = []
for n in range(1, 4):
    b = Dataset()
    b.BeamNumber = n
    b.BeamName = f"Beam {n}"
    b.RadiationType = "PHOTON"
    cp = Dataset()
    cp.ControlPointIndex = 0
    cp.GantryAngle = str(120 * n - 120)
    cp.IsocenterPosition = ["1.5", "-2.25", "30"]
    b.ControlPointSequence = Sequence([cp])
    beams.append(b)
ds.BeamSequence = Sequence(beams)
ds.save_as(out, enforce_file_format=True)
print("wrote", out, os.path.getsize(out), "bytes")
