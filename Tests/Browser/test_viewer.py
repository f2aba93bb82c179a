#!/usr/bin/env python3
"""The case page's image viewer in a real headless browser (Chromium over WebDriver).

Starts `anchor serve` on a free loopback port with a fresh data folder, uploads a synthetic case
written by `anchor phantom`, signs in through the sign-in form, opens the case page and checks what
the canvas shows against the phantom's own DICOM files (read here with pydicom, independently of the
server): CT grey values at known voxels, a structure's contour pixels in its ROI Display Color where
its contour points are, gone when it is toggled off, the dose wash over the target, the keyboard, and
no JavaScript errors. With --throttle it also measures what a reviewer waits for on a 2 Mbit/s line.

Usage: test_viewer.py [--anchor PATH] [--site S --age A --protocol P | --case-dir DIR] [--structure ROI]
                      [--screenshot PNG] [--throttle KBIT] [--json OUT]
Prints 'N passed, N failed' at the end; exits 1 on any failure.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

import pydicom
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PASSWORD = "browser-test-password"
EMAIL = "physicist@browser.test"
RESULTS = {"passed": 0, "failed": 0}


def check(name, ok, detail=""):
    RESULTS["passed" if ok else "failed"] += 1
    print(("PASS " if ok else "FAIL ") + name + (f": {detail}" if detail else ""), flush=True)
    return ok


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def api(base, method, path, token=None, body=None, headers=None):
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    req = urllib.request.Request(base + path, data=body, method=method, headers=h)
    with urllib.request.urlopen(req, timeout=120) as res:
        return json.loads(res.read() or b"null")


def multipart(fields, files):
    boundary = "anchor-" + uuid.uuid4().hex
    out = bytearray()
    for k, v in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
    for path in files:
        out += (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{os.path.basename(path)}"\r\n'
                "Content-Type: application/dicom\r\n\r\n").encode()
        with open(path, "rb") as f:
            out += f.read()
        out += b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), "multipart/form-data; boundary=" + boundary


class Phantom:
    """The CT slices and structure set as written, read with pydicom."""

    def __init__(self, folder):
        self.ct = []
        for name in sorted(os.listdir(folder)):
            ds = pydicom.dcmread(os.path.join(folder, name))
            if ds.Modality == "CT":
                self.ct.append(ds)
            elif ds.Modality == "RTSTRUCT":
                self.rs = ds
        self.ct.sort(key=lambda d: float(d.ImagePositionPatient[2]))

    def slice_at(self, z):
        return min(self.ct, key=lambda d: abs(float(d.ImagePositionPatient[2]) - z))

    @staticmethod
    def hu(ds, c, r):
        cols = ds.Columns
        fmt = "<h" if ds.PixelRepresentation == 1 else "<H"
        (v,) = struct.unpack_from(fmt, ds.PixelData, 2 * (r * cols + c))
        return v * float(ds.RescaleSlope) + float(ds.RescaleIntercept)

    @staticmethod
    def pixel(ds, p):
        """(column, row) of a patient point on a slice, from Image Position/Orientation and Pixel Spacing."""
        o = [float(v) for v in ds.ImagePositionPatient]
        iop = [float(v) for v in ds.ImageOrientationPatient]
        dr, dc = float(ds.PixelSpacing[0]), float(ds.PixelSpacing[1])
        d = [p[i] - o[i] for i in range(3)]
        return (sum(d[i] * iop[i] for i in range(3)) / dc, sum(d[i] * iop[3 + i] for i in range(3)) / dr)

    def roi(self, name):
        number = next(r.ROINumber for r in self.rs.StructureSetROISequence if r.ROIName == name)
        rc = next(c for c in self.rs.ROIContourSequence if c.ReferencedROINumber == number)
        return number, [int(v) for v in rc.ROIDisplayColor], [c.ContourData for c in rc.ContourSequence]


PIXELS_JS = """
const [view, points] = arguments;
const c = window.anchorViewer.canvases[view];
const ctx = c.getContext('2d');
const k = c.width / c.clientWidth;
return points.map(([x, y]) => Array.from(ctx.getImageData(Math.round(x * k - 0.5), Math.round(y * k - 0.5), 1, 1).data));
"""

SETTLE_JS = """
const done = arguments[arguments.length - 1];
requestAnimationFrame(() => requestAnimationFrame(() => done(true)));
"""


def settle(driver):
    driver.execute_async_script(SETTLE_JS)


def wait_for(driver, script, timeout=60, what="condition"):
    end = time.time() + timeout
    while time.time() < end:
        v = driver.execute_script(script)
        if v:
            return v
        time.sleep(0.1)
    raise TimeoutError(f"timed out waiting for {what}")


def start_browser(args):
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for a in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1100",
              "--force-device-scale-factor=1", "--disable-gpu", "--hide-scrollbars"]:
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(shutil.which("chromedriver") or "/usr/bin/chromedriver", log_output=subprocess.DEVNULL)
    return webdriver.Chrome(service=service, options=opts), service


def kill_driver(driver, service):
    try:
        driver.quit()
    except Exception:
        pass
    # chromedriver may ignore SIGTERM: make sure it and its browser are gone.
    proc = getattr(service, "process", None)
    if proc and proc.poll() is None:
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def sign_in(driver, base):
    driver.get(base + "/login")
    driver.find_element(By.NAME, "email").send_keys(EMAIL)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form button, form input[type=submit]").submit()
    wait_for(driver, "return location.pathname === '/'", 30, "the case list after signing in")


def open_case(driver, base, case_id):
    driver.get(f"{base}/cases/{case_id}")
    wait_for(driver, "return window.anchorViewer && (window.anchorViewer.error || window.anchorViewer.timings)", 60, "the viewer")
    err = driver.execute_script("return window.anchorViewer.error || null")
    if err:
        raise RuntimeError("viewer failed: " + err)


def wait_axial_slice(driver, index):
    wait_for(driver, f"""const s = window.anchorViewer.store;
        return ['ct','dose','contours'].every(k => s.has(k, 'axial', {index}))""", 60, f"axial slice {index}")
    settle(driver)


def browser_checks(driver, base, case_id, phantom, args):
    open_case(driver, base, case_id)
    v = driver.execute_script("return window.anchorViewer.manifest")
    axial = v["views"]["axial"]
    index = driver.execute_script("return window.anchorViewer.views.axial.index")
    wait_axial_slice(driver, index)

    # Geometry: the manifest's axial view is the CT as written (Image Position, Pixel Spacing).
    z = axial["pixel_to_patient"][2][2] * index + axial["pixel_to_patient"][2][3]
    ds = phantom.slice_at(z)
    ipp = [float(q) for q in ds.ImagePositionPatient]
    m = axial["pixel_to_patient"]
    check("axial view geometry equals the CT's Image Position and Pixel Spacing",
          all(abs(m[i][3] - ipp[i]) < 1e-3 for i in range(2)) and abs(z - ipp[2]) < 1e-3
          and abs(m[0][0] - float(ds.PixelSpacing[1])) < 1e-6 and abs(m[1][1] - float(ds.PixelSpacing[0])) < 1e-6,
          f"origin {[m[0][3], m[1][3], z]} vs {ipp}")

    def canvas_point(c, r):
        return driver.execute_script("return window.anchorViewer.views.axial.toCanvas(arguments[0], arguments[1])", c, r)

    def pixels(points):
        return driver.execute_script(PIXELS_JS, "axial", points)

    # CT alone: dose off (D), contours off. Keys go to the focused viewer, as a reviewer's would.
    def press(*keys):
        driver.execute_script("window.anchorViewer.canvases[window.anchorViewer.state.main].focus()")
        for k in keys:
            webdriver.ActionChains(driver).send_keys(k).perform()

    press("d")
    driver.find_element(By.CSS_SELECTOR, ".vw-all [data-act=none]").click()
    settle(driver)
    check("D turns the dose off", driver.execute_script("return window.anchorViewer.state.doseOn") is False)

    # Known voxels: the most uniform 3x3 neighbourhoods of air, soft tissue and bone on this slice.
    width, level = 400, 40
    picks = {}
    for r in range(4, ds.Rows - 4, 3):
        for c in range(4, ds.Columns - 4, 3):
            vals = [phantom.hu(ds, c + dc, r + dr) for dr in (-1, 0, 1) for dc in (-1, 0, 1)]
            mean, spread = sum(vals) / 9, max(vals) - min(vals)
            kind = "air" if mean < -900 else "bone" if mean > 700 else "soft tissue" if -50 < mean < 120 else None
            if kind and (kind not in picks or spread < picks[kind][2]):
                picks[kind] = (c, r, spread, mean)
    for kind, (c, r, spread, mean) in sorted(picks.items()):
        expected = round(min(max((mean - (level - width / 2)) / width, 0), 1) * 255)
        got = pixels([canvas_point(c, r)])[0]
        ok = abs(got[0] - expected) <= 12 and got[0] == got[1] == got[2]
        check(f"CT {kind} voxel ({c}, {r}) shows grey {expected} in the soft-tissue window", ok,
              f"canvas {got[:3]}, mean {mean:.0f} HU (3x3 spread {spread:.0f})")
    check("air, soft tissue and bone voxels found on the slice", len(picks) == 3, str(sorted(picks)))

    # A structure's contour: on, toggled off.
    name = args.structure
    number, colour, contours = phantom.roi(name)
    on_slice = [cd for cd in contours if abs(float(cd[2]) - z) < 0.01]
    pts = []
    for cd in on_slice:
        for i in range(0, len(cd), 3):
            pts.append(Phantom.pixel(ds, [float(cd[i]), float(cd[i + 1]), float(cd[i + 2])]))
    check(f"{name} has contours on the slice shown", len(pts) >= 8, f"{len(pts)} points")
    driver.execute_script(f"""const a = window.anchorViewer; a.state.visible.add({number}); a.renderStructures(); a.redraw();""")
    settle(driver)
    targets = [canvas_point(c, r) for c, r in pts]

    def matching(points):
        hits = 0
        for x, y in points:
            near = pixels([[x + dx, y + dy] for dx in (-1, 0, 1) for dy in (-1, 0, 1)])
            if any(all(abs(p[i] - colour[i]) <= 40 for i in range(3)) for p in near):
                hits += 1
        return hits / max(1, len(points))

    on = matching(targets)
    check(f"{name} contour pixels are in its colour {colour} at its contour points", on >= 0.9, f"{on:.0%} of {len(targets)} points")
    box = driver.find_element(By.CSS_SELECTOR, f".vw-structures tr[data-number='{number}'] input[type=checkbox]")
    box.click()
    settle(driver)
    off = matching(targets)
    check(f"toggling {name} off removes its contour pixels", off <= 0.05, f"{off:.0%} still in its colour")

    # Dose wash over the target's centre.
    cx = sum(p[0] for p in pts) / len(pts)
    cy = sum(p[1] for p in pts) / len(pts)
    centre = canvas_point(cx, cy)
    before = pixels([centre])[0]
    press("d")
    settle(driver)
    after = pixels([centre])[0]
    check("D turns the dose wash on over the target", max(after[:3]) - min(after[:3]) > 60 and after[0] > after[2] and before[0] == before[1] == before[2],
          f"{before[:3]} -> {after[:3]}")
    legend = driver.find_elements(By.CSS_SELECTOR, ".vw-legend-levels li")
    check("the legend lists the isodose levels", len(legend) == len(v["isodose"]["levels_percent"] or v["isodose"]["levels_gy"]), f"{len(legend)} levels")

    # The dose under the cursor: the status line quotes it.
    x, y = centre
    canvas = driver.find_element(By.CSS_SELECTOR, ".vw-pane.main canvas")
    w, h = canvas.size["width"], canvas.size["height"]
    webdriver.ActionChains(driver).move_to_element_with_offset(canvas, int(x - w / 2), int(y - h / 2)).perform()
    status = driver.find_element(By.CSS_SELECTOR, ".vw-status").text
    check("the status line gives HU and dose under the pointer", " HU" in status and " Gy" in status, status)

    # Keyboard.
    before_index = driver.execute_script("return window.anchorViewer.views.axial.index")
    press(Keys.ARROW_UP)
    after_index = driver.execute_script("return window.anchorViewer.views.axial.index")
    check("up arrow moves one slice", after_index == min(before_index + 1, axial["count"] - 1), f"{before_index} -> {after_index}")
    press(Keys.ARROW_DOWN, "w")
    check("W steps to the next window preset", driver.execute_script("return window.anchorViewer.state.preset") == 1)
    press("w", "w", "w", "2")
    check("2 makes the sagittal view the main one", driver.execute_script("return window.anchorViewer.state.main") == "sagittal")
    press("1")
    # A constraint row jumps to its structure.
    rows = driver.find_elements(By.CSS_SELECTOR, "tr.vw-link")
    if rows:
        target = rows[0].get_attribute("data-structure")
        driver.execute_script("arguments[0].click()", rows[0])
        sel = driver.execute_script("const a = window.anchorViewer; const s = a.structure(a.state.selected); return s && s.name")
        check("selecting a constraint selects its structure in the viewer", sel == target, f"{target} -> {sel}")
    # The DVH curves of the shown structures stand out.
    faded = driver.execute_script("""return Array.from(document.querySelectorAll('figure.dvh polyline'))
        .filter(l => l.getAttribute('stroke-opacity') === '0.22').length""")
    check("the DVH fades the curves of hidden structures", faded > 0, f"{faded} faded curves")

    # Sagittal and coronal slices arrive and draw.
    for view in ["sagittal", "coronal"]:
        idx = driver.execute_script(f"return window.anchorViewer.views.{view}.index")
        ok = wait_for(driver, f"return window.anchorViewer.store.has('ct', '{view}', {idx})", 30, view)
        check(f"the {view} view has its slice", bool(ok))

    # The browser asks for /favicon.ico by itself; the server has none, which is not the page's error.
    errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE" and "favicon.ico" not in e.get("message", "")]
    check("no JavaScript errors in the console", not errors, "; ".join(e.get("message", "")[:200] for e in errors))

    if args.screenshot:
        driver.execute_script("""const a = window.anchorViewer; a.state.visible.clear();
            for (const s of a.manifest.structures) if (s.has_contours && (s.type||'').toUpperCase() !== 'EXTERNAL') a.state.visible.add(s.number);
            a.setMain('axial'); a.select(a.manifest.structures.find(s => (s.type||'').toUpperCase() === 'PTV').number);
            window.scrollTo(0, 0);""")
        time.sleep(1.5)
        settle(driver)
        driver.execute_script("""document.querySelector('.vw-side').scrollTop = 0;
            document.getElementById('viewer').scrollIntoView({block: 'start'}); window.scrollBy(0, -60);""")
        settle(driver)
        os.makedirs(os.path.dirname(os.path.abspath(args.screenshot)), exist_ok=True)
        driver.save_screenshot(args.screenshot)
        print("screenshot:", args.screenshot)


def throttled(driver, base, case_id, kbit):
    """Waits on a throttled line, empty cache: first image, all axial slices, every slice of every view."""
    bps = kbit * 1000 / 8
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": False, "latency": 40, "downloadThroughput": bps, "uploadThroughput": bps})
    # Every slice request in the resource timings (the default buffer keeps 250).
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": "performance.setResourceTimingBufferSize(100000)"})
    driver.get(f"{base}/cases/{case_id}")
    wait_for(driver, "return window.anchorViewer && window.anchorViewer.timings && window.anchorViewer.timings.firstImage", 300, "first image")
    wait_for(driver, "return window.anchorViewer.timings.allAxial", 900, "all axial slices")
    wait_for(driver, "return window.anchorViewer.timings.everything", 1800, "every slice")
    t = driver.execute_script("""const a = window.anchorViewer, n = performance.getEntriesByType('navigation')[0];
        const res = performance.getEntriesByType('resource');
        const sum = (f) => res.filter(f).reduce((s, r) => s + (r.encodedBodySize || 0), 0);
        return {first_image_ms: a.timings.firstImage, manifest_ms: a.timings.manifest, all_axial_ms: a.timings.allAxial,
                everything_ms: a.timings.everything, page_html_bytes: n ? n.encodedBodySize : null,
                script_css_bytes: sum(r => /\\/viewer\\/[a-z]+\\.(js|css)$|\\/anchor\\.css$/.test(r.name)),
                slice_bytes: sum(r => /\\/viewer\\/(ct|dose|contours)\\//.test(r.name)), slices: res.filter(r => /\\/viewer\\/(ct|dose|contours)\\//.test(r.name)).length}""")
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    return t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--anchor", default=os.environ.get("ANCHOR_BIN", os.path.join(ROOT, ".build", "debug", "anchor")))
    ap.add_argument("--site", default="posterior-fossa")
    ap.add_argument("--age", default="4")
    ap.add_argument("--protocol", default="posterior-fossa")
    ap.add_argument("--case-dir", help="upload this case folder instead of writing a phantom")
    ap.add_argument("--structure", default="PTV", help="ROI whose contour pixels are checked (needs a colour of its own)")
    ap.add_argument("--screenshot")
    ap.add_argument("--throttle", type=float, help="also measure the waits at this many kbit/s")
    ap.add_argument("--json", help="write the measurements here")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="anchor-browser-")
    server = driver = service = None
    try:
        case_dir, data = os.path.join(work, "case"), os.path.join(work, "data")
        t0 = time.time()
        if args.case_dir:
            case_dir = args.case_dir
        else:
            run([args.anchor, "phantom", "--site", args.site, "--age", args.age, "--out", case_dir])
        with open(os.path.join(work, "pw"), "w") as f:
            f.write(PASSWORD + "\n")
        run([args.anchor, "admin", "create-centre", "--name", "Browser Test Centre", "--kind", "partner", "--data", data])
        run([args.anchor, "admin", "create-user", "--email", EMAIL, "--password-file", os.path.join(work, "pw"),
             "--centre", "Browser Test Centre", "--role", "submitter", "--data", data])
        port = free_port()
        log = open(os.path.join(work, "server.log"), "w")
        server = subprocess.Popen([args.anchor, "serve", "--data", data, "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/health", timeout=1)
                break
            except Exception:
                if server.poll() is not None:
                    raise RuntimeError("the server stopped: " + open(os.path.join(work, "server.log")).read()[-2000:])
                time.sleep(0.1)
        token = api(base, "POST", "/api/v1/auth/login", body=json.dumps({"email": EMAIL, "password": PASSWORD}).encode(),
                    headers={"Content-Type": "application/json"})["token"]
        files = [os.path.join(case_dir, n) for n in sorted(os.listdir(case_dir))]
        body, ctype = multipart({"protocol": args.protocol, "age_years": args.age, "diagnosis": "Browser test", "planned_start": "2030-01-15"}, files)
        case_id = api(base, "POST", "/api/v1/cases", token, body, {"Content-Type": ctype})["id"]
        for _ in range(600):
            status = api(base, "GET", f"/api/v1/cases/{case_id}", token)["status"]
            if status not in ("submitted", "resubmitted"):
                break
            time.sleep(0.2)
        check("the case is analysed", status == "qa_complete", status)
        print(f"server and case ready in {time.time() - t0:.1f} s", flush=True)

        phantom = Phantom(case_dir)
        driver, service = start_browser(args)
        sign_in(driver, base)
        browser_checks(driver, base, case_id, phantom, args)
        if args.throttle:
            t = throttled(driver, base, case_id, args.throttle)
            t["kbit_per_s"] = args.throttle
            t["viewer_js_css_bytes_on_disk"] = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in
                                                   os.walk(os.path.join(ROOT, "Sources/AnchorServer/Resources/Public/viewer")) for f in fs)
            print(json.dumps(t, indent=2))
            if args.json:
                with open(args.json, "w") as f:
                    json.dump(t, f, indent=2)
    except Exception as e:
        check("the browser test ran to its end", False, f"{type(e).__name__}: {e}")
    finally:
        if driver:
            kill_driver(driver, service)
        if server:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(work, ignore_errors=True)
    print(f"{RESULTS['passed']} passed, {RESULTS['failed']} failed")
    return 1 if RESULTS["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
