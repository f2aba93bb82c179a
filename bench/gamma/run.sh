#!/usr/bin/env bash
# Gamma benchmark: builds `anchor` in release (scratch path .build-gamma), installs pymedphys, numba and
# plastimatch into a venv under /tmp, writes the RT Dose pairs and runs all three tools once per size.
#   bash bench/gamma/run.sh [--sizes 64 128 clinical] [--skip-pymedphys] [--skip-plastimatch]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="${GAMMA_VENV:-/tmp/anchor-gamma-venv}"
if [ ! -x "$venv/bin/plastimatch" ] || ! "$venv/bin/python" -c "import pymedphys, numba, pydicom" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q pymedphys numba numpy scipy pydicom plastimatch
fi
(cd "$root" && swift build -c release --scratch-path .build-gamma --product anchor)
mkdir -p "$root/bench/out/gamma"
"$venv/bin/python" "$root/bench/gamma/run.py" --anchor "$root/.build-gamma/release/anchor" \
  --python "$venv/bin/python" --plastimatch "$venv/bin/plastimatch" "$@" | tee "$root/bench/out/gamma/results.txt"
