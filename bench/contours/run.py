"""Contour comparison benchmark: Anchor against SimpleITK, MedPy, surface-distance, seg-metrics and platipy
on the posterior fossa phantom (age 6) and a perturbed copy of its structure set (every contour scaled
by 4 % about its ROI's centroid in the plane and moved 0.7 mm, -0.4 mm), same images and frame of
reference.

"Exact" is Anchor at a 0.1 mm surface spacing (every surface distance within 0.071 mm of the slab
solids' exact value; volumes exact). The body outline is left out. The peers get masks rasterised on the CT grid (pixel centres inside the contours,
even-odd rule), as they would from an RT Structure Set converter. Times: "process" is the whole command
(start, read, rasterise or sample, metrics); "in-process" the metric calls only (for Anchor: the
process time, since it reads the files inside its own process)."""
import argparse, json, os, subprocess, sys, time
import numpy as np
import pydicom
from skimage.draw import polygon as draw_polygon


def perturb(src, dst):
    ds = pydicom.dcmread(src)
    for rc in ds.ROIContourSequence:
        cs = [np.array(c.ContourData, dtype=float).reshape(-1, 3) for c in getattr(rc, "ContourSequence", [])]
        if not cs:
            continue
        allp = np.vstack(cs)
        cx, cy = allp[:, 0].mean(), allp[:, 1].mean()
        for c, p in zip(rc.ContourSequence, cs):
            q = p.copy()
            q[:, 0] = cx + 1.04 * (p[:, 0] - cx) + 0.7
            q[:, 1] = cy + 1.04 * (p[:, 1] - cy) - 0.4
            c.ContourData = [f"{v:.4f}" for v in q.ravel()]
    ds.SOPInstanceUID = pydicom.uid.generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.save_as(dst)


def ct_grid(folder):
    cts = [pydicom.dcmread(os.path.join(folder, f)) for f in sorted(os.listdir(folder)) if f.startswith("CT")]
    cts.sort(key=lambda d: float(d.ImagePositionPatient[2]))
    d0 = cts[0]
    return (np.array(d0.ImagePositionPatient, float), [float(x) for x in d0.PixelSpacing], int(d0.Rows), int(d0.Columns),
            [float(d.ImagePositionPatient[2]) for d in cts])


def masks(rs_path, grid):
    origin, (sr, sc), rows, cols, zs = grid
    ds = pydicom.dcmread(rs_path)
    names = {r.ROINumber: r.ROIName for r in ds.StructureSetROISequence}
    out = {}
    for rc in ds.ROIContourSequence:
        m = np.zeros((len(zs), rows, cols), dtype=bool)
        for c in getattr(rc, "ContourSequence", []):
            p = np.array(c.ContourData, dtype=float).reshape(-1, 3)
            if len(p) < 3:
                continue
            k = int(np.argmin([abs(z - p[0, 2]) for z in zs]))
            rr, cc = draw_polygon((p[:, 1] - origin[1]) / sr, (p[:, 0] - origin[0]) / sc, (rows, cols))
            m[k, rr, cc] ^= True
        out[names[rc.ReferencedROINumber]] = m
    return out


def run_peer(name, fn, pairs, spacing):
    res, t0 = {}, time.perf_counter()
    for s, (a, b) in pairs.items():
        try:
            res[s] = fn(a, b, spacing)
        except Exception as e:  # a peer that fails on a structure is reported, not fatal
            res[s] = {"error": str(e)[:120]}
    return res, time.perf_counter() - t0


def sitk_metrics(a, b, sp):
    import SimpleITK as sitk
    ia, ib = sitk.GetImageFromArray(a.astype(np.uint8)), sitk.GetImageFromArray(b.astype(np.uint8))
    for i in (ia, ib):
        i.SetSpacing((sp[2], sp[1], sp[0]))
    o = sitk.LabelOverlapMeasuresImageFilter(); o.Execute(ia, ib)
    h = sitk.HausdorffDistanceImageFilter(); h.Execute(ia, ib)
    return {"dice": o.GetDiceCoefficient(), "jaccard": o.GetJaccardCoefficient(), "hausdorff_mm": h.GetHausdorffDistance()}


def medpy_metrics(a, b, sp):
    from medpy.metric import binary as mb
    return {"dice": mb.dc(b, a), "hausdorff_mm": mb.hd(b, a, sp), "hd95_pooled_mm": mb.hd95(b, a, sp), "msd_mm": mb.assd(b, a, sp)}


def surface_distance_metrics(a, b, sp):
    import surface_distance as sd
    d = sd.compute_surface_distances(a, b, sp)
    m1, m2 = sd.compute_average_surface_distance(d)
    return {"dice": sd.compute_dice_coefficient(a, b), "hausdorff_mm": sd.compute_robust_hausdorff(d, 100),
            "hd95_mm": sd.compute_robust_hausdorff(d, 95), "msd_mm": (m1 + m2) / 2,
            "surface_dice": sd.compute_surface_dice_at_tolerance(d, 2.0)}


def seg_metrics_metrics(a, b, sp):
    import seg_metrics.seg_metrics as sg
    r = sg.write_metrics(labels=[1], gdth_img=a.astype(np.uint8), pred_img=b.astype(np.uint8), spacing=sp,
                         metrics=["dice", "jaccard", "hd", "hd95", "msd"], verbose=False)[0]
    return {"dice": r["dice"][0], "jaccard": r["jaccard"][0], "hausdorff_mm": r["hd"][0], "hd95_pooled_mm": r["hd95"][0], "msd_mm": r["msd"][0]}


def platipy_metrics(a, b, sp):
    import SimpleITK as sitk
    from platipy.imaging.label import comparison as pc
    ia, ib = sitk.GetImageFromArray(a.astype(np.uint8)), sitk.GetImageFromArray(b.astype(np.uint8))
    for i in (ia, ib):
        i.SetSpacing((sp[2], sp[1], sp[0]))
    return {"dice": pc.compute_metric_dsc(ia, ib), "hausdorff_mm": pc.compute_metric_hd(ia, ib),
            "msd_mm": pc.compute_metric_masd(ia, ib), "surface_dice": pc.compute_surface_dsc(ia, ib, tau=2.0),
            "apl_mm": pc.compute_apl(ia, ib, distance_threshold_mm=2.0)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--anchor", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    ref, test = os.path.join(a.out, "ref"), os.path.join(a.out, "test")
    subprocess.run([a.anchor, "phantom", "--site", "posterior-fossa", "--age", "6", "--out", ref], check=True, capture_output=True)
    os.makedirs(test, exist_ok=True)
    perturb(os.path.join(ref, "RS.dcm"), os.path.join(test, "RS.dcm"))
    rs_ref, rs_test = os.path.join(ref, "RS.dcm"), os.path.join(test, "RS.dcm")

    rois = [r.ROIName for r in pydicom.dcmread(rs_ref).StructureSetROISequence if r.ROIName.lower() not in ("external", "body")]

    def anchor(spacing):
        t0 = time.perf_counter()
        r = subprocess.run([a.anchor, "contours", "compare", rs_ref, rs_test, "--json", "--surface-spacing", str(spacing)]
                           + [x for n in rois for x in ("--structure", n)], check=True, capture_output=True, text=True)
        return {p["reference_name"]: p for p in json.loads(r.stdout)["pairs"]}, time.perf_counter() - t0

    exact, t_exact = anchor(0.1)
    ours, t_ours = anchor(0.25)
    grid = ct_grid(ref)
    t0 = time.perf_counter()
    ma, mb = masks(rs_ref, grid), masks(rs_test, grid)
    t_raster = time.perf_counter() - t0
    zs = grid[4]
    sp = (abs(zs[1] - zs[0]), grid[1][0], grid[1][1])
    names = [n for n in exact if n in ma and n in mb and n.lower() not in ("external", "body")]
    pairs = {n: (ma[n], mb[n]) for n in names}
    tools = {"anchor (0.25 mm)": ({n: ours[n] for n in names}, t_ours, t_ours)}
    for label, fn in [("SimpleITK", sitk_metrics), ("MedPy", medpy_metrics), ("surface-distance", surface_distance_metrics),
                      ("seg-metrics", seg_metrics_metrics), ("platipy", platipy_metrics)]:
        res, t = run_peer(label, fn, pairs, sp)
        tools[label] = (res, t, t + t_raster)
    keys = ["dice", "jaccard", "hausdorff_mm", "hd95_mm", "hd95_pooled_mm", "msd_mm", "surface_dice", "apl_mm"]
    print(f"structures: {', '.join(names)}  (exact: Anchor at 0.1 mm, {t_exact:.2f} s)")
    print("mean |tool - exact| over the structures (n = structures the tool returned a number for)")
    print(f"{'tool':20s} " + " ".join(f"{k:>15s}" for k in keys) + f" {'in-process s':>13s} {'process s':>10s}")
    def num(x):
        v = np.asarray(x, dtype=float).ravel()
        if v.size != 1:
            raise ValueError(f"not one number: {x!r:.60}")
        return float(v[0])

    for label, (res, t_in, t_proc) in tools.items():
        cells = []
        for k in keys:
            errs = []
            for n in names:
                if k in res.get(n, {}) and k in exact[n]:
                    try:
                        errs.append(abs(num(res[n][k]) - num(exact[n][k])))
                    except (TypeError, ValueError) as e:
                        res[n] = {"error": f"{k}: {e}"}
            cells.append(f"{np.mean(errs):9.4f} (n={len(errs)})" if errs else f"{'-':>15s}")
        print(f"{label:20s} " + " ".join(f"{c:>15s}" for c in cells) + f" {t_in:13.3f} {t_proc:10.3f}")
    errors = {label: {n: r[n]["error"] for n in names if "error" in r.get(n, {})} for label, (r, _, _) in tools.items()}
    errors = {k: v for k, v in errors.items() if v}
    if errors:
        print("failures:", json.dumps(errors, indent=1))


if __name__ == "__main__":
    main()
