#!/usr/bin/env python3
"""Write Tests/Fixtures/pydicom-expected.json: what pydicom reads from every DICOM file in the
shared test data, so the Swift tests can compare Anchor's parser against it.

Run on demand (not in CI), with pydicom 3.x and numpy installed in a venv outside the repo:

    python3 -m venv /tmp/pdvenv && /tmp/pdvenv/bin/pip install pydicom==3.0.1 numpy
    /tmp/pdvenv/bin/python Scripts/make-pydicom-fixtures.py

Arguments (both optional):
    data_root        folder to walk; default ../shared/data relative to the repository root
    -o / --output    output file; default Tests/Fixtures/pydicom-expected.json in the repository

Regenerate whenever ../shared/data changes (each entry holds the file's sha256).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import math
import os
import platform
import stat
import sys
import warnings
from pathlib import Path
from typing import Any

try:
    import numpy
    import pydicom
    from pydicom.charset import decode_bytes
    from pydicom.dataelem import DataElement, RawDataElement
    from pydicom.datadict import dictionary_has_tag
    from pydicom.dataset import Dataset
    from pydicom.encaps import parse_basic_offsets, parse_fragments
    from pydicom.valuerep import PN_DELIMS, TEXT_VR_DELIMS
except ImportError as exc:  # pragma: no cover - setup problem
    sys.exit(
        f"error: {exc}\nInstall the dependencies in a venv outside the repository, e.g.\n"
        "  python3 -m venv /tmp/pdvenv && /tmp/pdvenv/bin/pip install pydicom==3.0.1 numpy\n"
        "and run this script with /tmp/pdvenv/bin/python."
    )

if not pydicom.__version__.startswith("3."):
    sys.exit(f"error: pydicom 3.x is required, found {pydicom.__version__}")

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_ROOT = "../shared/data"
DEFAULT_OUTPUT = "Tests/Fixtures/pydicom-expected.json"

TEXT_VRS = {"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM", "UC", "UI", "UR", "UT"}
UNSPLIT_TEXT_VRS = {"LT", "ST", "UT", "UR"}  # single-valued: never split on backslash
NUMERIC_VRS = {"US", "SS", "UL", "SL", "UV", "SV", "FL", "FD"}
PIXEL_DATA_TAGS = {0x7FE00008, 0x7FE00009, 0x7FE00010}  # Float, Double Float, Pixel Data
UNDEFINED_LENGTH = 0xFFFFFFFF

# Files that are never tried as DICOM (documentation, tables, checksums, raw data).
SKIP_SUFFIXES = {".csv", ".txt", ".dat", ".md"}
SKIP_PREFIXES = ("readme", "license")


def tag_hex(tag: int) -> str:
    return f"{int(tag):08X}"


def error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def json_number(value: Any) -> Any:
    """A JSON-safe number: Python int/float; non-finite floats as strings."""
    if isinstance(value, numpy.generic):
        value = value.item()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return float(value)
    try:
        return json_number(float(value))
    except (TypeError, ValueError):
        return str(value)


def as_list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, (str, bytes)) and len(value) == 0:
        return []
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return list(value)
    return [value]


def clean_text(s: str) -> str:
    """Trailing spaces and NULs removed, leading spaces removed."""
    return s.rstrip(" \x00").lstrip(" ")


def decode_text_value(raw: bytes, vr: str, encodings: list[str]) -> list[str]:
    """Decode a raw text value the way pydicom does (split on backslash bytes first, then
    decode each value with the dataset's character set), then clean each value."""
    if not raw or not raw.strip(b" \x00"):
        return []
    if vr in UNSPLIT_TEXT_VRS:
        return [clean_text(decode_bytes(raw, encodings, TEXT_VR_DELIMS))]
    out = []
    for part in raw.split(b"\\"):
        if vr == "PN":
            text = "=".join(decode_bytes(c, encodings, PN_DELIMS) for c in part.split(b"="))
        else:
            text = decode_bytes(part, encodings, TEXT_VR_DELIMS)
        out.append(clean_text(text))
    return out


def converted_text_value(elem: DataElement) -> list[str]:
    """Fallback for elements pydicom had already converted when the file was read."""
    values = as_list(elem.value)
    out = []
    for v in values:
        s = getattr(v, "original_string", None)
        if s is None:
            s = str(v)
        out.append(clean_text(s))
    if len(out) == 1 and out[0] == "":
        return []
    return out


def encapsulated_info(value: bytes, little_endian: bool) -> dict:
    info: dict[str, Any] = {"encapsulated": True}
    endianness = "<" if little_endian else ">"
    try:
        from io import BytesIO

        buf = BytesIO(value)
        offsets = parse_basic_offsets(buf, endianness=endianness)
        nr, _ = parse_fragments(buf, endianness=endianness)
        info["fragments"] = nr
        info["basic_offset_table_entries"] = len(offsets)
    except Exception as exc:  # noqa: BLE001
        info["fragments"] = None
        info["fragments_error"] = error_text(exc)
    return info


def describe_value(ds: Dataset, tag: int, raw: Any, elem: DataElement, encodings: list[str]) -> dict:
    vr = str(elem.VR)
    out: dict[str, Any] = {"vr": vr}
    raw_bytes = raw.value if isinstance(raw, RawDataElement) else None
    declared = raw.length if isinstance(raw, RawDataElement) else None

    if isinstance(raw_bytes, (bytes, bytearray)) and declared not in (None, UNDEFINED_LENGTH):
        if declared != len(raw_bytes):
            # Value cut short by the end of the file (pydicom does not complain).
            out["declared_length"] = declared
            out["bytes_read"] = len(raw_bytes)

    if vr == "SQ":
        out["items"] = len(elem.value) if elem.value is not None else 0
        return out

    if vr in TEXT_VRS:
        if isinstance(raw_bytes, (bytes, bytearray)):
            out["value"] = decode_text_value(bytes(raw_bytes), vr, encodings)
        else:
            out["value"] = converted_text_value(elem)
        return out

    if vr in NUMERIC_VRS:
        value = elem.value
        if isinstance(value, (bytes, bytearray)) and len(value) > 0:
            out["length"] = len(value)
            out["error"] = "pydicom left the value as bytes"
            return out
        out["value"] = [json_number(v) for v in as_list(value)]
        return out

    if vr == "AT":
        out["value"] = [tag_hex(v) for v in as_list(elem.value)]
        return out

    # Binary and anything else.
    value = raw_bytes if raw_bytes is not None else elem.value
    is_undefined = (declared == UNDEFINED_LENGTH) or getattr(elem, "is_undefined_length", False)
    if tag in PIXEL_DATA_TAGS and is_undefined:
        out.update(encapsulated_info(bytes(value or b""), ds.original_encoding[1] is not False))
        out["length"] = len(value) if value is not None else 0
        return out
    if value is None:
        out["length"] = 0
    elif isinstance(value, (bytes, bytearray)):
        out["length"] = len(value)
    else:
        out["length"] = None
        out["python_type"] = type(value).__name__
    return out


def count_recursive(ds: Dataset, errors: list[str], short: list[str], path: str = "") -> int:
    """Count elements at every depth; also note values shorter than their declared length
    (what a truncated file leaves behind: pydicom keeps the short value without complaint)."""
    n = 0
    for tag in list(ds.keys()):
        if (int(tag) >> 16) == 0x0002:
            continue
        n += 1
        here = f"{path}{tag_hex(tag)}"
        raw = ds.get_item(tag)
        if isinstance(raw, RawDataElement) and isinstance(raw.value, (bytes, bytearray)):
            if raw.length != UNDEFINED_LENGTH and raw.length != len(raw.value):
                short.append(here)
        try:
            elem = ds[tag]
        except Exception as exc:  # noqa: BLE001
            errors.append(f"{here}: {error_text(exc)}")
            continue
        if elem.VR == "SQ" and elem.value is not None:
            for i, item in enumerate(elem.value):
                n += count_recursive(item, errors, short, f"{here}[{i}].")
    return n


def private_sequences(ds: Dataset, path: str = "") -> list[str]:
    found = []
    for tag in list(ds.keys()):
        try:
            elem = ds[tag]
        except Exception:  # noqa: BLE001
            continue
        if elem.VR != "SQ" or elem.value is None:
            continue
        here = f"{path}{tag_hex(tag)}"
        if elem.tag.is_private:
            found.append(here)
        for i, item in enumerate(elem.value):
            found.extend(private_sequences(item, f"{here}[{i}]."))
    return found


def text_or_none(ds: Dataset, keyword: str) -> Any:
    try:
        value = ds.get(keyword)
    except Exception:  # noqa: BLE001
        return None
    if value is None:
        return None
    vals = as_list(value)
    if not vals:
        return None
    s = getattr(vals[0], "original_string", None) or str(vals[0])
    return clean_text(s)


def image_info(ds: Dataset) -> dict | None:
    if not any(t in ds for t in PIXEL_DATA_TAGS):
        return None

    def get_int(keyword: str, default: Any = None) -> Any:
        try:
            v = ds.get(keyword)
            return int(v) if v is not None and v != "" else default
        except Exception:  # noqa: BLE001
            return default

    info: dict[str, Any] = {
        "rows": get_int("Rows"),
        "columns": get_int("Columns"),
        "frames": get_int("NumberOfFrames", 1),
        "bits_allocated": get_int("BitsAllocated"),
        "bits_stored": get_int("BitsStored"),
        "pixel_representation": get_int("PixelRepresentation"),
        "samples_per_pixel": get_int("SamplesPerPixel"),
        "photometric_interpretation": text_or_none(ds, "PhotometricInterpretation"),
        "pixel_min": None,
        "pixel_max": None,
    }
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            arr = ds.pixel_array
        info["pixel_min"] = json_number(arr.min())
        info["pixel_max"] = json_number(arr.max())
        info["pixel_array_shape"] = list(arr.shape)
        info["pixel_array_dtype"] = str(arr.dtype)
    except Exception as exc:  # noqa: BLE001
        info["pixel_error"] = error_text(exc)
    return info


def read_dataset(path: Path, is_dcm: bool) -> tuple[Dataset | None, dict]:
    """Try dcmread(path); if that fails, dcmread(path, force=True)."""
    rec: dict[str, Any] = {"read_ok": False, "error": None, "needed_force": False}
    caught: list[str] = []
    ds = None
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        first_error = None
        if is_dcm:
            try:
                ds = pydicom.dcmread(path)
            except Exception as exc:  # noqa: BLE001
                first_error = error_text(exc)
        if ds is None:
            try:
                ds = pydicom.dcmread(path, force=True)
                rec["needed_force"] = True
            except Exception as exc:  # noqa: BLE001
                rec["error"] = error_text(exc)
                if first_error is not None:
                    rec["error_without_force"] = first_error
        if ds is not None:
            rec["read_ok"] = True
            if first_error is not None:
                rec["error_without_force"] = first_error
        caught.extend(str(x.message) for x in w)
    rec["warnings"] = sorted(set(caught))
    return ds, rec


def has_valid_element(ds: Dataset) -> bool:
    for tag in ds.keys():
        t = int(tag)
        if (t >> 16) != 0x0002 and dictionary_has_tag(t):
            return True
    return False


def describe_file(root: Path, path: Path, is_dcm: bool) -> dict | None:
    data = path.read_bytes()
    ds, rec = read_dataset(path, is_dcm)
    if not is_dcm and (ds is None or not has_valid_element(ds)):
        return None

    entry: dict[str, Any] = {
        "path": path.relative_to(root).as_posix(),
        "sha256": hashlib.sha256(data).hexdigest(),
        "file_size": len(data),
        "has_preamble": data[128:132] == b"DICM",
    }
    entry.update(rec)
    if ds is None:
        for key in ("transfer_syntax_uid", "sop_class_uid", "sop_instance_uid", "modality",
                    "series_instance_uid", "study_instance_uid", "patient_id",
                    "specific_character_set", "image", "encoding"):
            entry[key] = None
        entry["file_meta_tags"] = []
        entry["top_level_tags"] = []
        entry["element_count_recursive"] = 0
        entry["short_values"] = []
        entry["values"] = {}
        return entry

    meta = getattr(ds, "file_meta", None)
    meta_tags = [tag_hex(t) for t in meta.keys()] if meta is not None else []
    entry["file_meta_tags"] = meta_tags
    tsuid = None
    if meta is not None and "TransferSyntaxUID" in meta:
        tsuid = clean_text(str(meta.TransferSyntaxUID)) or None
    entry["transfer_syntax_uid"] = tsuid
    implicit, little = ds.original_encoding
    entry["encoding"] = {"implicit_vr": implicit, "little_endian": little}

    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        conversion_errors: list[str] = []
        try:
            cs = ds._character_set  # python codec name(s), as pydicom uses them
            encodings = [cs] if isinstance(cs, str) else list(cs)
        except Exception as exc:  # noqa: BLE001
            conversion_errors.append(f"charset: {error_text(exc)}")
            encodings = ["iso8859"]

        top_tags = [int(t) for t in ds.keys() if (int(t) >> 16) != 0x0002]
        entry["top_level_tags"] = [tag_hex(t) for t in top_tags]

        values: dict[str, Any] = {}
        short_values: list[str] = []
        for tag in top_tags:
            raw = ds.get_item(tag)  # raw element: must be taken before ds[tag] converts it
            try:
                elem = ds[tag]
            except Exception as exc:  # noqa: BLE001
                vr = getattr(raw, "VR", None)
                values[tag_hex(tag)] = {"vr": str(vr) if vr else None, "error": error_text(exc)}
                conversion_errors.append(f"{tag_hex(tag)}: {error_text(exc)}")
                continue
            try:
                values[tag_hex(tag)] = describe_value(ds, tag, raw, elem, encodings)
                if "declared_length" in values[tag_hex(tag)]:
                    short_values.append(tag_hex(tag))
            except Exception as exc:  # noqa: BLE001
                values[tag_hex(tag)] = {"vr": str(elem.VR), "error": error_text(exc)}
                conversion_errors.append(f"{tag_hex(tag)}: {error_text(exc)}")
        entry["values"] = values

        sc = ds.get("SpecificCharacterSet") if "SpecificCharacterSet" in ds else None
        if "SpecificCharacterSet" in ds:
            entry["specific_character_set"] = [clean_text(str(v)) for v in as_list(sc)]
        else:
            entry["specific_character_set"] = None
        for key, keyword in (("sop_class_uid", "SOPClassUID"), ("sop_instance_uid", "SOPInstanceUID"),
                             ("modality", "Modality"), ("series_instance_uid", "SeriesInstanceUID"),
                             ("study_instance_uid", "StudyInstanceUID"), ("patient_id", "PatientID")):
            entry[key] = text_or_none(ds, keyword)

        # Top-level elements are already converted here, so this adds only nested short values.
        entry["element_count_recursive"] = count_recursive(ds, conversion_errors, short_values)
        entry["short_values"] = short_values
        entry["private_sequences"] = private_sequences(ds)
        entry["image"] = image_info(ds)
        entry["conversion_errors"] = conversion_errors
        entry["warnings"] = sorted(set(entry["warnings"]) | {str(x.message) for x in w})
    return entry


def should_skip(name: str) -> bool:
    lower = name.lower()
    return lower.startswith(SKIP_PREFIXES) or Path(lower).suffix in SKIP_SUFFIXES


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_root", nargs="?", default=None,
                        help=f"folder to walk (default: {DEFAULT_DATA_ROOT} relative to the repository root)")
    parser.add_argument("-o", "--output", default=None,
                        help=f"output JSON (default: {DEFAULT_OUTPUT} in the repository)")
    args = parser.parse_args()

    if args.data_root is None:
        data_root_label = DEFAULT_DATA_ROOT
        root = (REPO_ROOT / DEFAULT_DATA_ROOT).resolve()
    else:
        data_root_label = args.data_root
        root = Path(args.data_root).resolve()
    output = Path(args.output) if args.output else REPO_ROOT / DEFAULT_OUTPUT
    if not root.is_dir():
        print(f"error: data root {root} is not a folder", file=sys.stderr)
        return 1

    candidates: list[tuple[str, Path, bool]] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in filenames:
            p = Path(dirpath) / name
            if not stat.S_ISREG(os.lstat(p).st_mode):
                continue
            is_dcm = name.lower().endswith(".dcm")
            if not is_dcm and should_skip(name):
                continue
            candidates.append((p.relative_to(root).as_posix(), p, is_dcm))
    candidates.sort()

    files = []
    for rel, p, is_dcm in candidates:
        entry = describe_file(root, p, is_dcm)
        if entry is None:
            print(f"skipped (not DICOM): {rel}", file=sys.stderr)
            continue
        files.append(entry)

    doc = {
        "provenance": {
            "generator": "Scripts/make-pydicom-fixtures.py",
            "pydicom": pydicom.__version__,
            "numpy": numpy.__version__,
            "python": platform.python_version(),
            "generated": datetime.date.today().isoformat(),
            "data_root": data_root_label,
        },
        "files": files,
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False, allow_nan=False)
    output.write_text(text + "\n", encoding="utf-8")

    failed = [f["path"] for f in files if not f["read_ok"]]
    forced = [f["path"] for f in files if f["needed_force"]]
    print(f"wrote {output} ({output.stat().st_size} bytes): {len(files)} files, "
          f"{len(failed)} unreadable, {len(forced)} needed force=True", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
