"""Writes the benchmark pairs as RT Dose files: bench/out/gamma/<name>/{reference,evaluated}.dcm.

    python bench/gamma/write_pairs.py [64 128 clinical hard]
"""
import os
import sys

from pydicom.uid import generate_uid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ beside the scripts in the work tree
sys.path.insert(0, HERE)
import pairs  # noqa: E402
import rtdose  # noqa: E402

SIZES = {"64": (64, 64, 64), "128": (128, 128, 128), "clinical": (150, 200, 200), "hard": (150, 200, 200)}
OUT = os.path.join(HERE, "..", "out", "gamma")


def write_pair(name):
    shape = SIZES[name]
    grid, _, ref, _, ev = pairs.bench_pair(shape, perturb=pairs.HARD_PERTURB if name == "hard" else pairs.PERTURB)
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    frame = generate_uid()
    rtdose.write(os.path.join(folder, "reference.dcm"), ref, grid["spacing"], grid["origin"], frame, "GAMMA BENCH REFERENCE")
    rtdose.write(os.path.join(folder, "evaluated.dcm"), ev, grid["spacing"], grid["origin"], frame, "GAMMA BENCH EVALUATED")
    return folder


if __name__ == "__main__":
    for name in sys.argv[1:] or ["64", "128", "clinical"]:
        print(write_pair(name))
