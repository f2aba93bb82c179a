"""Exact DVHs of structures under the slab convention in a linear dose field, and of true spheres in
the synthetic-spheres fields.

Slab convention (the default of `anchor dvh`, dicompyler-core and plastimatch): contour plane k at
z_k stands for the slab [z_k - s/2, z_k + s/2], s the (uniform) plane spacing; contours on one plane
combine by the even-odd rule. For properly nested, non-crossing contours that region's area is the sum
of the contours' areas with a sign (+ outer, - hole), and so is the area of its intersection with
any half-plane: everything below is exact for the written (rounded) polygons.

Linear dose D(x, y, z) = a + gx x + gy y + gz z (Gy, mm); trilinear interpolation of a grid sampled
from it reproduces it, so this is the DVH a calculator should find from the files.

Volume receiving at least d, per slab [z0, z1] and region P, with u = (gx x + gy y) / g, g = |(gx, gy)|:
  D >= d  <=>  u >= t(z) = (d - a - gz z) / g
  gz = 0:  V = (z1 - z0) A(t)                 A(t) = area of P where u >= t
  gz != 0: V = (g / |gz|) (G(ta) - G(tb))     G(t) = integral over P of (u - t)+ dA, ta < tb = t(z0), t(z1)
since the integral of A over [ta, tb] is the integral over P of clamp(u - ta, 0, tb - ta). A and G come
from the polygon clipped to the half-plane (Sutherland-Hodgman is exact for area and first moments
even for concave polygons: its degenerate bridges have no area).
"""
import math

import numpy as np


def polygon_moments(xy):
    """(area, integral of x dA, integral of y dA) of a polygon, signed by its orientation."""
    if len(xy) < 3:
        return 0.0, 0.0, 0.0
    x, y = xy[:, 0], xy[:, 1]
    x1, y1 = np.roll(x, -1), np.roll(y, -1)
    cross = x * y1 - x1 * y
    a = cross.sum() / 2
    mx = ((x + x1) * cross).sum() / 6
    my = ((y + y1) * cross).sum() / 6
    return float(a), float(mx), float(my)


def clip_halfplane(xy, n, t):
    """The part of polygon xy where n . p >= t (Sutherland-Hodgman against one half-plane)."""
    s = xy @ n - t
    inside = s >= 0
    nxt = np.roll(np.arange(len(xy)), -1)
    s1 = s[nxt]
    cross = inside != inside[nxt]
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(cross, s / (s - s1), 0.0)
    inter = xy + f[:, None] * (xy[nxt] - xy)
    pts = np.stack([xy, inter], axis=1).reshape(-1, 2)
    keep = np.stack([inside, cross], axis=1).reshape(-1)
    return pts[keep]


class Slab:
    def __init__(self, z0, z1, contours):
        self.z0, self.z1 = z0, z1
        # Each contour with its sign (+1 outer, -1 hole: even-odd by nesting depth) and orientation.
        self.contours = []
        polys = [np.asarray(c, dtype=np.float64)[:, :2] for c in contours]
        for i, p in enumerate(polys):
            depth = sum(1 for j, q in enumerate(polys) if j != i and _inside(p[0], q))
            a, _, _ = polygon_moments(p)
            self.contours.append((1.0 if depth % 2 == 0 else -1.0, 1.0 if a >= 0 else -1.0, p))

    def area_moments(self):
        a = mx = my = 0.0
        for sign, orient, p in self.contours:
            pa, pmx, pmy = polygon_moments(p)
            a += sign * orient * pa
            mx += sign * orient * pmx
            my += sign * orient * pmy
        return a, mx, my

    def clipped(self, n, t):
        """(area, integral of n.p dA) of the region where n . p >= t."""
        a = m = 0.0
        for sign, orient, p in self.contours:
            q = clip_halfplane(p, n, t)
            pa, pmx, pmy = polygon_moments(q)
            a += sign * orient * pa
            m += sign * orient * (n[0] * pmx + n[1] * pmy)
        return a, m


def _inside(pt, poly):
    x, y = pt
    xs, ys = poly[:, 0], poly[:, 1]
    xs1, ys1 = np.roll(xs, -1), np.roll(ys, -1)
    cond = (ys > y) != (ys1 > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        xint = xs + (y - ys) * (xs1 - xs) / (ys1 - ys)
    return bool(np.count_nonzero(cond & (x < xint)) % 2)


def slabs_of(contours, spacing):
    """Slabs of a structure drawn on planes `spacing` apart (every plane reaching half a spacing out)."""
    planes = {}
    for c in contours:
        planes.setdefault(round(float(c[0][2]), 4), []).append(c)
    return [Slab(z - spacing / 2, z + spacing / 2, cs) for z, cs in sorted(planes.items())]


class LinearField:
    def __init__(self, a, gx, gy, gz):
        self.a, self.gx, self.gy, self.gz = a, gx, gy, gz

    def __call__(self, x, y, z):
        return self.a + self.gx * x + self.gy * y + self.gz * z


def volume_at_least(slabs, f, d):
    """Volume (mm^3) where the linear dose f is at least d."""
    g = math.hypot(f.gx, f.gy)
    total = 0.0
    for s in slabs:
        if g == 0:
            a, _, _ = s.area_moments()
            if f.gz == 0:
                total += a * (s.z1 - s.z0) if f.a >= d else 0.0
            else:
                zc = (d - f.a) / f.gz  # D >= d for z >= zc when gz > 0
                lo, hi = (max(s.z0, zc), s.z1) if f.gz > 0 else (s.z0, min(s.z1, zc))
                total += a * max(hi - lo, 0.0)
            continue
        n = np.array([f.gx / g, f.gy / g])
        if f.gz == 0:
            total += (s.z1 - s.z0) * s.clipped(n, (d - f.a) / g)[0]
            continue
        ta, tb = sorted(((d - f.a - f.gz * s.z0) / g, (d - f.a - f.gz * s.z1) / g))

        def G(t):
            a, m = s.clipped(n, t)
            return m - t * a

        total += g / abs(f.gz) * (G(ta) - G(tb))
    return total


def exact_metrics(contours, spacing, f):
    """Volume (cc), min, max, mean and D98/D95/D50/D2 (Gy) of a structure in a linear field."""
    slabs = slabs_of(contours, spacing)
    vol = mean_num = 0.0
    for s in slabs:
        a, mx, my = s.area_moments()
        L = s.z1 - s.z0
        vol += a * L
        mean_num += (f.a * a + f.gx * mx + f.gy * my) * L + f.gz * a * (s.z1 ** 2 - s.z0 ** 2) / 2
    doses = [f(p[0], p[1], z) for s in slabs for _, _, poly in s.contours for p in poly for z in (s.z0, s.z1)]
    lo, hi = min(doses), max(doses)
    out = {"volume_cc": vol / 1000, "min_gy": lo, "max_gy": hi, "mean_gy": mean_num / vol}
    for x in (98, 95, 50, 2):
        target = vol * x / 100
        a, b = lo, hi
        for _ in range(70):
            m = (a + b) / 2
            if volume_at_least(slabs, f, m) >= target:
                a = m
            else:
                b = m
        out[f"D{x}"] = (a + b) / 2
    return out


def sphere_metrics(centre, radius, field):
    """Volume, min, max, mean and D98/D95/D50/D2 of a true sphere in shared/data's synthetic-spheres
    fields, where {D >= d} is a ball or a half-space, so V(>= d) is a lens or a spherical cap:
      gauss: D = 60 exp(-|p|^2 / (2 * 20^2)) Gy: D >= d  <=>  |p| <= rho = sqrt(-800 ln(d / 60))
      zramp: D = 35 + 0.5 z Gy:                  D >= d  <=>  z >= (d - 35) / 0.5
    Dx by bisection on V; the mean is min + (1/V) times the integral of V(>= d) over [min, max]
    (Gauss-Legendre, 2000 nodes)."""
    c = np.asarray(centre, dtype=np.float64)
    R = float(radius)
    vol = 4 / 3 * math.pi * R ** 3
    if field == "gauss":
        dist = float(np.linalg.norm(c))
        lo, hi = 60 * math.exp(-(dist + R) ** 2 / 800), 60 * math.exp(-max(dist - R, 0) ** 2 / 800)

        def V(d):
            if d <= 0:
                return vol
            if d > 60:
                return 0.0
            rho = math.sqrt(max(-800 * math.log(d / 60), 0))
            if dist >= R + rho:
                return 0.0
            if dist <= abs(R - rho):
                return 4 / 3 * math.pi * min(R, rho) ** 3
            return math.pi * (R + rho - dist) ** 2 * (dist ** 2 + 2 * dist * (R + rho) - 3 * (R - rho) ** 2) / (12 * dist)
    elif field == "zramp":
        lo, hi = 35 + 0.5 * (c[2] - R), 35 + 0.5 * (c[2] + R)

        def V(d):
            h = R - ((d - 35) / 0.5 - c[2])  # height of the cap above the plane z = (d - 35) / 0.5
            h = min(max(h, 0.0), 2 * R)
            return math.pi * h * h * (3 * R - h) / 3
    else:
        raise ValueError(field)
    x, w = np.polynomial.legendre.leggauss(2000)
    ds = lo + (x + 1) / 2 * (hi - lo)
    integral = sum(wi * V(di) for wi, di in zip(w, ds)) * (hi - lo) / 2
    out = {"volume_cc": vol / 1000, "min_gy": lo, "max_gy": hi, "mean_gy": lo + integral / vol}
    for q in (98, 95, 50, 2):
        a, b = lo, hi
        for _ in range(80):
            m = (a + b) / 2
            if V(m) >= vol * q / 100:
                a = m
            else:
                b = m
        out[f"D{q}"] = (a + b) / 2
    return out
