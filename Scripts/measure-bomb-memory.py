#!/usr/bin/env python3
"""Peak memory of `anchor serve` while it refuses bombs: a zip whose central directory points
thousands of entries at one deflated block, an RT Dose declaring a 65535 x 65535 x 40 grid, and a body
past the upload limit, sent twice each and two at a time. Measures the server's peak resident size
(VmHWM of /proc/PID/status) against its resident size when idle after a first sign-in, and fails
when the growth passes the budget (512 MB by default).

    Scripts/measure-bomb-memory.py [--anchor .build/debug/anchor] [--budget-mb 512]
"""
import argparse, io, json, os, struct, subprocess, sys, threading, time, urllib.request, uuid, zlib


def rss_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def zip_bomb(entries=4000, block=1 << 20):
    """One deflated block of `block` zero bytes, and `entries` central directory records pointing at it."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = c.compress(b"\0" * block) + c.flush()
    crc = zlib.crc32(b"\0" * block)
    name = b"x.dcm"
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), block, len(name), 0) + name + data
    central = b""
    for i in range(entries):
        n = f"e{i}.dcm".encode()
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(data), block, len(n), 0, 0, 0, 0, 0, 0) + n
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, entries, entries, len(central), len(local), 0)
    return local + central + eocd


def dose_bomb():
    """A minimal explicit VR little endian RT Dose that declares 65535 x 65535 x 40 and holds 16 bytes."""
    def el(group, elem, vr, value):
        if isinstance(value, str):
            value = value.encode()
            if len(value) % 2: value += b"\0" if vr == "UI" else b" "
        if vr in ("OB", "OW", "SQ", "UN", "UT"):
            return struct.pack("<HH2sHI", group, elem, vr.encode(), 0, len(value)) + value
        return struct.pack("<HH2sH", group, elem, vr.encode(), len(value)) + value
    sop = "1.2.840.10008.5.1.4.1.1.481.2"
    inst = "2.25." + str(uuid.uuid4().int)
    meta_body = el(2, 1, "OB", b"\0\1") + el(2, 2, "UI", sop) + el(2, 3, "UI", inst) + el(2, 0x10, "UI", "1.2.840.10008.1.2.1")
    meta = el(2, 0, "UL", struct.pack("<I", len(meta_body))) + meta_body
    ds = (el(8, 0x16, "UI", sop) + el(8, 0x18, "UI", inst) + el(8, 0x60, "CS", "RTDOSE") + el(0x10, 0x10, "PN", "Bomb^Dose")
          + el(0x10, 0x20, "LO", "BOMB1") + el(0x20, 0x0D, "UI", "2.25.1") + el(0x20, 0x0E, "UI", "2.25.2") + el(0x20, 0x52, "UI", "2.25.3")
          + el(0x28, 0x02, "US", struct.pack("<H", 1)) + el(0x28, 0x08, "IS", "40") + el(0x28, 0x10, "US", struct.pack("<H", 65535))
          + el(0x28, 0x11, "US", struct.pack("<H", 65535)) + el(0x28, 0x100, "US", struct.pack("<H", 32))
          + el(0x3004, 0x0C, "DS", "\\".join(str(i) for i in range(40))) + el(0x7FE0, 0x10, "OW", b"\1" * 16))
    return b"\0" * 128 + b"DICM" + meta + ds


def multipart(files, fields):
    boundary = "bomb" + uuid.uuid4().hex
    out = io.BytesIO()
    for k, v in fields.items():
        out.write(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode())
    for name, data in files:
        out.write(f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n\r\n".encode())
        out.write(data)
        out.write(b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return boundary, out.getvalue()


def post(url, token, files):
    fields = {"protocol": "posterior-fossa", "age_years": "6", "diagnosis": "Ependymoma", "planned_start": "2027-01-15"}
    boundary, body = multipart(files, fields)
    req = urllib.request.Request(url + "/api/v1/cases", data=body, method="POST",
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "multipart/form-data; boundary=" + boundary})
    try:
        with urllib.request.urlopen(req, timeout=300) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except Exception as e:  # a connection closed by the server on a body past the limit
        return str(e)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--anchor", default=".build/debug/anchor")
    ap.add_argument("--budget-mb", type=int, default=512)
    a = ap.parse_args()
    env = subprocess.run(["Scripts/serve-throwaway.sh", a.anchor], capture_output=True, text=True, check=True).stdout
    vals = dict(p.split("=", 1) for p in env.replace("'", "").split(" ") if "=" in p)
    pid, url, token, data = int(vals["ANCHOR_PID"]), vals["ANCHOR_URL"], vals["ANCHOR_TOKEN"].strip(), vals["ANCHOR_DATA"]
    try:
        time.sleep(1)
        idle = rss_kb(pid, "VmRSS")
        bombs = [("zip", [("bomb.zip", zip_bomb())]), ("dose", [("RD.dcm", dose_bomb())]),
                 ("oversized body", [("big.dcm", b"\0" * (1100 << 20))])]
        results = {}
        for name, files in bombs:
            # Reset the peak (VmHWM) to the current resident size, so each bomb is measured alone.
            with open(f"/proc/{pid}/clear_refs", "w") as f:
                f.write("5")
            out = []
            threads = [threading.Thread(target=lambda: out.append(post(url, token, files))) for _ in range(2)]
            for t in threads: t.start()
            for t in threads: t.join()
            peak = rss_kb(pid, "VmHWM")
            results[name] = {"answers": out, "peak_mb": round(peak / 1024, 1), "growth_mb": round((peak - idle) / 1024, 1)}
        alive = urllib.request.urlopen(url + "/health", timeout=10).status == 200
        print(json.dumps({"idle_mb": round(idle / 1024, 1), "budget_mb": a.budget_mb, "bombs": results, "server_alive": alive}, indent=2))
        ok = alive and all(r["growth_mb"] < a.budget_mb and all(s != 201 for s in r["answers"]) for r in results.values())
        sys.exit(0 if ok else 1)
    finally:
        subprocess.run(["kill", str(pid)])
        subprocess.run(["rm", "-rf", data])


if __name__ == "__main__":
    main()
