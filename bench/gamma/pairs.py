"""Deterministic dose pairs for gamma tests and benchmarks.

A clinical-like reference dose (a sum of open beams through the isocentre, with a build-up and
attenuation along depth, smooth penumbrae and a low-dose halo) and an evaluated copy that is shifted,
scaled and noisy. Only +, -, *, /, abs, min and max are used, in a fixed order, and the noise comes
from a counter-based SplitMix64, so the Swift mirror
(Tests/AnchorDosimetryTests/GammaPairs.swift) produces bit-identical float32 arrays. Change one, change
both, and regenerate the fixture with make_fixture.py.
"""
import numpy as np

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def splitmix_uniform(seed, count):
    """Uniform [0, 1) doubles: SplitMix64 of state seed + (n + 1) * golden, n = 0..count-1."""
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + np.arange(1, count + 1, dtype=np.uint64) * np.uint64(GOLDEN)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * (2.0 ** -53)


def profile(t, half_width, penumbra):
    a = (half_width - np.abs(t)) / penumbra + 0.5
    a = np.minimum(np.maximum(a, 0.0), 1.0)
    return a * a * (3.0 - 2.0 * a)


def dose(x, y, z, beams, entry, penumbra, scale):
    """x, y, z broadcastable float64 arrays (mm). beams: (ux, uy, weight, half_width_lateral, half_width_z)."""
    total = np.zeros(np.broadcast(x, y, z).shape)
    for ux, uy, w, wl, wz in beams:
        depth = np.maximum(ux * x + uy * y + entry, 0.0)
        lateral = uy * x - ux * y
        pdd = (depth / (depth + 8.0)) / (1.0 + 0.0045 * depth)
        total = total + w * pdd * profile(lateral, wl, penumbra) * profile(z, wz, penumbra)
    halo = 0.04 / (1.0 + (x * x + y * y + z * z) / 4000.0)
    return scale * (total + halo)


def axes(shape, spacing, origin):
    """shape (nz, ny, nx) or (ny, nx); spacing and origin per axis in the same order; returns 1D axes."""
    return tuple(o + np.arange(n, dtype=np.float64) * s for n, s, o in zip(shape, spacing, origin))


def volume(spec, grid, shift=(0.0, 0.0, 0.0), factor=1.0, noise=0.0, seed=0):
    """The dose of `spec` on `grid` (dict shape/spacing/origin in (z, y, x) order, 2 or 3 axes),
    shifted by `shift` (x, y, z mm), multiplied by `factor`, plus uniform noise in [-noise, noise]."""
    ax = axes(grid["shape"], grid["spacing"], grid["origin"])
    if len(ax) == 3:
        zz, yy, xx = np.meshgrid(*ax, indexing="ij")
    else:
        yy, xx = np.meshgrid(*ax, indexing="ij")
        zz = np.full_like(xx, grid["plane_z"])
    d = dose(xx - shift[0], yy - shift[1], zz - shift[2], spec["beams"], spec["entry"], spec["penumbra"], spec["scale"])
    d = d * factor
    if noise > 0:
        u = splitmix_uniform(seed, d.size).reshape(d.shape)
        d = d + (2.0 * u - 1.0) * noise
    return ax, d.astype(np.float32)


PERTURB = {"shift": (1.0, 0.5, -0.5), "factor": 1.02, "noise": 0.015, "seed": 20260101}

# Small pairs for the agreement fixture (each axis list in (z, y, x) order): small enough that the
# Swift test computes all cases in seconds in a debug build, with the field edges inside the grid.
FIXTURE_BEAMS = [(1.0, 0.0, 1.0, 14.0, 11.0), (-0.6, 0.8, 0.8, 14.0, 11.0), (-0.6, -0.8, 0.8, 14.0, 11.0)]
FIXTURE_SPEC = {"beams": FIXTURE_BEAMS, "entry": 60.0, "penumbra": 4.0, "scale": 1.5}
FIXTURE_PAIRS = {
    "beams3d": {
        "reference": {"shape": (16, 20, 22), "spacing": (2.5, 2.5, 2.5), "origin": (-18.75, -23.75, -26.25)},
        "evaluated": {"shape": (16, 20, 22), "spacing": (2.5, 2.5, 2.5), "origin": (-18.75, -23.75, -26.25)},
    },
    "regrid3d": {
        "reference": {"shape": (16, 20, 22), "spacing": (2.5, 2.5, 2.5), "origin": (-18.75, -23.75, -26.25)},
        "evaluated": {"shape": (21, 26, 28), "spacing": (2.0, 2.0, 2.0), "origin": (-20.3, -25.1, -27.7)},
    },
    "plane2d": {
        "reference": {"shape": (40, 44), "spacing": (1.5, 1.5), "origin": (-29.25, -32.25), "plane_z": 2.0},
        "evaluated": {"shape": (40, 44), "spacing": (1.5, 1.5), "origin": (-29.25, -32.25), "plane_z": 2.0},
    },
}


def fixture_pair(name):
    p = FIXTURE_PAIRS[name]
    ref_axes, ref = volume(FIXTURE_SPEC, p["reference"])
    eval_axes, ev = volume(FIXTURE_SPEC, p["evaluated"], **PERTURB)
    return ref_axes, ref, eval_axes, ev


def bench_spec(shape, spacing):
    """Beams sized to the grid: lateral half-width a fifth of the smaller in-plane extent (at most
    40 mm), z half-width a fifth of the z extent (at most 35 mm), entering beyond the grid's corners."""
    extent = min(shape[1], shape[2]) * spacing
    wl = min(40.0, extent / 5.0)
    wz = min(35.0, shape[0] * spacing / 5.0)
    beams = [(1.0, 0.0, 1.0, wl, wz), (-0.6, 0.8, 0.8, wl, wz), (-0.6, -0.8, 0.8, wl, wz), (0.0, -1.0, 0.6, wl, wz)]
    return {"beams": beams, "entry": extent * 0.75 + 40.0, "penumbra": 4.0, "scale": 1.5}


# A harder evaluated copy: more failing points, more searches out to the maximum gamma.
HARD_PERTURB = {"shift": (2.0, 1.0, -1.0), "factor": 1.04, "noise": 0.03, "seed": 7}


def bench_pair(shape, spacing=2.5, perturb=PERTURB):
    grid = {"shape": shape, "spacing": (spacing,) * 3, "origin": tuple(-(n - 1) * spacing / 2.0 for n in shape)}
    spec = bench_spec(shape, spacing)
    ref_axes, ref = volume(spec, grid)
    eval_axes, ev = volume(spec, grid, **perturb)
    return grid, ref_axes, ref, eval_axes, ev
