"""pymedphys.gamma on two RT Dose files, timed; prints one JSON line.

    python pymedphys_gamma.py REFERENCE EVALUATED [--dd 3] [--dta 2] [--cutoff 10] [--max-gamma 2] [--interp-fraction 10]

numba compiles pymedphys' interpolator on first use: a 4^3 warm-up call runs first and is not timed.
cpu_seconds counts every thread of this process during the timed call (numba runs in parallel).
"""
import argparse
import json
import os
import resource
import sys
import time

import numpy as np
import pymedphys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts in the work tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rtdose  # noqa: E402


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    p = argparse.ArgumentParser()
    p.add_argument("reference")
    p.add_argument("evaluated")
    p.add_argument("--dd", type=float, default=3)
    p.add_argument("--dta", type=float, default=2)
    p.add_argument("--cutoff", type=float, default=10)
    p.add_argument("--max-gamma", type=float, default=2)
    p.add_argument("--interp-fraction", type=float, default=10)
    a = p.parse_args()
    ref_axes, ref = rtdose.read(a.reference)
    ev_axes, ev = rtdose.read(a.evaluated)
    tiny = tuple(np.arange(4.0) for _ in range(3))
    pymedphys.gamma(tiny, np.ones((4, 4, 4)), tiny, np.ones((4, 4, 4)), 3, 2, lower_percent_dose_cutoff=10, interp_fraction=10, max_gamma=2)
    c0, t0 = cpu(), time.perf_counter()
    g = pymedphys.gamma(ref_axes, ref, ev_axes, ev, a.dd, a.dta, lower_percent_dose_cutoff=a.cutoff,
                        interp_fraction=a.interp_fraction, max_gamma=a.max_gamma)
    wall, cpu_s = time.perf_counter() - t0, cpu() - c0
    v = g[~np.isnan(g)]
    print(json.dumps({"pass_rate_percent": float(100 * np.sum(v <= 1) / v.size), "points_evaluated": int(v.size),
                      "mean_gamma": float(v.mean()), "gamma_p95": float(np.percentile(v, 95)),
                      "wall_seconds": wall, "cpu_seconds": cpu_s, "version": pymedphys.__version__}))


if __name__ == "__main__":
    main()
