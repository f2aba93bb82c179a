#!/usr/bin/env bash
# What a reviewer waits for on a slow line: the case page's first image, every axial slice (CT, dose,
# contours), and every slice of the three views, with Chromium's network emulation at 2 Mbit/s (40 ms
# latency, empty cache), for the posterior fossa phantom as written (137 x 173 x 79) and padded to a
# 512 x 512 field of view. Results: bench/viewer/out/*.json. Takes a few minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
KBIT=${KBIT:-2000}
OUT=bench/viewer/out
mkdir -p "$OUT"
VENV=${ANCHOR_BROWSER_VENV:-/tmp/anchor-browser-venv}
Tests/Browser/run.sh --help >/dev/null  # installs chromium, chromedriver and the venv
"$VENV/bin/python" -c 'import numpy' 2>/dev/null || "$VENV/bin/pip" install -q numpy
swift build --product anchor >/dev/null 2>&1 || swift build --product anchor
WORK=$(mktemp -d /tmp/anchor-viewer-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
.build/debug/anchor phantom --site posterior-fossa --age 4 --out "$WORK/pf" >/dev/null
"$VENV/bin/python" bench/viewer/pad-ct.py "$WORK/pf" "$WORK/pf512"
for c in pf pf512; do
    ANCHOR_BIN=.build/debug/anchor Tests/Browser/run.sh --case-dir "$WORK/$c" --protocol posterior-fossa --age 4 \
        --throttle "$KBIT" --json "$OUT/$c-${KBIT}kbit.json" | tail -14
done
