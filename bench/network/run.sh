#!/usr/bin/env bash
# Receive throughput over DICOM on loopback: Anchor's storage SCP (`anchor receive`) against dcmtk's
# `storescp`, the same files sent by the same senders (dcmtk's `storescu` and `anchor send`) in the
# same run, receivers alternating over the rounds. Reports MB/s (data bytes of the files sent / wall
# time of the sender) per receiver and sender, the median of the rounds.
#
# Anchor flushes every object to disk (fsync of the file and of its folder) before answering success;
# storescp, as run here (its defaults), does not. Both write one file per object.
#
#   bash bench/network/run.sh [--rounds N] [--cases "posterior-fossa:5 abdomen:8 mediastinum:14"]
# Builds `anchor` in release (ANCHOR_ENGINE_ONLY=1, scratch path .build-engine) unless ANCHOR_BIN is set.
# Needs dcmtk (storescp, storescu, echoscu).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
rounds=3
cases="posterior-fossa:5 abdomen:8 mediastinum:14"
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --cases) cases="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 64 ;;
  esac
done
for tool in storescp storescu echoscu; do
  command -v "$tool" >/dev/null || { echo "$tool not found: install dcmtk" >&2; exit 69; }
done
if [ -z "${ANCHOR_BIN:-}" ]; then
  (cd "$root" && ANCHOR_ENGINE_ONLY=1 swift build -c release --scratch-path .build-engine --product anchor >&2)
  ANCHOR_BIN="$root/.build-engine/release/anchor"
fi

work="$(mktemp -d /tmp/anchor-bench-network.XXXXXX)"
receiver_pid=""
cleanup() {
  if [ -n "$receiver_pid" ]; then kill -9 "$receiver_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The files: synthetic paediatric cases (CT series, RT Structure Set, RT Plan, RT Dose).
files_dir="$work/files"
for c in $cases; do
  "$ANCHOR_BIN" phantom --site "${c%%:*}" --age "${c##*:}" --out "$files_dir/$c" >/dev/null
done
mapfile -t files < <(find "$files_dir" -name '*.dcm' | sort)
bytes=$(cat "${files[@]}" | wc -c)
echo "files: ${#files[@]} objects, $((bytes / 1048576)) MB, in $(echo $cases | wc -w) cases; $rounds rounds"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_receiver() { # $1 = storescp|anchor, $2 = folder, $3 = port
  mkdir -p "$2"
  if [ "$1" = storescp ]; then
    storescp --aetitle RECEIVER --output-directory "$2" "$3" >/dev/null 2>&1 &
  else
    "$ANCHOR_BIN" receive --data "$2" --ae-title RECEIVER --port "$3" --hostname 127.0.0.1 --quiet >/dev/null 2>&1 &
  fi
  receiver_pid=$!
  for _ in $(seq 100); do
    if echoscu -aec RECEIVER 127.0.0.1 "$3" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "$1 did not start" >&2; exit 69
}

stop_receiver() { kill -9 "$receiver_pid" 2>/dev/null || true; wait "$receiver_pid" 2>/dev/null || true; receiver_pid=""; }

send() { # $1 = storescu|anchor, $2 = port; prints seconds
  local t0 t1
  t0=$(date +%s.%N)
  if [ "$1" = storescu ]; then
    storescu -aec RECEIVER -aet SENDER 127.0.0.1 "$2" "${files[@]}" >/dev/null 2>&1
  else
    "$ANCHOR_BIN" send "${files[@]}" --to "127.0.0.1:$2" --called-ae RECEIVER --calling-ae SENDER >/dev/null
  fi
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f\n", b - a}'
}

results="$work/results.txt"
: > "$results"
for r in $(seq "$rounds"); do
  order="storescp anchor"
  [ $((r % 2)) -eq 0 ] && order="anchor storescp"
  for receiver in $order; do
    for sender in storescu anchor; do
      port=$(free_port)
      out="$work/received-$receiver-$sender-$r"
      start_receiver "$receiver" "$out" "$port"
      seconds=$(send "$sender" "$port")
      stop_receiver
      got=$(find "$out" -maxdepth 1 -type f ! -name '.*' | wc -l)
      if [ "$got" -ne "${#files[@]}" ]; then
        echo "round $r: $receiver received $got of ${#files[@]} objects from $sender" >&2; exit 1
      fi
      echo "$receiver $sender $seconds" >> "$results"
      rm -rf "$out"
    done
  done
done

printf '\n%-10s %-10s %10s %10s\n' receiver sender "median s" "MB/s"
for receiver in storescp anchor; do
  for sender in storescu anchor; do
    median=$(awk -v a="$receiver" -v b="$sender" '$1==a && $2==b {print $3}' "$results" | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}')
    printf '%-10s %-10s %10.2f %10.1f\n' "$receiver" "$sender" "$median" "$(awk -v b="$bytes" -v m="$median" 'BEGIN {print b / 1048576 / m}')"
  done
done
