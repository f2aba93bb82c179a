#!/usr/bin/env python3
"""Generate Sources/AnchorDICOM/Deidentify/DeidentificationProfile+Generated.swift.

The facts are DICOM PS3.15 Annex E, Table E.1-1 "Application Level Confidentiality
Profile Attributes": for every attribute, the action of the Basic Application Level
Confidentiality Profile and the action of each option column.

The standard's own DocBook/XML of part 15 cannot be fetched on the machines that build
Anchor (only package registries are reachable), so the table is taken from two PyPI
packages that ship it in machine-readable form, each pinned to a version and a SHA-256:

  * idiscore 1.6.0 (GPLv3), module `idiscore/_public_dicom.py`: every column of
    Table E.1-1 (basic profile and the eleven option columns), scraped by its authors
    from the standard's HTML rendering of PS3.15 chapter E on 2025-06-24. This is the
    primary source and the only one for the option columns.
  * dicom-anonymizer 2.1.0 (BSD), module `dicomanonymizer/dicom_anonymization_databases/
    dicomfields_2026c.py`: the basic profile column only, from the 2026c edition. Used
    (a) to cross-check every basic-profile action (the script stops when the two sources
    disagree on a tag both list) and (b) to add the rows that the newer edition has and
    the 2025-06 scrape lacks; those rows carry the basic action in every option column
    (the stricter reading, since their option columns are not known here) and are
    marked with source `A` in the table.

Only the data are read, by parsing the Python source with `ast`; neither package is
imported or installed. The wheels are fetched with `pip download --no-deps` into a
temporary folder (never inside the repository) and checked against the pinned SHA-256.
Keywords and names come from Anchor's own PS3.6 dictionary
(Sources/AnchorDICOM/Dictionary/DataDictionary+Generated.swift), falling back to the
source's comment for attributes the dictionary does not have.

Usage:
    python3 Scripts/generate-deid-profile.py [OUTPUT] [--wheels DIR]

--wheels DIR uses wheels already downloaded there (same pinned file names and hashes).
"""

import argparse
import ast
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import zipfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUTPUT = os.path.join(
    REPO_ROOT, "Sources", "AnchorDICOM", "Deidentify", "DeidentificationProfile+Generated.swift"
)
DICTIONARY = os.path.join(REPO_ROOT, "Sources", "AnchorDICOM", "Dictionary", "DataDictionary+Generated.swift")

IDISCORE = {
    "spec": "idiscore==1.6.0",
    "file": "idiscore-1.6.0-py2.py3-none-any.whl",
    "sha256": "c2b8dbb252390ea3072ed3a069fd21c0814c40dd2a7f344d9ffe15e1e6afe14a",
    "member": "idiscore/_public_dicom.py",
    # idiscore 1.6.0 declares Python >= 3.12; the wheel is pure Python, so ask pip for it explicitly.
    "pip_extra": ["--python-version", "3.12", "--only-binary=:all:"],
}
ANONYMIZER = {
    "spec": "dicom-anonymizer==2.1.0",
    "file": "dicom_anonymizer-2.1.0-py3-none-any.whl",
    "sha256": "bf642a6b43afd362faa2c7d2b101a3d4765cf85cf0d7590795e3ee556e636b8b",
    "member": "dicomanonymizer/dicom_anonymization_databases/dicomfields_2026c.py",
    "pip_extra": ["--only-binary=:all:"],
}

# Table E.1-1 columns, in the order written to the Swift table (idiscore's rule-set names).
OPTION_COLUMNS = [
    "retain_safe_private",
    "retain_uid",
    "retain_device_id",
    "retain_institution_id",
    "retain_patient_characteristics",
    "retain_full_dates",
    "retain_modified_dates",
    "clean_descriptors",
    "clean_structured_content",
    "clean_graphics",
]

# idiscore ActionCodes attribute -> the standard's notation (PS3.15 E.1.1, legend of Table E.1-1).
IDISCORE_ACTIONS = {
    "DUMMY": "D",
    "EMPTY": "Z",
    "REMOVE": "X",
    "KEEP": "K",
    "CLEAN": "C",
    "UID": "U",
    "EMPTY_OR_DUMMY": "Z/D",
    "REMOVE_OR_EMPTY": "X/Z",
    "REMOVE_OR_DUMMY": "X/D",
    "REMOVE_OR_EMPTY_OR_DUMMY": "X/Z/D",
    "REMOVE_OR_EMPTY_OR_UID": "X/Z/U*",
}

# dicom-anonymizer list name -> the standard's notation.
ANONYMIZER_LISTS = {
    "D_TAGS": "D",
    "Z_TAGS": "Z",
    "X_TAGS": "X",
    "U_TAGS": "U",
    "Z_D_TAGS": "Z/D",
    "X_Z_TAGS": "X/Z",
    "X_D_TAGS": "X/D",
    "X_Z_D_TAGS": "X/Z/D",
    "X_Z_U_STAR_TAGS": "X/Z/U*",
}


def log(msg):
    print(msg, file=sys.stderr)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch(pkg, folder):
    path = os.path.join(folder, pkg["file"])
    if not os.path.exists(path):
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "--quiet",
               "-d", folder] + pkg["pip_extra"] + [pkg["spec"]]
        log("running: " + " ".join(cmd))
        subprocess.run(cmd, check=True)
    digest = sha256(path)
    if digest != pkg["sha256"]:
        sys.exit("error: %s has SHA-256 %s, expected %s" % (path, digest, pkg["sha256"]))
    with zipfile.ZipFile(path) as z:
        return z.read(pkg["member"]).decode("utf-8")


def parse_idiscore(source):
    """{column: {key: action}} where key is 8 hex digits, an `x` mask, or PRIVATE."""
    tree = ast.parse(source)
    tables = {}
    names = {}
    comments = {}
    # idiscore writes the attribute name as a trailing comment; keep it for tags our dictionary lacks.
    for line in source.splitlines():
        m = re.search(r'"([0-9a-fA-Fx]{8})".*#\s*(.+)$', line)
        if m:
            comments[m.group(1).lower()] = m.group(2).strip()
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
            continue
        column = node.targets[0].id
        kw = {k.arg: k.value for k in node.value.keywords}
        if "rules" not in kw:
            continue
        rows = {}
        for element in kw["rules"].elts:
            ident, action = element.elts
            kind = ident.func.id
            if kind == "PrivateTags":
                key = "PRIVATE"
            elif kind in ("SingleTag", "RepeatingGroup"):
                key = ident.args[0].value.lower()
                if not re.fullmatch(r"[0-9a-fx]{8}", key):
                    raise ValueError("unexpected tag %r" % key)
            else:
                raise ValueError("unexpected identifier %s" % kind)
            code = IDISCORE_ACTIONS[action.attr]
            if key in rows and rows[key] != code:
                raise ValueError("%s lists %s twice with different actions" % (column, key))
            rows[key] = code
        tables[column] = rows
        names[column] = ast.literal_eval(kw["name"]) if "name" in kw else column
    missing = {"basic_profile", *OPTION_COLUMNS} - set(tables)
    if missing:
        raise ValueError("idiscore table lacks columns %s" % sorted(missing))
    return tables, comments


def parse_anonymizer(source):
    """{8-hex key: action} for single tags of the basic profile, and {key: name} from comments."""
    tree = ast.parse(source)
    rows = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and node.targets[0].id in ANONYMIZER_LISTS:
            code = ANONYMIZER_LISTS[node.targets[0].id]
            for t in ast.literal_eval(node.value):
                if len(t) != 2:
                    continue  # repeating groups: idiscore has them
                key = "%04x%04x" % t
                if key in rows and rows[key] != code:
                    raise ValueError("dicom-anonymizer lists %s twice" % key)
                rows[key] = code
    names = {}
    for line in source.splitlines():
        m = re.search(r"\(0x([0-9A-Fa-f]{4}), 0x([0-9A-Fa-f]{4})\),\s*#\s*(.+)$", line)
        if m:
            names[(m.group(1) + m.group(2)).lower()] = m.group(3).strip()
    return rows, names


def read_dictionary():
    out = {}
    with open(DICTIONARY, encoding="utf-8") as f:
        for line in f:
            fields = line.strip("\n").lstrip().split("\t")
            if len(fields) >= 6 and re.fullmatch(r"[0-9A-Fx]{8}", fields[0]):
                out[fields[0].lower()] = (fields[3], fields[5])
    return out


def clean(text):
    text = (text or "").strip()
    if "\t" in text or "\n" in text or '"""' in text:
        raise ValueError("field cannot be written: %r" % text)
    return text


def build(idis, idis_comments, anon, anon_names, dictionary):
    basic = idis["basic_profile"]
    disagreements = [k for k in basic if k in anon and anon[k] != basic[k]]
    if disagreements:
        sys.exit("error: the two sources disagree on the basic profile for %s" % ", ".join(sorted(disagreements)))
    keys = set(basic)
    for column in OPTION_COLUMNS:
        extra = set(idis[column]) - keys
        if extra:
            raise ValueError("option %s names tags outside the basic profile: %s" % (column, sorted(extra)))
    added = sorted(set(anon) - keys)
    rows = []
    for key in sorted(keys | set(added), key=lambda k: (k == "PRIVATE", k.replace("x", "0"))):
        if key in basic:
            actions = [basic[key]] + [idis[c].get(key, "") for c in OPTION_COLUMNS]
            source = "E"
        else:
            actions = [anon[key]] + [""] * len(OPTION_COLUMNS)
            source = "A"
        if key == "PRIVATE":
            keyword, name = "", "Private Attributes"
        else:
            keyword, name = dictionary.get(key, ("", ""))
            if not name:
                name = anon_names.get(key) or idis_comments.get(key, "")
                if name == "Unknown":
                    name = ""
        tag = key if key == "PRIVATE" else key.upper().replace("X", "x")
        rows.append("\t".join([tag] + actions + [clean(keyword), clean(name), source]))
    return rows, added, len(basic)


def render(rows, added, n_idiscore):
    head = [
        "// Generated by Scripts/generate-deid-profile.py. Do not edit by hand.",
        "//",
        "// DICOM PS3.15 Annex E, Table E.1-1 (Application Level Confidentiality Profile Attributes).",
        "// The standard's DocBook/XML could not be fetched where Anchor is built, so the table comes from",
        "// two PyPI packages that ship it, read as data (see the script for the pinned hashes):",
        "//   %d rows with every column: idiscore 1.6.0, `idiscore/_public_dicom.py`, scraped by its authors" % n_idiscore,
        "//       from the standard's HTML of PS3.15 chapter E on 2025-06-24 (source `E` below);",
        "//   %d rows with the basic profile column only: dicom-anonymizer 2.1.0, `dicomfields_2026c.py`" % len(added),
        "//       (PS3.15 2026c), for rows the 2025-06 scrape lacks (source `A`); their option columns are",
        "//       left empty, so every option applies the basic action to them (the stricter reading).",
        "// Every basic-profile action that both sources give was checked to agree.",
        "",
        "extension DeidentificationProfile {",
        "    /// One line per row of Table E.1-1: tag (8 uppercase hex digits, lowercase `x` for the digits of",
        "    /// a repeating group, `PRIVATE` for the row of private attributes), TAB, the basic profile action",
        "    /// (`D`, `Z`, `X`, `K`, `C`, `U`, `Z/D`, `X/Z`, `X/D`, `X/Z/D`, `X/Z/U*`), then TAB and the action of",
        "    /// each option column in the order of `DeidentificationProfile.optionColumns` (empty where the",
        "    /// option does not change the basic action), TAB, keyword, TAB, name, TAB, source (`E` or `A`).",
        '    static let generatedRows: String = #"""',
    ]
    body = ["    " + r for r in rows]
    tail = ['    """#', "}"]
    return "\n".join(head + body + tail) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output", nargs="?", default=DEFAULT_OUTPUT)
    parser.add_argument("--wheels", help="folder holding the pinned wheels (downloaded when absent)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="anchor-deid-") as tmp:
        folder = args.wheels or tmp
        idis_src = fetch(IDISCORE, folder)
        anon_src = fetch(ANONYMIZER, folder)
    idis, idis_comments = parse_idiscore(idis_src)
    anon, anon_names = parse_anonymizer(anon_src)
    rows, added, n_idiscore = build(idis, idis_comments, anon, anon_names, read_dictionary())
    text = render(rows, added, n_idiscore)
    output = os.path.abspath(args.output)
    os.makedirs(os.path.dirname(output), exist_ok=True)
    with open(output, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    log("wrote %s: %d rows (%d from idiscore, %d added from dicom-anonymizer: %s)"
        % (output, len(rows), n_idiscore, len(added), ", ".join(added)))


if __name__ == "__main__":
    main()
