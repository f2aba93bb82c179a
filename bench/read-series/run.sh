#!/usr/bin/env bash
# The read-series benchmark, in one command:
#
#   bench/read-series/run.sh [FOLDER]
#
# Reads a 300-slice 512x512 CT series (made by bench/read-series/make-ct-series.py into FOLDER, default
# /tmp/anchor-bench-ct, when missing) into a Float HU volume with Anchor (bench/read-series, release build),
# and, in the same run and on the same files, with pydicom (read, sort, stack float32), dcmdump (when
# dcmtk is installed or installable) and `cat FILES > /dev/null`. After a warm-up (cat of every file,
# so all are in the page cache, and one unmeasured run of each tool) the tools run ROUNDS times,
# alternating, in a rotating order; each round starts a fresh process per tool. On a shared machine the
# CPU that other processes take during each measurement is recorded, and medians are taken over the
# measurements during which the machine was otherwise idle (see CLEAN). The table gives the
# median seconds, MB/s (total file bytes / seconds, MB = 10^6 bytes) and the ratios asked for.
#
# For pydicom and Anchor `seconds` is the time the program itself measures around
# list + read + sort + decode (Python start-up and imports excluded); `process` is the wall time of the
# whole process. For cat and dcmdump both are the process wall time.
#
# Environment:
#   ROUNDS=5                  rounds (each tool once per round)
#   VENV=/tmp/anchor-bench-venv  virtualenv with pydicom and numpy (created when missing)
#   SINGLE=1                  also run Anchor pinned to one core (taskset -c 0)
#   WHATIF=1                  also run Anchor with the voxel array built as proposed in the report
#                             (labelled what-if: not the library as it is), and pydicom with numpy's
#                             madvise(MADV_HUGEPAGE) on arrays >= 4 MB turned off (NUMPY_MADVISE_HUGEPAGE=0)
#   DCMTK_INSTALL=1           apt-get install dcmtk when dcmdump is missing and we are root
#   IDLE_WAIT=120             before each round, wait up to this many seconds for the machine to be
#                             idle (0: don't)
#   CLEAN=0.10                a measurement counts when other processes used less than this fraction
#                             of all cpus while it ran (shared machines); medians are over those
#   MAX_ROUNDS=3*ROUNDS       extra rounds allowed to collect ROUNDS clean measurements of each tool
#
# Writes bench/out/read-series.txt (the table and machine notes) and bench/out/read-series-runs.jsonl
# (every measurement). Needs nothing inside the repository but bench/.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DATA=${1:-/tmp/anchor-bench-ct}
VENV=${VENV:-/tmp/anchor-bench-venv}
ROUNDS=${ROUNDS:-5}
SINGLE=${SINGLE:-1}
WHATIF=${WHATIF:-1}
DCMTK_INSTALL=${DCMTK_INSTALL:-1}
OUT="$ROOT/bench/out"
mkdir -p "$OUT"
RUNS="$OUT/read-series-runs.jsonl"
TABLE="$OUT/read-series.txt"
: > "$RUNS"

log() { echo "read-series: $*" >&2; }

# 1. Python with pydicom and numpy, outside the repository.
if ! "$VENV/bin/python" -c "import pydicom, numpy" 2>/dev/null; then
    log "creating $VENV with pydicom and numpy"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q pydicom numpy
fi
PY="$VENV/bin/python"

# 2. The series.
shopt -s nullglob
FILES=("$DATA"/*.dcm)
if [ "${#FILES[@]}" -ne 300 ]; then
    log "writing the synthetic series to $DATA"
    "$PY" "$ROOT/bench/read-series/make-ct-series.py" "$DATA"
    FILES=("$DATA"/*.dcm)
fi
BYTES=$(stat -c %s "${FILES[@]}" | awk '{s += $1} END {print s}')

# 3. dcmtk, when it can be had.
if ! command -v dcmdump >/dev/null 2>&1 && [ "$DCMTK_INSTALL" = 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing dcmtk"
    (apt-get install -y -qq dcmtk >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq dcmtk >/dev/null 2>&1; }) || log "dcmtk could not be installed; skipping dcmdump"
fi
HAVE_DCMDUMP=0
command -v dcmdump >/dev/null 2>&1 && HAVE_DCMDUMP=1

# 4. The Swift benchmark, release build.
log "building bench/read-series (release)"
if ! swift build -c release --package-path "$ROOT/bench/read-series" > "$OUT/build.log" 2>&1; then
    tail -30 "$OUT/build.log" >&2; log "build failed (whole log: $OUT/build.log)"; exit 1
fi
BIN="$(swift build -c release --package-path "$ROOT/bench/read-series" --show-bin-path)/read-series"

# Tools: name and how to run one measurement (printing one JSON line with at least "seconds").
now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", b - a }'; }
run_cat() { local t0 t1; t0=$(now); cat "${FILES[@]}" > /dev/null; t1=$(now); echo "{\"seconds\": $(elapsed "$t0" "$t1")}"; }
run_dcmdump() {
    local t0 t1 rc=0; t0=$(now); dcmdump "${FILES[@]}" > /dev/null 2>&1 || rc=$?; t1=$(now)
    echo "{\"seconds\": $(elapsed "$t0" "$t1"), \"rc\": $rc}"
}
run_pydicom() { "$PY" "$ROOT/bench/read-series/pydicom_read_series.py" "$DATA" 1; }
run_pydicom_4k() { NUMPY_MADVISE_HUGEPAGE=0 "$PY" "$ROOT/bench/read-series/pydicom_read_series.py" "$DATA" 1; }
run_anchor() { "$BIN" "$DATA" 1; }
run_anchor_1core() { taskset -c 0 "$BIN" "$DATA" 1; }
run_whatif_uninit() { "$BIN" --uninit "$DATA" 1; }
run_whatif_huge() { "$BIN" --uninit-hugepages "$DATA" 1; }

TOOLS=(cat)
[ "$HAVE_DCMDUMP" = 1 ] && TOOLS+=(dcmdump)
TOOLS+=(pydicom anchor)
[ "$SINGLE" = 1 ] && command -v taskset >/dev/null 2>&1 && TOOLS+=(anchor_1core)
[ "$WHATIF" = 1 ] && TOOLS+=(pydicom_4k whatif_uninit whatif_huge)

# Background load: how busy the machine was in one second before the run (all cores), and who.
cpu_busy() {
    local a b
    a=($(head -1 /proc/stat)); sleep 1; b=($(head -1 /proc/stat))
    local busy=0 total=0 i
    for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
    busy=$((total - (b[4] - a[4]) - (b[5] - a[5])))
    echo $((100 * busy / (total > 0 ? total : 1)))
}
BUSY_BEFORE=$(cpu_busy)
TOP_BEFORE=$(ps -eo pcpu=,comm= --sort=-pcpu | head -4 | awk '{printf "%s %s%%; ", $2, $1}')
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# 5. Warm-up: every file into the page cache, one unmeasured run of each tool.
log "warm-up"
cat "${FILES[@]}" > /dev/null
for t in "${TOOLS[@]}"; do "run_$t" > /dev/null; done

# CPU seconds used by the whole machine (busy jiffies of /proc/stat) and by this script's children
# (`times`, which must run in this shell, not in a $(...) subshell): around each measurement, the
# difference is what other processes (other people's builds on a shared machine, kernel threads) took
# while it ran. A measurement is "clean" when that is under CLEAN (fraction of all cpus, default 0.10).
machine_cpu() { awk '/^cpu / {print ($2 + $3 + $4 + $7 + $8) / 100, $9 / 100}' /proc/stat; }
TIMES_FILE="$OUT/.times"
children_cpu() { tail -1 "$TIMES_FILE" | awk '{ s = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); s += a[1] * 60 + a[2] }; print s }'; }
CLEAN=${CLEAN:-0.10}
IDLE_WAIT=${IDLE_WAIT:-120}
MAX_ROUNDS=${MAX_ROUNDS:-$((3 * ROUNDS))}

measure() { # tool round
    local tool=$1 round=$2 t0 t1 line m0 m1 c0 c1
    m0=$(machine_cpu); times > "$TIMES_FILE"; c0=$(children_cpu)
    t0=$(now)
    line=$("run_$tool" | tail -n 1)
    t1=$(now)
    m1=$(machine_cpu); times > "$TIMES_FILE"; c1=$(children_cpu)
    "$PY" -c '
import json, sys
d = json.loads(sys.argv[1])
wall = float(sys.argv[4]); m0, s0 = map(float, sys.argv[5].split()); m1, s1 = map(float, sys.argv[6].split())
ours = float(sys.argv[8]) - float(sys.argv[7])
other = max(0.0, (m1 - m0) - ours)
d.update(name=sys.argv[2], round=int(sys.argv[3]), process_s=wall, cpu_ours_s=round(ours, 3), cpu_other_s=round(other, 3),
         other_frac=round(other / (wall * int(sys.argv[9])), 3), steal_s=round(s1 - s0, 3))
print(json.dumps(d))' "$line" "$tool" "$round" "$(elapsed "$t0" "$t1")" "$m0" "$m1" "$c0" "$c1" "$(nproc)" >> "$RUNS"
}

# Waits (up to IDLE_WAIT seconds) for a half-second in which the machine is under CLEAN busy.
wait_idle() {
    local waited=0 a b
    while :; do
        a=$(machine_cpu); sleep 0.5; b=$(machine_cpu)
        awk -v a="${a% *}" -v b="${b% *}" -v n="$(nproc)" -v c="$CLEAN" 'BEGIN { exit !((b - a) / (0.5 * n) < c) }' && return 0
        waited=$((waited + 1))
        if [ $((waited / 2)) -ge "$IDLE_WAIT" ]; then log "machine still busy after ${IDLE_WAIT}s; measuring anyway"; return 0; fi
    done
}

# Tools that still lack ROUNDS clean measurements (empty when all have them).
lacking() {
    "$PY" - "$RUNS" "$ROUNDS" "$CLEAN" "${TOOLS[@]}" <<'PYEOF'
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
need, clean, tools = int(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]
print(" ".join(t for t in tools if sum(1 for r in runs if r["name"] == t and r["other_frac"] < clean) < need))
PYEOF
}

# 6. Rounds, alternating, rotating the order so no tool always follows the same one; at least ROUNDS,
# and more (up to MAX_ROUNDS) while some tool has fewer than ROUNDS clean measurements.
log "measuring: ${TOOLS[*]}; $ROUNDS clean rounds wanted, at most $MAX_ROUNDS"
n=${#TOOLS[@]}
for ((r = 1; r <= MAX_ROUNDS; r++)); do
    [ "$IDLE_WAIT" -gt 0 ] && wait_idle
    for ((i = 0; i < n; i++)); do
        measure "${TOOLS[$(((i + r - 1) % n))]}" "$r"
    done
    if [ "$r" -ge "$ROUNDS" ]; then
        missing=$(lacking)
        [ -z "$missing" ] && break
        [ "$r" -lt "$MAX_ROUNDS" ] && log "round $r: not yet $ROUNDS clean measurements of: $missing"
    fi
done
BUSY_AFTER=$(cpu_busy)
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# 7. Table.
{
    echo "read-series benchmark: ${#FILES[@]} files, $BYTES bytes, in $DATA"
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ); commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet HEAD -- Sources 2>/dev/null || echo ' (Sources modified)')"
    echo "machine: $(nproc) cpus ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), kernel $(uname -r), $(free -g | awk '/Mem:/ {print $2}') GiB"
    echo "background: ${BUSY_BEFORE}% of all cpus busy in the second before the rounds, ${BUSY_AFTER}% in the second after; loadavg $LOAD_BEFORE before, $LOAD_AFTER after; top before: $TOP_BEFORE"
    echo "versions: $("$PY" -c 'import pydicom, numpy, sys; print(f"pydicom {pydicom.__version__}, numpy {numpy.__version__}, python {sys.version.split()[0]}")'); $( [ "$HAVE_DCMDUMP" = 1 ] && { dcmdump --version 2>/dev/null || true; } | head -1 | tr -d '$' || echo 'dcmdump: not installed'); $(swift --version 2>/dev/null | grep -o 'Swift version [^ ]*' | head -1)"
    echo
    "$PY" - "$RUNS" "$BYTES" "$ROUNDS" "$CLEAN" "$(nproc)" <<'PYEOF'
import json, statistics, sys
allruns = [json.loads(l) for l in open(sys.argv[1])]
total, want, clean, ncpu = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
rounds = max(r["round"] for r in allruns)
wall = sum(r["process_s"] for r in allruns)
other = sum(r["cpu_other_s"] for r in allruns)
print(f"rounds: {rounds}, alternating; a measurement is clean when other processes used < {clean:.0%} of the {ncpu} cpus while it ran")
print(f"during the measurements: other processes used {other:.1f} cpu-s in {wall:.1f} s ({100 * other / (wall * ncpu):.0f}% of {ncpu} cpus); "
      f"the benchmark {sum(r['cpu_ours_s'] for r in allruns):.1f} cpu-s; steal {sum(r['steal_s'] for r in allruns):.2f} cpu-s")
names = sorted({r["name"] for r in allruns})
runs = []
for k in names:
    mine = [r for r in allruns if r["name"] == k]
    ok = [r for r in mine if r["other_frac"] < clean]
    if len(ok) >= min(want, 3):
        runs += ok
    else:
        runs += mine
        print(f"WARNING: {k}: only {len(ok)} clean measurements of {len(mine)}; its median is over all, contended ones included")
print("medians (over the clean measurements, where a tool has at least 3):")
print()
labels = {
    "cat": "cat FILES > /dev/null",
    "dcmdump": "dcmdump FILES > /dev/null",
    "pydicom": "pydicom read+sort+stack float32",
    "anchor": "Anchor load+assemble+ImageVolume",
    "anchor_1core": "Anchor, one core (taskset -c 0)",
    "pydicom_4k": "pydicom, numpy hugepages off",
    "whatif_uninit": "what-if: voxels uninitialised",
    "whatif_huge": "what-if: + MADV_HUGEPAGE",
}
order = [k for k in labels if any(r["name"] == k for r in runs)]
med = {k: statistics.median(r["seconds"] for r in runs if r["name"] == k) for k in order}
proc = {k: statistics.median(r["process_s"] for r in runs if r["name"] == k) for k in order}
spread = {k: (min(r["seconds"] for r in runs if r["name"] == k), max(r["seconds"] for r in runs if r["name"] == k)) for k in order}
count = {k: sum(1 for r in runs if r["name"] == k) for k in order}
print(f"{'':34} {'seconds':>8} {'min-max':>13} {'MB/s':>7} {'process s':>9} {'vs pydicom':>10} {'vs cat':>7} {'n':>3}")
for k in order:
    s = med[k]
    vp = f"{med['pydicom'] / s:.2f}x" if "pydicom" in med else "-"
    vc = f"{med['cat'] / s:.2f}x" if "cat" in med else "-"
    print(f"{labels[k]:34} {s:8.3f} {spread[k][0]:6.3f}-{spread[k][1]:.3f} {total / s / 1e6:7.0f} {proc[k]:9.3f} {vp:>10} {vc:>7} {count[k]:3}")
print()
if "anchor" in med and "pydicom" in med:
    r = med["pydicom"] / med["anchor"]
    print(f"Anchor / pydicom throughput: {r:.2f}x (target 4x: {'met' if r >= 4 else 'NOT met'}); "
          f"Anchor / cat throughput: {med['cat'] / med['anchor']:.2f}x ({100 * med['cat'] / med['anchor']:.0f}% of cat's MB/s)")
ph = [r for r in runs if r["name"] == "anchor"]
if ph:
    m = lambda key: statistics.median(r[key] for r in ph)
    print(f"Anchor phases (median s): list {m('list_s'):.4f}, DICOMLoader.load {m('load_s'):.4f}, "
          f"Case.assemble {m('assemble_s'):.4f}, ImageVolume {m('volume_s'):.4f}; cpu {m('cpu_s'):.3f} s over {ph[0]['cpus']} cpus; max RSS {m('max_rss_mb'):.0f} MB")
# Checks: Anchor and pydicom must agree on what they read.
def checks(name):
    rs = [r for r in runs if r["name"] == name]
    return {(r["slices"], r["min_stored"], r["max_stored"], r["sum"]) for r in rs}
if "anchor" in med and "pydicom" in med:
    a, p = checks("anchor"), checks("pydicom")
    print(f"checks (slices, min, max stored, voxel sum): anchor {sorted(a)}, pydicom {sorted(p)}: {'agree' if a == p and len(a) == 1 else 'DIFFER'}")
    for k in ("anchor_1core", "whatif_uninit", "whatif_huge"):
        if k in med and checks(k) != a:
            print(f"checks of {k} DIFFER: {sorted(checks(k))}")
if "dcmdump" in med:
    bad = [r for r in runs if r["name"] == "dcmdump" and r.get("rc", 0) != 0]
    if bad: print(f"dcmdump exited non-zero in {len(bad)} runs")
PYEOF
} | tee "$TABLE"
log "wrote $TABLE and $RUNS"
