#!/usr/bin/env bash
# The viewer's browser test: installs what it needs (Debian's chromium and chromium-driver, a Python
# venv under /tmp with selenium and pydicom), builds `anchor` when it is not built, then runs
# test_viewer.py headless against `anchor serve` on a free loopback port. Extra arguments go to the
# test (--screenshot docs/review-page.png, --throttle 2000 --json out.json).
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi
VENV=${ANCHOR_BROWSER_VENV:-/tmp/anchor-browser-venv}
if ! "$VENV/bin/python" -c 'import selenium, pydicom' 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q 'selenium>=4.10' 'pydicom>=2.4'
fi
if [ -z "${ANCHOR_BIN:-}" ]; then
    # Incremental: a second or two when nothing changed, and never a stale binary.
    swift build --product anchor >/dev/null 2>&1 || swift build --product anchor
    ANCHOR_BIN=.build/debug/anchor
fi
exec "$VENV/bin/python" Tests/Browser/test_viewer.py --anchor "$ANCHOR_BIN" "$@"
