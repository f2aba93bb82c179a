#!/usr/bin/env python3
"""Writes the DVH benchmark's own cases as DICOM files, and the exact values of the analytic ones.

    make_cases.py OUT [--force] [--shared=DIR]  # OUT/heavy (kept when there, unless --force),
                                                # OUT/analytic-linear, OUT/analytic-small, OUT/exact.json

heavy            512x512x150 CT (0.977 mm pixels, 2.5 mm slices), RT Structure Set of 21 ROIs (a body
                 outline of 400 points on every slice; 20 organs and targets of 150-360 points a contour,
                 0.1 to 560 cc; about 165 000 points in all), RT Dose on a 2.5 mm grid (a smooth
                 field: a ramp plus two Gaussian high-dose regions, up to about 58 Gy) offset from
                 the CT in all three axes. Timing only.
analytic-linear  box, cylinder, spheres (R 20, 8, 5 mm), a ring with a hole, two disjoint parts on one
                 plane and a concave C shape (AAPM TG-119-like), planes every 2.5 mm; dose
                 D = 40 + 0.15 x + 0.10 y + 0.20 z Gy (mm) on a 2.5 mm grid offset from the planes.
analytic-small   child-sized organs (spheres R 3, 4, 6, 8 mm: 0.1-2 cc, a 4 mm-radius cylinder, a
                 6x8x10 mm box), planes every 2 mm; a steep field D = 45 + 0.6 x - 0.3 y + 0.45 z Gy
                 (0.81 Gy/mm) on a 3 mm grid: contour planes finer than the dose grid.

Exact values (exact.json) are of the structures under the slab convention (each plane a slab of one
plane spacing centred on it), computed from the written polygons (exact.py); for reference, the
volumes of the true solids are listed too. Also the true-sphere values of shared/data's
synthetic-spheres (numerical quadrature; the README there lists most of them).
"""
import json
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dicomio  # noqa: E402
import exact  # noqa: E402


def circle(cx, cy, r, n, z, phase=0.0):
    t = phase + 2 * np.pi * np.arange(n) / n
    return dicomio.round_points(np.stack([cx + r * np.cos(t), cy + r * np.sin(t), np.full(n, z)], axis=1))


def rect(x0, x1, y0, y1, z):
    return dicomio.round_points([[x0, y0, z], [x1, y0, z], [x1, y1, z], [x0, y1, z]])


def planes(z0, z1, spacing, phase):
    """Plane positions phase + m * spacing strictly inside (z0, z1)."""
    m0 = math.floor((z0 - phase) / spacing) + 1
    zs = []
    m = m0
    while phase + m * spacing < z1 - 1e-9:
        zs.append(round(phase + m * spacing, 4))
        m += 1
    return zs


def sphere(cx, cy, cz, r, n, spacing, phase):
    return [circle(cx, cy, math.sqrt(r * r - (z - cz) ** 2), n, z) for z in planes(cz - r, cz + r, spacing, phase)]


def c_shape(cx, cy, r_out, r_in, opening_deg, n, z):
    """A C: the annulus sector between r_in and r_out missing `opening_deg` degrees around +x."""
    half = math.radians(opening_deg) / 2
    t_out = np.linspace(half, 2 * np.pi - half, n)
    t_in = t_out[::-1]
    pts = [(cx + r_out * math.cos(t), cy + r_out * math.sin(t)) for t in t_out]
    pts += [(cx + r_in * math.cos(t), cy + r_in * math.sin(t)) for t in t_in]
    return dicomio.round_points([[x, y, z] for x, y in pts])


def grid_values(f, origin, spacing, shape):
    nz, ny, nx = shape
    z = origin[2] + spacing[2] * np.arange(nz)
    y = origin[1] + spacing[1] * np.arange(ny)
    x = origin[0] + spacing[0] * np.arange(nx)
    Z, Y, X = np.meshgrid(z, y, x, indexing="ij")
    return f(X, Y, Z)


def write_analytic(out, name, rois, spacing_planes, field, dose_origin, dose_spacing, dose_shape, true_volumes):
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    study = dicomio.Study(name)
    dicomio.write_rtstruct(os.path.join(folder, "RS.dcm"), study, rois, name)
    dose = grid_values(field, dose_origin, dose_spacing, dose_shape)
    dicomio.write_rtdose(os.path.join(folder, "RD.dcm"), study, dose, dose_spacing, dose_origin, name + " dose")
    # The grid must cover every slab with its trilinear domain (voxel centres), or the truth would differ.
    hi = [dose_origin[i] + dose_spacing[i] * (dose_shape[2 - i] - 1) for i in range(3)]
    values = {}
    for r in rois:
        pts = np.concatenate(r["contours"])
        lo_p = pts.min(axis=0) - [0, 0, spacing_planes / 2]
        hi_p = pts.max(axis=0) + [0, 0, spacing_planes / 2]
        assert all(lo_p[i] > dose_origin[i] and hi_p[i] < hi[i] for i in range(3)), r["name"] + " leaves the dose grid"
        v = exact.exact_metrics(r["contours"], spacing_planes, field)
        v["true_solid_volume_cc"] = true_volumes[r["name"]]
        v["points"] = int(len(pts))
        values[r["name"]] = v
    return values


def analytic_linear(out):
    s, ph = 2.5, 1.25  # planes at 1.25 + 2.5 m, as on a CT with 2.5 mm slices
    rois = []

    def add(name, contours, kind="ORGAN"):
        rois.append({"number": len(rois) + 1, "name": name, "type": kind, "contours": contours,
                     "color": [(37 * len(rois)) % 256, 128, 255 - (53 * len(rois)) % 256]})

    add("Box_40x30x50", [rect(-70, -30, -60, -30, z) for z in planes(-25, 25, s, ph)])
    add("Cylinder_R15", [circle(40, -45, 15, 128, z) for z in planes(-20, 20, s, ph)])
    add("Sphere_R20", sphere(-40, 30, 0, 20, 128, s, ph), "PTV")
    add("Sphere_R8", sphere(10, 10, 30, 8, 64, s, ph))
    add("Sphere_R5", sphere(-10, -15, -30, 5, 48, s, ph))
    add("Ring_R20_hole_R10", [c for z in planes(-15, 15, s, ph) for c in (circle(45, 40, 20, 128, z), circle(45, 40, 10, 96, z))])
    add("TwoParts_R8", [c for z in planes(-10, 10, s, ph) for c in (circle(-20, -70, 8, 64, z), circle(5, -70, 8, 64, z))])
    add("C_shape", [c_shape(5, 55, 25, 15, 90, 97, z) for z in planes(-20, 20, s, ph)])
    true_volumes = {
        "Box_40x30x50": 40 * 30 * 50 / 1000, "Cylinder_R15": math.pi * 15 ** 2 * 40 / 1000,
        "Sphere_R20": 4 / 3 * math.pi * 20 ** 3 / 1000, "Sphere_R8": 4 / 3 * math.pi * 8 ** 3 / 1000,
        "Sphere_R5": 4 / 3 * math.pi * 5 ** 3 / 1000, "Ring_R20_hole_R10": math.pi * (400 - 100) * 30 / 1000,
        "TwoParts_R8": 2 * math.pi * 64 * 20 / 1000, "C_shape": math.pi * (625 - 225) * 0.75 * 40 / 1000,
    }
    field = exact.LinearField(40.0, 0.15, 0.10, 0.20)
    values = write_analytic(out, "analytic-linear", rois, s, field, (-100.7, -100.3, -60.4), (2.5, 2.5, 2.5), (49, 81, 81), true_volumes)
    return values, {"dose": "D = 40 + 0.15 x + 0.10 y + 0.20 z Gy (x, y, z in mm)", "plane_spacing_mm": s,
                    "dose_grid": "2.5 mm, 81 x 81 x 49 from (-100.7, -100.3, -60.4) mm"}


def analytic_small(out):
    s, ph = 2.0, 1.0  # planes at 1 + 2 m
    rois = []

    def add(name, contours, kind="ORGAN"):
        rois.append({"number": len(rois) + 1, "name": name, "type": kind, "contours": contours,
                     "color": [255, (41 * len(rois)) % 256, 60]})

    add("Sphere_R3", sphere(-12, -10, 0, 3, 48, s, ph))
    add("Sphere_R4", sphere(0, -12, 4, 4, 48, s, ph))
    add("Sphere_R6", sphere(12, -8, -4, 6, 64, s, ph))
    add("Sphere_R8", sphere(-10, 10, 2, 8, 64, s, ph))
    add("Cylinder_R4", [circle(10, 12, 4, 48, z) for z in planes(-6, 6, s, ph)])
    add("Box_6x8x10", [rect(0, 6, 0, 8, z) for z in planes(-12, -2, s, ph)])
    true_volumes = {"Sphere_R3": 4 / 3 * math.pi * 27 / 1000, "Sphere_R4": 4 / 3 * math.pi * 64 / 1000,
                    "Sphere_R6": 4 / 3 * math.pi * 216 / 1000, "Sphere_R8": 4 / 3 * math.pi * 512 / 1000,
                    "Cylinder_R4": math.pi * 16 * 12 / 1000, "Box_6x8x10": 0.48}
    field = exact.LinearField(45.0, 0.6, -0.3, 0.45)
    values = write_analytic(out, "analytic-small", rois, s, field, (-30.4, -30.7, -30.2), (3.0, 3.0, 3.0), (21, 21, 21), true_volumes)
    return values, {"dose": "D = 45 + 0.6 x - 0.3 y + 0.45 z Gy (x, y, z in mm)", "plane_spacing_mm": s,
                    "dose_grid": "3 mm, 21 x 21 x 21 from (-30.4, -30.7, -30.2) mm"}


def heavy(out, ct=True):
    folder = os.path.join(out, "heavy")
    os.makedirs(os.path.join(folder, "ct"), exist_ok=True)
    study = dicomio.Study("heavy")
    n_slices, size, pixel = 150, 512, 500 / 512
    s = 2.5
    z_slices = [round(-186.25 + s * k, 4) for k in range(n_slices)]
    origin_xy = (-250 + pixel / 2, -250 + pixel / 2)
    # CT: air, an elliptical body of soft tissue matching the outline, some noise (so nothing is zeros).
    rng = np.random.default_rng(3)
    yy, xx = np.mgrid[0:size, 0:size]
    X = origin_xy[0] + xx * pixel
    Y = origin_xy[1] + yy * pixel

    def body_axes(z):
        w = 1 + 0.06 * math.sin(z / 23)
        return 180 * w, 120 * w

    if ct:
        for k, z in enumerate(z_slices):
            a, b = body_axes(z)
            img = np.full((size, size), -1000, dtype=np.int16)
            inside = (X / a) ** 2 + (Y / b) ** 2 <= 1
            img[inside] = 40
            img = img + rng.integers(-20, 21, size=img.shape, dtype=np.int16)
            dicomio.write_ct_slice(os.path.join(folder, "ct", f"CT{k:04d}.dcm"), study, k, img, pixel, origin_xy, z, s)
    rois = []
    # Body: 400 points on every slice (60 000 points).
    rois.append({"number": 1, "name": "BODY", "type": "EXTERNAL", "color": [0, 255, 0],
                 "contours": [dicomio.round_points(np.stack([body_axes(z)[0] * np.cos(t), body_axes(z)[1] * np.sin(t), np.full(400, z)], axis=1))
                              for z in z_slices for t in [2 * np.pi * np.arange(400) / 400]]})
    # 20 organs and targets: lobed ellipsoids (semi-axes r, 0.8 r, r), 150 to 360 points a contour.
    radii = [3, 4, 5, 6, 8, 10, 12, 14, 16, 18, 20, 22, 25, 28, 30, 35, 40, 45, 50, 55]
    for n, r in enumerate(radii):
        cx, cy, cz = -110 + (n % 5) * 55, -40 + (n // 5 % 2) * 80, -130 + n * 13
        pts_n = int(round(150 + 210 * n / (len(radii) - 1)))
        t = 2 * np.pi * np.arange(pts_n) / pts_n
        lobes = 1 + 0.08 * np.sin(3 * t + n) + 0.04 * np.cos(5 * t)
        contours = []
        for z in z_slices:
            q = 1 - ((z - cz) / r) ** 2
            if q <= 0.02:
                continue
            rr = r * math.sqrt(q)
            contours.append(dicomio.round_points(np.stack([cx + rr * lobes * np.cos(t), cy + 0.8 * rr * lobes * np.sin(t), np.full(pts_n, z)], axis=1)))
        kind = "PTV" if r >= 40 else "ORGAN"
        rois.append({"number": n + 2, "name": (f"PTV_{n + 1}" if kind == "PTV" else f"OAR_{n + 1}"), "type": kind,
                     "color": [(13 * n) % 256, 200, (97 * n) % 256], "contours": contours})
    index = {z: k for k, z in enumerate(z_slices)}
    for r in rois:
        r["slice_index"] = lambda z: index[round(float(z), 4)]
    points = sum(len(c) for r in rois for c in r["contours"])
    dicomio.write_rtstruct(os.path.join(folder, "RS.dcm"), study, rois, "Heavy")
    # Dose: 2.5 mm over the body with a margin, offset from the CT (x by 0.3 mm, y by 0.6 mm, z by 1 mm).
    origin = (-192.2, -132.9, -187.25)
    shape = (151, 107, 155)  # frames, rows, columns
    c1 = np.array([20.0, 10.0, 40.0])
    c2 = np.array([-60.0, -20.0, -70.0])

    def field(X, Y, Z):
        r1 = (X - c1[0]) ** 2 + (Y - c1[1]) ** 2 + (Z - c1[2]) ** 2
        r2 = (X - c2[0]) ** 2 + (Y - c2[1]) ** 2 + (Z - c2[2]) ** 2
        return 1.5 + 0.01 * (Z + 190) + 54 * np.exp(-r1 / (2 * 45.0 ** 2)) + 20 * np.exp(-r2 / (2 * 30.0 ** 2))

    dose = grid_values(field, origin, (2.5, 2.5, 2.5), shape)
    dicomio.write_rtdose(os.path.join(folder, "RD.dcm"), study, dose, (2.5, 2.5, 2.5), origin, "Heavy case dose")
    return {"rois": len(rois), "points": points, "ct": f"{size}x{size}x{n_slices}", "max_gy": float(dose.max())}


def synthetic_spheres(shared):
    """True-sphere values in shared/data/synthetic-spheres' fields (its README's table, plus D50, D98),
    and for the z ramp (a linear field) also the exact values of its contours under the slab convention
    ("synthetic-zramp-slab"): what a calculator should find from those polygons, apart from how well
    they approximate the spheres."""
    out = {case: {"Sphere_R20": exact.sphere_metrics((0, 0, 0), 20, field),
                  "Sphere_R10_off35x": exact.sphere_metrics((35, 0, 0), 10, field)}
           for case, field in (("synthetic-gauss", "gauss"), ("synthetic-zramp", "zramp"))}
    rs_path = os.path.join(shared, "synthetic-spheres", "dicom_zramp", "rtss.dcm")
    if os.path.exists(rs_path):
        import pydicom
        rs = pydicom.dcmread(rs_path)
        names = {int(r.ROINumber): str(r.ROIName) for r in rs.StructureSetROISequence}
        slab = {}
        for rc in rs.ROIContourSequence:
            name = names[int(rc.ReferencedROINumber)]
            if not name.startswith("Sphere"):
                continue
            contours = [np.asarray([float(v) for v in c.ContourData]).reshape(-1, 3) for c in rc.ContourSequence]
            zs = sorted({round(float(c[0, 2]), 4) for c in contours})
            v = exact.exact_metrics(contours, float(np.median(np.diff(zs))), exact.LinearField(35.0, 0, 0, 0.5))
            v["points"] = int(sum(len(c) for c in contours))
            slab[name] = v
        out["synthetic-zramp-slab"] = slab
    return out


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/anchor-dvh-cases"
    force = "--force" in sys.argv[2:]
    shared = next((a.split("=", 1)[1] for a in sys.argv[2:] if a.startswith("--shared=")), "/work/shared/data")
    os.makedirs(out, exist_ok=True)
    t0 = time.time()
    truth = {"convention": "analytic cases: the structures under the slab convention (each contour plane a slab one "
                           "plane spacing thick centred on it), from the written polygons; synthetic spheres: true spheres"}
    info = {}
    for name, fn in (("analytic-linear", analytic_linear), ("analytic-small", analytic_small)):
        values, desc = fn(out)
        truth[name] = values
        info[name] = desc
        print(f"{name}: {len(values)} structures written", file=sys.stderr)
    truth.update(synthetic_spheres(shared))
    heavy_info = os.path.join(out, "heavy-info.json")  # beside the case: the folder holds DICOM only
    if force or not os.path.exists(heavy_info):
        info["heavy"] = heavy(out)
        with open(heavy_info, "w") as fh:
            json.dump(info["heavy"], fh)
    else:
        with open(heavy_info) as fh:
            info["heavy"] = json.load(fh)
        print("heavy: kept (--force rewrites it)", file=sys.stderr)
    print(f"heavy: {info['heavy']}", file=sys.stderr)
    truth["cases"] = info
    with open(os.path.join(out, "exact.json"), "w") as fh:
        json.dump(truth, fh, indent=1)
    print(f"cases written to {out} in {time.time() - t0:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
