#!/usr/bin/env bash
# Installs the system libraries Anchor builds against, when they are missing (Debian or Ubuntu):
# zlib (inflate, zip), CharLS (JPEG-LS), OpenJPEG (JPEG 2000), libjpeg-turbo (JPEG), and pkg-config
# to find them. Everything else comes with the Swift toolchain and the package's dependencies.
set -euo pipefail
packages="pkg-config zlib1g-dev libcharls-dev libopenjp2-7-dev libjpeg62-turbo-dev"
if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists charls libopenjp2 libjpeg zlib; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: install these (or your system's equivalents) and run again: $packages" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "setup: installing $packages" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $packages >/dev/null
