#!/usr/bin/env bash
# Reads the output of `anchor deid` with two other toolkits, pydicom and DCMTK, and checks it against
# the input with an independent implementation of Anchor's UID derivation (HMAC-SHA-256 of the old UID
# under the centre secret, PS3.5 B.2 `2.25.` form):
#   - pydicom reads every output file (dcmread with the Part 10 format enforced, every element decoded);
#   - DCMTK's dcmdump reads every output file without a warning or an error;
#   - every output object is found under the UID derived from its input's SOP Instance UID, and every
#     reference (contour images, referenced plan, structure set, frame of reference) is the derived UID;
#   - pixel data, dose grids, contour data and beam geometry are equal to the input's, value for value;
#   - no Patient's Name, Patient ID or birth date of the input occurs in any output file.
#
# Usage: Scripts/check-deid-with-pydicom.sh [INPUT...]
#   INPUT defaults to the shared data cases (Eclipse prostate, synthetic spheres, proton plan). Run by hand;
#   it builds anchor, installs pydicom into a virtualenv under /tmp, and needs dcmdump (apt-get install dcmtk).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SHARED="${ANCHOR_SHARED_DATA:-$ROOT/../shared/data}"
VENV="${ANCHOR_CHECK_VENV:-/tmp/anchor-deid-check-venv}"
if [ "$#" -gt 0 ]; then INPUTS=("$@"); else
  INPUTS=("$SHARED/eclipse-prostate" "$SHARED/synthetic-spheres/dicom_gauss" "$SHARED/proton-aptg/plan03_ramp_full")
fi

command -v dcmdump >/dev/null || { echo "dcmdump not found: apt-get install -y dcmtk" >&2; exit 2; }
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check pydicom numpy
fi
(cd "$ROOT" && swift build --product anchor >/dev/null)

WORK="$(mktemp -d /tmp/anchor-deid-check.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
printf 'pydicom cross-check secret, 32+ bytes' > "$WORK/centre.secret"
set +e
"$ROOT/.build/debug/anchor" deid "${INPUTS[@]}" --out "$WORK/out" --centre-secret "$WORK/centre.secret" --keep-dates
status=$?
set -e
echo "anchor deid exited $status (65 means some input was refused; see above)"

fails=0
n=0
for f in $(find "$WORK/out" -name '*.dcm' | sort); do
  n=$((n + 1))
  err="$(dcmdump --log-level warn "$f" 2>&1 >/dev/null)" || { echo "dcmdump failed on $f"; fails=$((fails + 1)); }
  if [ -n "$err" ]; then echo "dcmdump on $f: $err"; fails=$((fails + 1)); fi
done
echo "dcmdump read $n files, $fails with warnings or errors"

set +e
"$VENV/bin/python" - "$WORK/centre.secret" "$WORK/out" "${INPUTS[@]}" <<'PY'
import hashlib, hmac, os, sys
import numpy as np
import pydicom
from pydicom.dataset import Dataset

secret_path, out_dir, inputs = sys.argv[1], sys.argv[2], sys.argv[3:]
key = open(secret_path, "rb").read().rstrip(b" \t\r\n")

def derive(uid):
    """Anchor's UID derivation, written again from its documentation."""
    if not uid:
        return uid
    mac = bytearray(hmac.new(key, b"anchor-deid/uid\0" + uid.encode(), hashlib.sha256).digest()[:16])
    mac[6] = (mac[6] & 0x0F) | 0x80
    mac[8] = (mac[8] & 0x3F) | 0x80
    return "2.25." + str(int.from_bytes(mac, "big"))

def files(paths):
    for p in paths:
        if os.path.isfile(p):
            yield p
        for d, _, names in os.walk(p):
            for n in sorted(names):
                yield os.path.join(d, n)

outputs = {}
problems = []
for path in files([out_dir]):
    try:
        ds = pydicom.dcmread(path, enforce_file_format=True)  # pydicom 3: preamble, DICM and meta required
    except TypeError:
        ds = pydicom.dcmread(path, force=False)  # pydicom 2 spelling of the same requirement
    for elem in ds.iterall():
        _ = str(elem.value)  # every value decodes
    if ds.get("PatientIdentityRemoved") != "YES":
        problems.append(f"{path}: Patient Identity Removed is not YES")
    outputs[ds.SOPInstanceUID] = (path, ds)

identities = set()
compared = 0
for path in files(inputs):
    try:
        src = pydicom.dcmread(path)
    except Exception:
        continue
    if "SOPInstanceUID" not in src:
        continue
    for tag in ("PatientName", "PatientID", "PatientBirthDate"):
        v = str(src.get(tag, "") or "")
        if len(v) >= 3:
            identities.add(v)
    new = derive(src.SOPInstanceUID)
    if new not in outputs:
        print(f"not in the output (refused?): {path}")
        continue
    out_path, out = outputs[new]
    compared += 1
    if "PixelData" in src:
        if not np.array_equal(src.pixel_array, out.pixel_array):
            problems.append(f"{out_path}: pixel data differ from {path}")
    for a in ("DoseGridScaling", "GridFrameOffsetVector", "ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing"):
        if a in src and src[a].value != out[a].value:
            problems.append(f"{out_path}: {a} differs")
    if "FrameOfReferenceUID" in src and out.FrameOfReferenceUID != derive(src.FrameOfReferenceUID):
        problems.append(f"{out_path}: frame of reference is not the derived UID")
    for rc_src, rc_out in zip(src.get("ROIContourSequence", []), out.get("ROIContourSequence", [])):
        for c_src, c_out in zip(rc_src.get("ContourSequence", []), rc_out.get("ContourSequence", [])):
            if list(c_src.ContourData) != list(c_out.ContourData):
                problems.append(f"{out_path}: contour data differ")
            for i_src, i_out in zip(c_src.get("ContourImageSequence", []), c_out.get("ContourImageSequence", [])):
                if i_out.ReferencedSOPInstanceUID != derive(i_src.ReferencedSOPInstanceUID):
                    problems.append(f"{out_path}: contour image reference not derived")
    for seq in ("ReferencedRTPlanSequence", "ReferencedStructureSetSequence"):
        for r_src, r_out in zip(src.get(seq, []), out.get(seq, [])):
            if r_out.get("ReferencedSOPInstanceUID", "") != derive(r_src.get("ReferencedSOPInstanceUID", "")):
                problems.append(f"{out_path}: {seq} reference not derived")
    for beams in ("BeamSequence", "IonBeamSequence"):
        for b_src, b_out in zip(src.get(beams, []), out.get(beams, [])):
            for cp_src, cp_out in zip(b_src.get("ControlPointSequence", []) or b_src.get("IonControlPointSequence", []),
                                      b_out.get("ControlPointSequence", []) or b_out.get("IonControlPointSequence", [])):
                for a in ("GantryAngle", "IsocenterPosition", "CumulativeMetersetWeight", "BeamLimitingDevicePositionSequence"):
                    if a in cp_src and str(cp_src[a].value) != str(cp_out[a].value):
                        problems.append(f"{out_path}: {beams} {a} differs")

for out_path, _ in outputs.values():
    raw = open(out_path, "rb").read()
    for ident in identities:
        if ident.encode() in raw:
            problems.append(f"{out_path}: still holds '{ident}'")

print(f"pydicom {pydicom.__version__} read {len(outputs)} files; {compared} compared with their inputs")
for p in problems:
    print("PROBLEM:", p)
sys.exit(1 if problems else 0)
PY
pystatus=$?
if [ "$fails" -eq 0 ] && [ "$pystatus" -eq 0 ]; then echo "all checks passed"; exit 0; fi
exit 1
