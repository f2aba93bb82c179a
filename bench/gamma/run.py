"""Anchor, pymedphys and plastimatch on the same RT Dose pairs, one run each; times and ratios.

    python bench/gamma/run.py [--anchor PATH] [--sizes 64 128 clinical hard] [--skip-pymedphys] [--skip-plastimatch]

"hard" is the 150x200x200 pair with a harder evaluated copy (2 mm shift, 4% scale, ±0.03 Gy noise),
marked * in the table.

Pairs come from write_pairs.py (bench/out/gamma/<size>/); criteria 3%/2 mm global, 10% cut-off,
maximum gamma 2, interpolation fraction 10 for every tool (plastimatch: --interp-search,
--ref-only-threshold, so its threshold is on the reference like the others). Times are of the whole
command (reading the files included) except pymedphys, timed around its gamma call after a warm-up
(its file reading and numba compilation excluded). CPU seconds are user + system of all threads.
Results go to stdout and bench/out/gamma/results.json.
"""
import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(ROOT, "bench", "out", "gamma")
sys.dont_write_bytecode = True  # no __pycache__ beside the scripts in the work tree
sys.path.insert(0, HERE)


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd):
    c0, t0 = children_cpu(), time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - t0, children_cpu() - c0
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr[-2000:]}")
    return p.stdout, wall, cpu


def run_anchor(anchor, ref, ev):
    out, wall, cpu = timed([anchor, "gamma", ref, ev, "--dd", "3", "--dta", "2", "--cutoff", "10", "--max-gamma", "2",
                            "--interp-fraction", "10", "--json", "--list-failing", "0"])
    j = json.loads(out)
    return {"pass_rate_percent": j["pass_rate_percent"], "points_evaluated": j["points_evaluated"],
            "mean_gamma": j["mean_gamma"], "wall_seconds": wall, "cpu_seconds": cpu, "compute_seconds": j["compute_seconds"]}


def run_pymedphys(python, ref, ev):
    out, wall, cpu = timed([python, os.path.join(HERE, "pymedphys_gamma.py"), ref, ev])
    j = json.loads(out.strip().splitlines()[-1])
    j["process_wall_seconds"], j["process_cpu_seconds"] = wall, cpu
    return j


def run_plastimatch(plastimatch, ref, ev, folder):
    text = os.path.join(folder, "plastimatch-gamma.txt")
    _, wall, cpu = timed([plastimatch, "gamma", "--interp-search", "--dose-tolerance", "0.03", "--dta-tolerance", "2",
                          "--gamma-max", "2", "--analysis-threshold", "0.1", "--ref-only-threshold", "--output-text", text, ref, ev])
    with open(text) as f:
        t = f.read()
    rate = float(re.search(r"pass_rate\(%\)\s+([0-9.]+)", t).group(1))
    points = int(re.search(r"number_of_analysis_voxels\s+(\d+)", t).group(1))
    passed = int(re.search(r"number_of_pass_voxels\s+(\d+)", t).group(1))
    return {"pass_rate_percent": 100.0 * passed / points if points else rate, "points_evaluated": points,
            "wall_seconds": wall, "cpu_seconds": cpu}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--anchor", default=os.path.join(ROOT, ".build-gamma", "release", "anchor"))
    p.add_argument("--python", default=sys.executable)
    p.add_argument("--plastimatch", default=os.path.join(os.path.dirname(sys.executable), "plastimatch"))
    p.add_argument("--sizes", nargs="*", default=["64", "128", "clinical"])
    p.add_argument("--skip-pymedphys", action="store_true")
    p.add_argument("--skip-plastimatch", action="store_true")
    a = p.parse_args()
    import write_pairs
    results = {}
    for size in a.sizes:
        folder = os.path.join(OUT, size)
        ref, ev = os.path.join(folder, "reference.dcm"), os.path.join(folder, "evaluated.dcm")
        if not (os.path.exists(ref) and os.path.exists(ev)):
            write_pairs.write_pair(size)
        r = {"anchor": run_anchor(a.anchor, ref, ev)}
        print(f"{size}: anchor {r['anchor']}", file=sys.stderr, flush=True)
        if not a.skip_pymedphys:
            r["pymedphys"] = run_pymedphys(a.python, ref, ev)
            print(f"{size}: pymedphys {r['pymedphys']}", file=sys.stderr, flush=True)
        if not a.skip_plastimatch:
            r["plastimatch"] = run_plastimatch(a.plastimatch, ref, ev, folder)
            print(f"{size}: plastimatch {r['plastimatch']}", file=sys.stderr, flush=True)
        results[size] = r
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    shape = {"64": "64^3", "128": "128^3", "clinical": "150x200x200", "hard": "150x200x200*"}
    print(f"{'grid (2.5 mm)':<14} {'tool':<12} {'pass %':>8} {'points':>9} {'wall s':>8} {'CPU s':>8} {'wall ratio':>11} {'CPU ratio':>10}")
    for size, r in results.items():
        a_wall, a_cpu = r["anchor"]["wall_seconds"], r["anchor"]["cpu_seconds"]
        for tool, v in r.items():
            wr = v["wall_seconds"] / a_wall if a_wall > 0 else float("nan")
            cr = v["cpu_seconds"] / a_cpu if a_cpu > 0 else float("nan")
            print(f"{shape.get(size, size):<14} {tool:<12} {v['pass_rate_percent']:8.3f} {v['points_evaluated']:9d} "
                  f"{v['wall_seconds']:8.2f} {v['cpu_seconds']:8.2f} {wr:10.1f}x {cr:9.1f}x")
    print("Ratios: the tool's seconds over Anchor's for the same pair. Anchor's and plastimatch's times are of the")
    print("whole command (reading both files included); pymedphys' of its gamma call only.")


if __name__ == "__main__":
    main()
