#!/usr/bin/env python3
"""Generate Sources/AnchorDICOM/Dictionary/DataDictionary+Generated.swift.

The facts (DICOM PS3.6 data dictionary, PS3.7 command fields and PS3.6 Annex A
UIDs) are taken from pydicom's bundled dictionaries:

    pydicom._dicom_dict.DicomDictionary
    pydicom._dicom_dict.RepeatersDictionary
    pydicom._uid_dict.UID_dictionary

pydicom is used from the running interpreter when a 3.x version is importable;
otherwise it is installed from PyPI (pydicom==3.0.1, else the newest 3.x) into a
throw-away virtualenv in a temporary directory, never inside the repository.

Usage:
    python3 Scripts/generate-dictionary.py [OUTPUT] [--force-install]

OUTPUT defaults to Sources/AnchorDICOM/Dictionary/DataDictionary+Generated.swift
relative to the repository root (the parent of this script's folder).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

PINNED = "pydicom==3.0.1"
FALLBACK = "pydicom>=3,<4"

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUTPUT = os.path.join(
    REPO_ROOT, "Sources", "AnchorDICOM", "Dictionary", "DataDictionary+Generated.swift"
)

# Run in whichever interpreter has pydicom; prints the dictionaries as JSON.
DUMP_SNIPPET = r"""
import json, sys
import pydicom
from pydicom._dicom_dict import DicomDictionary, RepeatersDictionary
from pydicom._uid_dict import UID_dictionary
json.dump({
    "version": pydicom.__version__,
    "attributes": [["%08X" % k, list(v)] for k, v in DicomDictionary.items()],
    "repeaters": [[str(k), list(v)] for k, v in RepeatersDictionary.items()],
    "uids": [[str(k), list(v)] for k, v in UID_dictionary.items()],
}, sys.stdout)
"""


def log(msg):
    print(msg, file=sys.stderr)


def run_dump(python, env=None):
    out = subprocess.run(
        [python, "-c", DUMP_SNIPPET], check=True, stdout=subprocess.PIPE, env=env
    ).stdout
    return json.loads(out)


def local_pydicom_is_usable():
    try:
        import pydicom  # noqa: F401
    except ImportError:
        return False
    major = str(getattr(pydicom, "__version__", "0")).split(".")[0]
    if major != "3":
        log("ignoring installed pydicom %s (need 3.x)" % pydicom.__version__)
        return False
    return True


def pip_install(pip_cmd, extra=()):
    """Try the pinned version, then the newest 3.x."""
    for spec in (PINNED, FALLBACK):
        cmd = list(pip_cmd) + ["install", "--quiet", "--disable-pip-version-check"]
        cmd += list(extra) + [spec]
        log("running: " + " ".join(cmd))
        if subprocess.run(cmd).returncode == 0:
            return True
    return False


def load_data(force_install):
    if not force_install and local_pydicom_is_usable():
        log("using pydicom from the current interpreter")
        return run_dump(sys.executable)

    with tempfile.TemporaryDirectory(prefix="anchor-pydicom-") as tmp:
        venv_dir = os.path.join(tmp, "venv")
        made_venv = subprocess.run([sys.executable, "-m", "venv", venv_dir]).returncode == 0
        bindir = "Scripts" if os.name == "nt" else "bin"
        venv_python = os.path.join(venv_dir, bindir, "python")
        if made_venv and os.path.exists(venv_python):
            if pip_install([venv_python, "-m", "pip"]):
                return run_dump(venv_python)
            log("pip install into the virtualenv failed")
        else:
            log("could not create a virtualenv (is python3-venv installed?)")

        # Fallback: pip install --target into the temp dir, then import from there.
        target = os.path.join(tmp, "site")
        if pip_install([sys.executable, "-m", "pip"], ["--target", target]):
            env = dict(os.environ)
            env["PYTHONPATH"] = target + os.pathsep + env.get("PYTHONPATH", "")
            return run_dump(sys.executable, env=env)
    sys.exit("error: could not obtain pydicom 3.x from PyPI")


# ---------------------------------------------------------------------------
# Normalisation


def norm_vr(vr):
    vr = (vr or "").strip()
    if not vr or vr.upper() == "NONE":
        return "UN"
    parts = [p.strip().upper() for p in vr.split(" or ")]
    for p in parts:
        if len(p) != 2 or not p.isalpha():
            raise ValueError("unexpected VR %r" % vr)
    return "|".join(parts)


def norm_repeater_tag(mask):
    mask = str(mask).strip()
    if len(mask) != 8:
        raise ValueError("unexpected repeater mask %r" % mask)
    out = []
    for ch in mask:
        if ch in "xX":
            out.append("x")
        elif ch in "0123456789abcdefABCDEF":
            out.append(ch.upper())
        else:
            raise ValueError("unexpected repeater mask %r" % mask)
    return "".join(out)


def retired_flag(value):
    value = (value or "").strip()
    if value not in ("", "Retired"):
        raise ValueError("unexpected retired flag %r" % value)
    return "R" if value == "Retired" else ""


def clean(field):
    field = "" if field is None else str(field).strip()
    if "\t" in field or "\n" in field or "\r" in field:
        raise ValueError("field contains a TAB or newline: %r" % field)
    return field


def attribute_lines(data):
    rows = []  # (sort key, repeater?, line)
    for tag, (vr, vm, name, retired, keyword) in data["attributes"]:
        tag = tag.upper()
        fields = [tag, norm_vr(vr), clean(vm), clean(keyword), retired_flag(retired), clean(name)]
        rows.append((int(tag, 16), 0, "\t".join(fields)))
    for mask, (vr, vm, name, retired, keyword) in data["repeaters"]:
        tag = norm_repeater_tag(mask)
        fields = [tag, norm_vr(vr), clean(vm), clean(keyword), retired_flag(retired), clean(name)]
        rows.append((int(tag.replace("x", "0"), 16), 1, "\t".join(fields)))
    rows.sort()
    return [line for _, _, line in rows]


def uid_lines(data):
    def key(uid):
        return [int(p) if p.isdigit() else p for p in uid.split(".")]

    lines = []
    for uid, (name, uid_type, _info, retired, keyword) in sorted(data["uids"], key=lambda r: key(r[0])):
        fields = [clean(uid), clean(name), clean(uid_type), clean(keyword), retired_flag(retired)]
        lines.append("\t".join(fields))
    return lines


def literal(lines, indent="    "):
    for line in lines:
        if '"""' in line or "\\#" in line:
            raise ValueError("line cannot go in a raw string literal: %r" % line)
    return "\n".join(indent + line for line in lines)


def render(data):
    attrs = attribute_lines(data)
    uids = uid_lines(data)
    out = []
    out.append(
        "// Generated by Scripts/generate-dictionary.py from pydicom %s "
        "(DICOM PS3.6 data dictionary and PS3.6 Annex A UIDs). Do not edit by hand.\n" % data["version"]
    )
    out.append("extension DataDictionary {")
    out.append("    /// One line per attribute of DICOM PS3.6 section 6 (and PS3.7 command group fields where pydicom has them):")
    out.append("    /// tag as 8 uppercase hex digits (group then element; repeating-group digits written as lowercase `x`, e.g. `60xx3000`),")
    out.append("    /// TAB, VR (alternatives joined with `|`, e.g. `US|SS`, `OB|OW`; use `UN` when none), TAB, VM (e.g. `1`, `1-n`, `2-2n`),")
    out.append("    /// TAB, keyword (may be empty), TAB, `R` when retired else empty, TAB, name.")
    out.append('    static let generatedAttributes: String = #"""')
    out.append(literal(attrs))
    out.append('    """#')
    out.append("")
    out.append("    /// One line per UID of DICOM PS3.6 Annex A: UID, TAB, name, TAB, type (e.g. `Transfer Syntax`, `SOP Class`), TAB, keyword, TAB, `R` when retired else empty.")
    out.append('    static let generatedUIDs: String = #"""')
    out.append(literal(uids))
    out.append('    """#')
    out.append("}")
    return "\n".join(out) + "\n", len(attrs), len(uids)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output", nargs="?", default=DEFAULT_OUTPUT, help="Swift file to write")
    parser.add_argument(
        "--force-install",
        action="store_true",
        help="ignore any pydicom in this interpreter and install one into a temporary virtualenv",
    )
    args = parser.parse_args()

    data = load_data(args.force_install)
    text, n_attrs, n_uids = render(data)
    output = os.path.abspath(args.output)
    os.makedirs(os.path.dirname(output), exist_ok=True)
    with open(output, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    log("wrote %s: pydicom %s, %d attributes, %d UIDs" % (output, data["version"], n_attrs, n_uids))


if __name__ == "__main__":
    main()
