#!/usr/bin/env python3
"""Load script for `anchor serve` (not a test): many concurrent uploads and readers against a server
started here on 127.0.0.1, bounded in count and time. Reports throughput and p50/p99 latency.

    python3 bench/server/load.py [--anchor .build/release/anchor] [--uploads 20] [--readers 8]
                                 [--reads 400] [--concurrency 4] [--seconds 120]

It makes its own data folder (deleted afterwards), centres and people with `anchor admin`, and a
synthetic case with `anchor phantom`, which every upload sends again (each upload is a new case).
Only loopback addresses are used.
"""
import argparse, concurrent.futures as cf, json, os, shutil, signal, socket, statistics, subprocess, sys, tempfile, time, urllib.request, uuid


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def request(method, url, token=None, body=None, headers=None, timeout=300):
    h = dict(headers or {})
    if token: h["Authorization"] = "Bearer " + token
    req = urllib.request.Request(url, data=body, method=method, headers=h)
    t = time.perf_counter()
    with urllib.request.urlopen(req, timeout=timeout) as r:
        data = r.read()
        return r.status, data, time.perf_counter() - t


def multipart(files, fields):
    boundary = "anchor-load-" + uuid.uuid4().hex
    out = bytearray()
    for k, v in fields.items():
        out += f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode()
    for name, data in files:
        out += f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: application/dicom\r\n\r\n".encode()
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), "multipart/form-data; boundary=" + boundary


def pct(xs, p):
    if not xs: return float("nan")
    xs = sorted(xs); k = min(len(xs) - 1, max(0, int(round(p / 100 * (len(xs) - 1)))))
    return xs[k]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--anchor", default=".build/release/anchor")
    ap.add_argument("--uploads", type=int, default=20)
    ap.add_argument("--readers", type=int, default=8)
    ap.add_argument("--reads", type=int, default=400)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=120)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="anchor-load-")
    data, case_dir = os.path.join(work, "data"), os.path.join(work, "case")
    pw = os.path.join(work, "pw"); open(pw, "w").write("load-test-password\n")
    run = lambda *args: subprocess.run([a.anchor, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    run("admin", "create-centre", "--name", "Anchor", "--kind", "anchor", "--data", data)
    run("admin", "create-centre", "--name", "Partner", "--kind", "partner", "--data", data)
    run("admin", "link", "--partner", "Partner", "--anchor", "Anchor", "--data", data)
    run("admin", "create-user", "--email", "sub@load.test", "--password-file", pw, "--centre", "Partner", "--role", "submitter", "--data", data)
    run("admin", "create-user", "--email", "rev@load.test", "--password-file", pw, "--centre", "Anchor", "--role", "reviewer", "--data", data)
    run("phantom", "--site", "posterior-fossa", "--age", "6", "--out", case_dir)
    files = [(n, open(os.path.join(case_dir, n), "rb").read()) for n in sorted(os.listdir(case_dir))]
    body, ctype = multipart(files, {"protocol": "posterior-fossa", "age_years": "6", "diagnosis": "Ependymoma", "planned_start": "2027-03-01"})
    port = free_port()
    server = subprocess.Popen([a.anchor, "serve", "--data", data, "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                request("GET", base + "/health", timeout=1); break
            except Exception:
                time.sleep(0.1)
        login = lambda e: json.loads(request("POST", base + "/api/v1/auth/login", body=json.dumps({"email": e, "password": "load-test-password"}).encode(),
                                             headers={"Content-Type": "application/json"})[1])["token"]
        sub = login("sub@load.test")
        deadline = time.time() + a.seconds
        up_lat, read_lat, errors, ids = [], [], [], []

        def upload(_):
            if time.time() > deadline: return
            try:
                st, data, dt = request("POST", base + "/api/v1/cases", sub, body, {"Content-Type": ctype})
                up_lat.append(dt); ids.append(json.loads(data)["id"])
            except Exception as e:
                errors.append(f"upload: {e}")

        def read(n):
            if time.time() > deadline: return
            try:
                path = "/api/v1/cases" if n % 2 == 0 or not ids else "/api/v1/cases/" + ids[n % len(ids)]
                st, _, dt = request("GET", base + path, sub)
                read_lat.append(dt)
            except Exception as e:
                errors.append(f"read: {e}")

        t0 = time.perf_counter()
        with cf.ThreadPoolExecutor(a.concurrency + a.readers) as ex:
            futs = [ex.submit(upload, i) for i in range(a.uploads)] + [ex.submit(read, i) for i in range(a.reads)]
            for f in futs: f.result()
        wall = time.perf_counter() - t0
        # Wait for the analyses, bounded by the deadline.
        done = 0
        while time.time() < deadline + 60:
            cases = json.loads(request("GET", base + "/api/v1/cases", sub)[1])["cases"]
            done = sum(1 for c in cases if c["status"] not in ("submitted", "resubmitted"))
            if done >= len(ids): break
            time.sleep(0.5)
        analysed_wall = time.perf_counter() - t0
        mb = len(body) / 1e6
        print(f"uploads: {len(up_lat)} of {mb:.1f} MB in {wall:.1f} s ({len(up_lat) / wall:.2f}/s, {len(up_lat) * mb / wall:.1f} MB/s); "
              f"p50 {pct(up_lat, 50):.3f} s, p99 {pct(up_lat, 99):.3f} s")
        print(f"reads: {len(read_lat)} ({len(read_lat) / wall:.1f}/s); p50 {1000 * pct(read_lat, 50):.1f} ms, p99 {1000 * pct(read_lat, 99):.1f} ms")
        print(f"analysed: {done} of {len(ids)} cases {analysed_wall:.1f} s after the first upload ({done / analysed_wall:.2f} cases/s)")
        print(f"errors: {len(errors)}" + ("" if not errors else " (first: " + errors[0] + ")"))
    finally:
        server.send_signal(signal.SIGINT)
        try: server.wait(10)
        except Exception: server.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
