#!/usr/bin/env python3
"""The DVH benchmark: Anchor, dicompyler-core and plastimatch on the same cases in one run.

    run.py --anchor BIN --dcore-python PY --plastimatch BIN --cases DIR --shared DIR --out DIR
           [--rounds 5] [--cases-only a,b] [--idle-wait 60] [--clean 0.15]

Every measurement is one fresh process (two for plastimatch), timed from start to exit (wall, and the
CPU time of the process from wait4), end to end from the files:
  anchor           `anchor dvh RS RD --json` (all structures, cumulative DVH every 0.01 Gy) > file
  anchor (folder)  `anchor dvh FOLDER --json`: the whole case folder (CT slices, plan) read recursively
  dicompyler-core  dicompyler_dvh.py RS RD OUT: get_dvh for every contoured ROI, JSON out
  plastimatch      `plastimatch convert --input RS --fixed RD --output-ss-img ss.nrrd --output-ss-list
                   ss.txt` (every structure rasterised on the dose grid, one bit each; each contour on
                   the dose slice nearest its plane, contours on a slice OR'd: plastimatch's default;
                   --plastimatch-xor adds --xor-contours, which makes nested contours holes but also
                   cancels contours of neighbouring planes that land on one dose slice) then
                   `plastimatch dvh --input-ss-img ss.nrrd --input-ss-list ss.txt --input-dose RD
                   --output-csv dvh.csv --bin-width 0.01 --num-bins N --normalization vox`
One warm-up round (unmeasured: page cache, Python's compiled modules), then ROUNDS rounds; in each round
every case runs every tool once, in an order that rotates from round to round. Before each round the
script waits (up to --idle-wait s) for a second in which other processes use under --clean of the
CPUs. For every measurement it records the CPU other processes used meanwhile (/proc/stat less the
tool's own CPU time), so a reader can tell a quiet run from a loaded one.

Accuracy (analytic cases and shared/data's synthetic spheres): volume, D95, D50 and mean of every tool
against the exact values in CASES/exact.json. D95 and D50 are read off each tool's cumulative DVH by
the same linear interpolation (anchor: its JSON DVH; dicompyler-core: its 1 cGy cumulative DVH;
plastimatch: its CSV, a row b counting voxels with round(d / w) >= b, i.e. d >= (b - 1/2) w); means
are each tool's own (plastimatch's from its histogram).
"""
import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np
import pydicom

CLK = os.sysconf("SC_CLK_TCK")
NCPU = os.cpu_count() or 1
BIN_GY = 0.01


# ---------------------------------------------------------------- machine load

def cpu_busy_seconds():
    with open("/proc/stat") as fh:
        f = [int(x) for x in fh.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (f + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / CLK


def loadavg():
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def top_processes(n=5):
    try:
        out = subprocess.run(["ps", "-eo", "pcpu,etime,comm", "--sort=-pcpu"], capture_output=True, text=True).stdout
        return [" ".join(line.split()) for line in out.splitlines()[1:n + 1]]
    except OSError:
        return []


def wait_idle(max_wait, clean):
    """Waits until a one-second window has other processes using under `clean` of all CPUs."""
    start = time.time()
    while True:
        b0 = cpu_busy_seconds()
        time.sleep(1)
        frac = (cpu_busy_seconds() - b0) / NCPU
        if frac < clean or time.time() - start >= max_wait:
            return frac, time.time() - start


def run_measured(steps):
    """Runs the commands one after another; returns wall s, CPU s of the processes, other processes' CPU s.
    steps: list of (argv, stdout path or None)."""
    b0 = cpu_busy_seconds()
    t0 = time.perf_counter()
    cpu = 0.0
    for argv, stdout_path in steps:
        out = open(stdout_path, "w") if stdout_path else subprocess.DEVNULL
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE)
        # stderr is drained after exit: the tools print little there, far below a pipe's buffer.
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        err = p.stderr.read().decode(errors="replace")
        p.stderr.close()
        if stdout_path:
            out.close()
        cpu += ru.ru_utime + ru.ru_stime
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} exited {p.returncode}: {err[-2000:]}")
    wall = time.perf_counter() - t0
    others = max(cpu_busy_seconds() - b0 - cpu, 0.0)
    return wall, cpu, others


# ---------------------------------------------------------------- cases and tools

class Case:
    def __init__(self, name, rs, rd, folder, exact_keys=()):
        """exact_keys: (label, key in exact.json) of the reference values the case is checked against."""
        self.name, self.rs, self.rd, self.folder, self.exact_keys = name, rs, rd, folder, list(exact_keys)
        ds = pydicom.dcmread(rd)
        self.max_gy = float(ds.pixel_array.max()) * float(ds.DoseGridScaling)
        offs = [float(v) for v in ds.GridFrameOffsetVector]
        self.voxel_cc = float(ds.PixelSpacing[0]) * float(ds.PixelSpacing[1]) * abs(offs[1] - offs[0]) / 1000
        self.grid = f"{ds.Columns}x{ds.Rows}x{len(offs)}"
        rs_ds = pydicom.dcmread(rs)
        self.rois = len(rs_ds.StructureSetROISequence)
        self.points = sum(int(c.NumberOfContourPoints) for r in getattr(rs_ds, "ROIContourSequence", [])
                          for c in getattr(r, "ContourSequence", []))
        self.files = sum(len(fs) for _, _, fs in os.walk(folder))


class StartUp:
    """Not a case: each tool's process doing nothing (anchor --version; Python importing numpy, pydicom
    and dicompyler-core; plastimatch --version twice, as its fast mode starts two processes): the floor
    under every measurement of that tool."""
    name = "start-up only"
    exact_keys = []
    grid, rois, points, files = "-", 0, 0, 0


def make_cases(cases_dir, shared):
    ep = os.path.join(shared, "eclipse-prostate")
    ss = os.path.join(shared, "synthetic-spheres")
    out = [Case("heavy", f"{cases_dir}/heavy/RS.dcm", f"{cases_dir}/heavy/RD.dcm", f"{cases_dir}/heavy")]
    if os.path.isdir(ep):
        out.append(Case("eclipse-prostate", glob.glob(f"{ep}/RS.*.dcm")[0], f"{ep}/RD.from-nrrd.dcm", ep))
    for name in ("analytic-linear", "analytic-small"):
        out.append(Case(name, f"{cases_dir}/{name}/RS.dcm", f"{cases_dir}/{name}/RD.dcm", f"{cases_dir}/{name}", [(name, name)]))
    if os.path.isdir(ss):
        for name in ("gauss", "zramp"):
            d = f"{ss}/dicom_{name}"
            keys = [(f"synthetic-{name}", f"synthetic-{name}")]
            if name == "zramp":
                keys.append(("synthetic-zramp (slab)", "synthetic-zramp-slab"))
            out.append(Case(f"synthetic-{name}", f"{d}/rtss.dcm", f"{d}/dose.dcm", d, keys))
    return out


TOOLS = ["anchor", "anchor (folder)", "dicompyler-core", "plastimatch"]


def steps_for(tool, case, args, raw):
    os.makedirs(raw, exist_ok=True)
    if isinstance(case, StartUp):
        return {"anchor": [([args.anchor, "--version"], None)],
                "anchor (folder)": [([args.anchor, "--version"], None)],
                "dicompyler-core": [([args.dcore_python, "-c", "import numpy, pydicom, dicompylercore.dvhcalc"], None)],
                "plastimatch": [([args.plastimatch, "--version"], None)] * 2}[tool]
    if tool == "anchor":
        return [([args.anchor, "dvh", case.rs, case.rd, "--json"], f"{raw}/anchor.json")]
    if tool == "anchor (folder)":
        return [([args.anchor, "dvh", case.folder, "--json"], f"{raw}/anchor-folder.json")]
    if tool == "dicompyler-core":
        return [([args.dcore_python, os.path.join(os.path.dirname(os.path.abspath(__file__)), "dicompyler_dvh.py"),
                  case.rs, case.rd, f"{raw}/dicompyler.json"], None)]
    if tool == "plastimatch":
        work = f"{raw}/plastimatch"
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        bins = int(np.ceil(case.max_gy / BIN_GY)) + 2
        return [([args.plastimatch, "convert", "--input", case.rs, "--fixed", case.rd,
                  "--output-ss-img", f"{work}/ss.nrrd", "--output-ss-list", f"{work}/ss.txt"]
                 + (["--xor-contours"] if args.plastimatch_xor else []), None),
                ([args.plastimatch, "dvh", "--input-ss-img", f"{work}/ss.nrrd", "--input-ss-list", f"{work}/ss.txt",
                  "--input-dose", case.rd, "--output-csv", f"{raw}/plastimatch.csv", "--bin-width", str(BIN_GY),
                  "--num-bins", str(bins), "--normalization", "vox"], None)]
    raise ValueError(tool)


# ---------------------------------------------------------------- reading the tools' DVHs

def dx_from_cumulative(dose, vol, total, x):
    """Dose d with V(>= d) = x% of total, linear between the tabulated points."""
    dose = np.asarray(dose, dtype=np.float64)
    vol = np.asarray(vol, dtype=np.float64)
    target = total * x / 100
    idx = np.nonzero(vol >= target)[0]
    if len(idx) == 0:
        return float(dose[0])
    i = idx[-1]
    if i + 1 >= len(vol) or vol[i] == vol[i + 1]:
        return float(dose[i])
    return float(dose[i] + (vol[i] - target) / (vol[i] - vol[i + 1]) * (dose[i + 1] - dose[i]))


def summarize(name, volume, mean, dose, vol):
    out = {"volume_cc": volume, "mean_gy": mean}
    for x in (98, 95, 50, 2):
        out[f"D{x}"] = dx_from_cumulative(dose, vol, volume, x) if volume > 0 else None
    return out


def read_anchor(path):
    with open(path) as fh:
        d = json.load(fh)
    res = {}
    for s in d["structures"]:
        r = summarize(s["name"], s["covered_volume_cc"], s["mean_gy"], s["dvh"]["dose_gy"], s["dvh"]["volume_cc"])
        r["volume_cc"] = s["volume_cc"]
        r["own_metrics"] = s.get("metrics", {})
        res[s["name"]] = r
    return res


def read_dicompyler(path):
    with open(path) as fh:
        d = json.load(fh)
    res = {s["name"]: summarize(s["name"], s["volume_cc"], s["mean_gy"], s["dvh"]["dose_gy"], s["dvh"]["volume_cc"])
           for s in d["structures"]}
    return res, d.get("tool"), d.get("seconds")


def read_plastimatch(path, voxel_cc):
    with open(path) as fh:
        header = fh.readline().rstrip("\n").split(",")
        rows = np.array([[float(v) for v in line.split(",")] for line in fh if line.strip()])
    b = np.round(rows[:, 0] / BIN_GY)
    thresholds = (b - 0.5) * BIN_GY
    res = {}
    for j, name in enumerate(header[1:], start=1):
        counts = rows[:, j]
        n = counts[0]
        if n <= 0:
            res[name] = {"volume_cc": 0.0, "mean_gy": None, "D98": None, "D95": None, "D50": None, "D2": None}
            continue
        diff = counts - np.append(counts[1:], 0)
        mean = float((diff * b * BIN_GY).sum() / n)
        res[name] = summarize(name, n * voxel_cc, mean, np.maximum(thresholds, 0), counts * voxel_cc)
    return res


def read_results(case, raw):
    out = {}
    if os.path.exists(f"{raw}/anchor.json"):
        out["anchor"] = read_anchor(f"{raw}/anchor.json")
    if os.path.exists(f"{raw}/dicompyler.json"):
        out["dicompyler-core"], _, _ = read_dicompyler(f"{raw}/dicompyler.json")
    if os.path.exists(f"{raw}/plastimatch.csv"):
        out["plastimatch"] = read_plastimatch(f"{raw}/plastimatch.csv", case.voxel_cc)
    return out


# ---------------------------------------------------------------- reporting

def fmt_table(header, rows, aligns=None):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h)) for i, h in enumerate(header)]
    aligns = aligns or ["<"] + [">"] * (len(header) - 1)

    def line(cells):
        return "  ".join(f"{str(c):{a}{w}}" for c, a, w in zip(cells, aligns, widths)).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


ECLIPSE = {  # shared/data/README.md: Eclipse's own DVH tables for eclipse-prostate (volume cc, Dmean Gy)
    "PTV": (48.600, 45.880), "Bladder": (116.8, 45.898), "Rectum": (30.300, 39.148),
    "Femoral Head Lt": (49.200, 25.021), "BODY": (10593, 15.592),
}
CERR = {"PTV": (49.214, 45.776), "Bladder": (117.7, 45.797), "Rectum": (30.663, 38.960),
        "Femoral Head Lt": (49.376, 24.920), "BODY": (10698, 15.345)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--anchor", required=True)
    ap.add_argument("--dcore-python", required=True)
    ap.add_argument("--plastimatch", required=True)
    ap.add_argument("--cases", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--cases-only", default="")
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument("--idle-wait", type=float, default=60)
    ap.add_argument("--clean", type=float, default=0.15)
    ap.add_argument("--plastimatch-xor", action="store_true", help="plastimatch convert --xor-contours")
    args = ap.parse_args()

    cases = make_cases(args.cases, args.shared)
    if args.cases_only:
        keep = args.cases_only.split(",")
        cases = [c for c in cases if c.name in keep]
    cases.append(StartUp())
    tools = [t for t in TOOLS if t in args.tools.split(",")]
    with open(os.path.join(args.cases, "exact.json")) as fh:
        exact = json.load(fh)
    os.makedirs(args.out, exist_ok=True)
    runs_path = os.path.join(args.out, "runs.jsonl")
    runs = open(runs_path, "w")
    lines = []

    def say(s=""):
        print(s, flush=True)
        lines.append(s)

    def log(s):
        print(s, file=sys.stderr, flush=True)

    version = subprocess.run([args.anchor, "--version"], capture_output=True, text=True).stdout.strip()
    pm_version = subprocess.run([args.plastimatch, "--version"], capture_output=True, text=True).stdout.strip()
    dc_version = subprocess.run([args.dcore_python, "-c", "import dicompylercore, pydicom; print(dicompylercore.__version__, pydicom.__version__)"],
                                capture_output=True, text=True).stdout.strip()
    machine = {"cpus": NCPU, "loadavg_start": loadavg(), "top_start": top_processes(), "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    busy0, t_run0 = cpu_busy_seconds(), time.time()
    own_cpu = 0.0
    measurements = []
    for rnd in range(args.rounds + 1):
        warm = rnd == 0
        idle_frac, waited = wait_idle(0 if warm else args.idle_wait, args.clean)
        log(f"round {rnd}{' (warm-up)' if warm else ''}: others {100 * idle_frac:.0f}% of the cpus after {waited:.0f} s wait, load {loadavg()}")
        for case in cases:
            order = tools[rnd % len(tools):] + tools[:rnd % len(tools)]
            for tool in order:
                raw = os.path.join(args.out, "raw", case.name)
                wall, cpu, others = run_measured(steps_for(tool, case, args, raw))
                own_cpu += cpu
                if warm:
                    continue
                m = {"round": rnd, "case": case.name, "tool": tool, "wall_s": wall, "cpu_s": cpu,
                     "others_cpu_s": others, "others_frac": others / (wall * NCPU)}
                measurements.append(m)
                runs.write(json.dumps(m) + "\n")
                runs.flush()
                log(f"  {case.name:17s} {tool:16s} {wall:7.3f} s wall {cpu:7.3f} s cpu  others {100 * m['others_frac']:3.0f}%")
    runs.close()
    wall_run = time.time() - t_run0
    others_run = max(cpu_busy_seconds() - busy0 - own_cpu, 0)
    machine.update({"loadavg_end": loadavg(), "top_end": top_processes(), "run_seconds": wall_run,
                    "others_mean_cpus": others_run / wall_run})

    # ---- timing table
    say(f"DVH benchmark, {time.strftime('%Y-%m-%d %H:%M')}: {args.rounds} rounds after a warm-up, tools alternating; "
        f"process wall time from the files, median of the rounds")
    say(f"anchor: {version or '?'} (release build); dicompyler-core, pydicom: {dc_version}; {pm_version}")
    say()
    say(fmt_table(["case", "grid", "ROIs", "points", "files"],
                  [[c.name, c.grid, c.rois, c.points, c.files] for c in cases if not isinstance(c, StartUp)]))
    say()
    rows = []
    summary = {}
    for case in cases:
        med = {}
        for tool in tools:
            ms = [m for m in measurements if m["case"] == case.name and m["tool"] == tool]
            if not ms:
                continue
            med[tool] = (statistics.median(m["wall_s"] for m in ms), statistics.median(m["cpu_s"] for m in ms),
                         min(m["wall_s"] for m in ms), max(m["wall_s"] for m in ms),
                         statistics.median(m["others_frac"] for m in ms))
        base = med.get("anchor")
        summary[case.name] = {t: {"median_wall_s": v[0], "median_cpu_s": v[1], "min_wall_s": v[2], "max_wall_s": v[3],
                                  "median_others_frac": v[4]} for t, v in med.items()}
        for tool, (w, c, lo, hi, of) in med.items():
            rows.append([case.name, tool, f"{w:.3f}", f"{lo:.3f}-{hi:.3f}", f"{c:.3f}",
                         f"{w / base[0]:.1f}x" if base else "", f"{c / base[1]:.1f}x" if base else "", f"{100 * of:.0f}%"])
    say(fmt_table(["case", "tool", "wall s", "range", "cpu s", "ratio", "cpu ratio", "others"], rows))
    say("ratio: the tool's median wall time over anchor's (RS + RD files) on the same case; cpu: user + system")
    say("seconds of the tool's processes; others: CPU that other processes used during the measurement, % of all cpus.")
    say()
    say("Targets, end to end from files:")
    for case in [c for c in cases if not isinstance(c, StartUp)]:
        s = summary.get(case.name, {})
        if "anchor" not in s:
            continue
        a = s["anchor"]["median_wall_s"]
        parts = []
        if "dicompyler-core" in s:
            r = s["dicompyler-core"]["median_wall_s"] / a
            parts.append(f"{r:.1f}x faster than dicompyler-core ({'met' if r >= 20 else 'MISSED'}: >= 20x)")
        if "plastimatch" in s:
            r = s["plastimatch"]["median_wall_s"] / a
            parts.append(f"{r:.1f}x faster than plastimatch's fast mode ({'met' if r >= 2 else 'MISSED'}: >= 2x)")
        say(f"  {case.name}: " + "; ".join(parts))
    say()
    rows = []
    for case in [c for c in cases if not isinstance(c, StartUp)]:
        p = os.path.join(args.out, "raw", case.name, "dicompyler.json")
        if os.path.exists(p) and "anchor" in summary.get(case.name, {}):
            _, _, sec = read_dicompyler(p)
            a = summary[case.name]["anchor"]["median_wall_s"]
            rows.append([case.name, f"{sec['import']:.3f}", f"{sec['read']:.3f}", f"{sec['dvh']:.3f}", f"{sec['dvh'] / a:.1f}x"])
    if rows:
        say("dicompyler-core's own phases in its last run (s): Python imports, reading both files, get_dvh for all")
        say("structures; and get_dvh alone over anchor's whole process (median):")
        say(fmt_table(["case", "imports", "read", "get_dvh", "get_dvh / anchor"], rows))
        say()
    say(f"Machine: {NCPU} cpus; load average {machine['loadavg_start']} at the start, {machine['loadavg_end']} at the end; "
        f"other processes used {machine['others_mean_cpus']:.2f} cpus on average over the {wall_run:.0f} s run.")
    say("  busiest processes at the start: " + "; ".join(machine["top_start"][:3]))
    say("  busiest processes at the end:   " + "; ".join(machine["top_end"][:3]))
    say()

    # ---- accuracy tables
    acc = {}
    detail = []
    summary_rows = []
    worst_by = {}
    for case, label, key in [(c, label, key) for c in cases for label, key in c.exact_keys if key in exact]:
        truth = exact[key]
        res = read_results(case, os.path.join(args.out, "raw", case.name))
        acc[case.name] = res
        for tool in ("anchor", "dicompyler-core", "plastimatch"):
            if tool not in res:
                continue
            worst = {"vol": 0.0, "D95": 0.0, "D50": 0.0, "mean": 0.0}
            for name, t in truth.items():
                r = res[tool].get(name)
                if r is None or not r.get("volume_cc"):
                    detail.append([label, name, tool, f"{t['volume_cc']:.4f}", "missing", "", "", "", ""])
                    worst = {k: float("inf") for k in worst}
                    continue
                rng = t["max_gy"] - t["min_gy"]
                ev = 100 * (r["volume_cc"] - t["volume_cc"]) / t["volume_cc"]
                e95 = r["D95"] - t["D95"]
                e50 = r["D50"] - t["D50"]
                em = (r["mean_gy"] - t["mean_gy"]) if r.get("mean_gy") is not None else float("nan")
                worst["vol"] = max(worst["vol"], abs(ev))
                worst["D95"] = max(worst["D95"], 100 * abs(e95) / rng)
                worst["D50"] = max(worst["D50"], 100 * abs(e50) / rng)
                worst["mean"] = max(worst["mean"], 100 * abs(em) / rng)
                detail.append([label, name, tool, f"{t['volume_cc']:.4f}", f"{r['volume_cc']:.4f}", f"{ev:+.2f}%",
                               f"{e95:+.3f} ({100 * e95 / rng:+.1f}%)", f"{e50:+.3f} ({100 * e50 / rng:+.1f}%)",
                               f"{em:+.3f} ({100 * em / rng:+.1f}%)"])
            summary_rows.append([label, tool] + [f"{worst[k]:.2f}%" if worst[k] != float("inf") else "missing"
                                                 for k in ("vol", "D95", "D50", "mean")])
            worst_by.setdefault(label, {})[tool] = worst
    if summary_rows:
        say("Accuracy against exact values (analytic cases and synthetic-zramp (slab): the contoured structures under the slab")
        say("convention; synthetic-gauss and synthetic-zramp: the true spheres, so how well the contours approximate them counts")
        say("too). Worst error over the case's structures:")
        say("volume in % of the exact volume, doses in % of the structure's exact dose range (max - min).")
        say(fmt_table(["case", "tool", "volume", "D95", "D50", "mean"], summary_rows))
        for label, w in worst_by.items():
            if "anchor" not in w or len(w) < 2:
                continue
            # Compared at the precision shown (0.01 percentage points): equal there counts as no worse.
            worse = [k for k in ("vol", "D95", "D50", "mean")
                     if round(w["anchor"][k], 2) > round(min(o[k] for t, o in w.items() if t != "anchor"), 2)]
            say(f"  {label}: anchor's worst error is " + ("no larger than the other tools' on every quantity" if not worse
                else "larger than another tool's on " + ", ".join("volume" if k == "vol" else k for k in worse)))
        say()
        say("Per structure: exact volume cc, tool's volume cc, volume error; D95, D50, mean errors in Gy (and % of the dose range).")
        say(fmt_table(["case", "structure", "tool", "exact cc", "tool cc", "vol err", "D95 err Gy", "D50 err Gy", "mean err Gy"], detail))
        say()
    ep = next((c for c in cases if c.name == "eclipse-prostate"), None)
    if ep:
        res = read_results(ep, os.path.join(args.out, "raw", ep.name))
        rows = []
        for name, (v, m) in ECLIPSE.items():
            cv, cm = CERR[name]
            row = [name, f"{v:g}", f"{m:.3f}", f"{100 * (cv - v) / v:+.2f}% / {cm - m:+.3f}"]
            for tool in ("anchor", "dicompyler-core", "plastimatch"):
                r = res.get(tool, {}).get(name)
                row.append(f"{100 * (r['volume_cc'] - v) / v:+.2f}% / {r['mean_gy'] - m:+.3f}" if r and r.get("mean_gy") is not None else "-")
            rows.append(row)
        say("eclipse-prostate against Eclipse's own DVH (shared/data/README.md): volume difference % / mean difference Gy")
        say(fmt_table(["structure", "Eclipse cc", "Eclipse mean", "CERR", "anchor", "dicompyler-core", "plastimatch"], rows))
        say()

    with open(os.path.join(args.out, "results.txt"), "w") as fh:
        fh.write("\n".join(lines) + "\n")
    with open(os.path.join(args.out, "results.json"), "w") as fh:
        json.dump({"machine": machine, "timing": summary, "accuracy": acc,
                   "cases": {c.name: {"grid": c.grid, "rois": c.rois, "points": c.points} for c in cases}}, fh, indent=1)


if __name__ == "__main__":
    main()
