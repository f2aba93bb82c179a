#!/usr/bin/env bash
# Writes every site and variant of `anchor phantom` (at a young and an older age) and checks each case:
#   - `anchor inspect` finds one case with no problems;
#   - dcmtk's dcmdump reads every file without a warning or an error;
#   - pydicom reads every file with strict value validation, decodes every element and the pixel data,
#     without a warning.
# Installs dcmtk (apt) and a pydicom venv (PyPI) when missing. Usage: Scripts/check-phantoms.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

OUT="${1:-$(mktemp -d /tmp/anchor-phantoms.XXXXXX)}"
VENV="${ANCHOR_CHECK_VENV:-/tmp/anchor-check-venv}"
AGES="${ANCHOR_PHANTOM_AGES:-2 14}"

if ! command -v dcmdump >/dev/null 2>&1; then
  echo "== installing dcmtk"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dcmtk >/dev/null
fi
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import pydicom, numpy' 2>/dev/null; then
  echo "== creating $VENV with pydicom and numpy"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q 'pydicom>=3,<4' numpy
fi

echo "== building anchor (release)"
swift build -c release --product anchor 2>&1 | tail -1
ANCHOR=.build/release/anchor

PYCHECK=$(cat <<'PY'
import sys, os, glob, warnings
import pydicom
from pydicom import config
config.settings.reading_validation_mode = config.RAISE
bad = 0; n = 0
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.dcm"))):
    n += 1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            ds = pydicom.dcmread(f)
            ds.walk(lambda d_, e: e.value)
            if "PixelData" in ds:
                ds.pixel_array
        except Exception as e:
            print(f"  {f}: {type(e).__name__}: {str(e).splitlines()[0]}"); bad += 1; continue
        for w in caught:
            print(f"  {f}: warning {w.category.__name__}: {w.message}"); bad += 1
print(f"  pydicom: {n} files, {bad} problems")
sys.exit(1 if bad else 0)
PY
)

failures=0
sites=$("$ANCHOR" phantom --list --json | "$VENV/bin/python" -c 'import json,sys; d=json.load(sys.stdin); print(" ".join(s["site"]+":"+",".join(v["variant"] for v in s["variants"]) for s in d["sites"]))')
for entry in $sites; do
  site=${entry%%:*}
  for variant in $(echo "${entry#*:}" | tr ',' ' '); do
    for age in $AGES; do
      dir="$OUT/$site-$variant-${age}y"
      echo "== $site $variant age $age -> $dir"
      start=$(date +%s.%N)
      "$ANCHOR" phantom --site "$site" --age "$age" --variant "$variant" --out "$dir" | sed -n '1p;$p' | sed 's/^/  /'
      echo "  written in $(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)") s"
      problems=$("$ANCHOR" inspect "$dir" --json | "$VENV/bin/python" -c 'import json,sys; c=json.load(sys.stdin)["cases"]; print(len(c), sum(len(x["problems"]) for x in c))')
      if [ "$problems" != "1 0" ]; then echo "  inspect: cases, problems = $problems"; failures=$((failures+1)); else echo "  inspect: one case, no problems"; fi
      dump=$(dcmdump "$dir"/*.dcm 2>&1 >/dev/null | grep -E '^(W|E):' || true)
      dumpout=$(dcmdump "$dir"/*.dcm 2>/dev/null | grep -cE '^(W|E):' || true)
      if [ -n "$dump" ] || [ "$dumpout" != "0" ]; then echo "  dcmdump complained:"; echo "$dump" | head -5; failures=$((failures+1)); else echo "  dcmdump: no warnings"; fi
      "$VENV/bin/python" -c "$PYCHECK" "$dir" || failures=$((failures+1))
    done
  done
done
echo "== $failures failed checks; cases in $OUT"
[ "$failures" -eq 0 ]
