#!/usr/bin/env bash
# Contour comparison benchmark (not a test): builds `anchor` in release, installs SimpleITK, MedPy,
# surface-distance, seg-metrics and platipy into a venv under /tmp, writes the posterior fossa phantom and
# a perturbed copy of its structure set, and prints each tool's error against the exact answer and its time.
#   bash bench/contours/run.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="${CONTOURS_VENV:-/tmp/anchor-contours-venv}"
if ! "$venv/bin/python" -c "import SimpleITK, medpy, surface_distance, seg_metrics, platipy, pydicom, skimage" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q SimpleITK medpy surface-distance seg-metrics platipy pydicom scikit-image numpy
fi
(cd "$root" && ANCHOR_ENGINE_ONLY=1 swift build -c release --scratch-path .build-engine --product anchor)
mkdir -p "$root/bench/out/contours"
"$venv/bin/python" "$root/bench/contours/run.py" --anchor "$root/.build-engine/release/anchor" \
  --out "$root/bench/out/contours" | tee "$root/bench/out/contours/results.txt"
