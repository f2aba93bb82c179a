#!/usr/bin/env bash
# The DVH benchmark, in one command:
#
#   bash bench/dvh/run.sh [run.py options, e.g. --rounds 3 --cases-only heavy]
#
# 1. Two virtualenvs under /tmp (never inside the repository): VENV with plastimatch, pydicom and numpy
#    (writes the cases, runs plastimatch and the runner), DCORE_VENV with dicompyler-core and the
#    pydicom 2.4.4 it needs.
# 2. `anchor` in release: swift build -c release --product anchor --scratch-path .build-release
#    (several minutes the first time: the package includes the Vapor server).
# 3. The cases, as DICOM files under CASES (bench/dvh/make_cases.py; the heavy case is kept once written),
#    plus shared/data's eclipse-prostate and synthetic-spheres.
# 4. bench/dvh/run.py: every tool on every case in one run, alternating, ROUNDS rounds after a warm-up;
#    process wall time end to end from the files, medians, ratios against Anchor, and the accuracy of
#    each tool against the exact values. Writes bench/out/dvh/results.txt (what it prints),
#    results.json, runs.jsonl (every measurement) and raw/ (each tool's last output).
#
# Environment: CASES=/tmp/anchor-dvh-cases  VENV=/tmp/anchor-dvh-venv  DCORE_VENV=/tmp/anchor-dvh-dcore-venv
#              SHARED=<repo>/../shared/data  ROUNDS=5  IDLE_WAIT=60 (s to wait for a quiet second before
#              each round)  SKIP_BUILD=1 (use the existing .build-release/release/anchor)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CASES=${CASES:-/tmp/anchor-dvh-cases}
VENV=${VENV:-/tmp/anchor-dvh-venv}
DCORE_VENV=${DCORE_VENV:-/tmp/anchor-dvh-dcore-venv}
SHARED=${SHARED:-$(cd "$ROOT/.." && pwd)/shared/data}
ROUNDS=${ROUNDS:-5}
IDLE_WAIT=${IDLE_WAIT:-60}
OUT="$ROOT/bench/out/dvh"
mkdir -p "$OUT"
log() { echo "dvh-bench: $*" >&2; }

# 1. Virtualenvs.
if ! "$VENV/bin/python" -c "import pydicom, numpy" 2>/dev/null || [ ! -x "$VENV/bin/plastimatch" ]; then
    log "creating $VENV (plastimatch, pydicom, numpy)"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "plastimatch==1.10.0" pydicom numpy
fi
if ! "$DCORE_VENV/bin/python" -c "import dicompylercore, pydicom, matplotlib; assert pydicom.__version__ == '2.4.4'" 2>/dev/null; then
    log "creating $DCORE_VENV (dicompyler-core, pydicom 2.4.4)"
    python3 -m venv "$DCORE_VENV"
    "$DCORE_VENV/bin/pip" install -q "dicompyler-core==0.5.6" "pydicom==2.4.4" numpy matplotlib
fi

# 2. Anchor in release.
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    log "building anchor (release, .build-release; log in $OUT/build.log)"
    (cd "$ROOT" && swift build -c release --product anchor --scratch-path .build-release) > "$OUT/build.log" 2>&1 \
        || { tail -30 "$OUT/build.log" >&2; exit 1; }
fi
ANCHOR="$ROOT/.build-release/release/anchor"

# 3. Cases.
log "writing cases into $CASES"
"$VENV/bin/python" "$ROOT/bench/dvh/make_cases.py" "$CASES" "--shared=$SHARED"

# 4. The run.
"$VENV/bin/python" "$ROOT/bench/dvh/run.py" --anchor "$ANCHOR" --dcore-python "$DCORE_VENV/bin/python" \
    --plastimatch "$VENV/bin/plastimatch" --cases "$CASES" --shared "$SHARED" --out "$OUT" \
    --rounds "$ROUNDS" --idle-wait "$IDLE_WAIT" "$@" 2> >(tee "$OUT/run.log" >&2)
log "results in $OUT/results.txt"
